"""`flask demo seed` shows issue 11's hand-recorded evidence: the demo manager has validated
one report's level, the demo employee has rated themself; a second run adds nothing."""

from __future__ import annotations

from learnhub.org.services import get_by_email
from learnhub.skills.evidence_list import evidence_of
from learnhub.skills.services import attained_levels


def test_the_demo_has_a_validation_and_a_self_assessment_once(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        maria = get_by_email("manager@example.org")
        leila = get_by_email("leila.haddad@example.org")
        evan = get_by_email("employee@example.org")
        validations = [i for i in evidence_of(leila.id) if i.kind == "manager_validation"]
        assert [(i.competence_code, i.level, i.status) for i in validations] == [
            ("4.1", 2, "counts")
        ]
        assert validations[0].recorded_by == maria.full_name and validations[0].note
        claims = [i for i in evidence_of(evan.id) if i.kind == "self_assessment"]
        assert sorted((i.competence_code, i.level, i.status) for i in claims) == [
            ("1.2", 2, "claimed"),
            ("2.1", 3, "claimed"),
            ("4.1", 2, "claimed"),
            ("4.2", 1, "claimed"),
        ]
        assert attained_levels([evan.id]) == {}  # claims never count
