"""Evidence recorded by hand (learnhub.skills.recorded): what each kind does to the attained
level and to the stored team summaries (after the after-commit recompute, eager here), that the
incremental and the nightly recomputes agree, prior learning's expiry, self-assessments that
never count, the permission matrix, the audit rows, and bad inputs that change nothing.

The demo organisation: Maria Okafor (manager@) manages Evan Price (employee@, a case officer)
and Tomasz Nowak, who manages Amara Diallo; Grace Adeyemi (director) is above them all; Hana
Rossi (hr@) reports to Claire Dubois; Liam Byrne is in another branch.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from learnhub.core.audit import AuditEvent
from learnhub.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.skills import recorded
from learnhub.skills.evidence_access import Actor
from learnhub.skills.evidence_list import evidence_of
from learnhub.skills.models import Competence, Evidence, TeamSummary
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.services import attained_levels, competence_profile, get_framework
from learnhub.skills.summaries import compute_summary
from tests.skills.conftest import stale_summaries

FW = "digcomp-3.0"
#: a competence the case officer's role targets at level 2 (content/roles/case-officer.yaml)
CODE = "4.1"


def person(name: str):
    emails = {
        "maria": "manager@example.org",
        "evan": "employee@example.org",
        "hana": "hr@example.org",
    }
    return get_by_email(emails.get(name, f"{name}@example.org"))


def actor(name: str) -> Actor:
    hr = name == "hana"
    return Actor(employee_id=person(name).id, hr=hr)


def attained(name: str, code: str = CODE) -> int:
    who = person(name)
    competence = _competence(code)
    return attained_levels([who.id]).get((who.id, competence.id), 0)


def _competence(code: str) -> Competence:
    framework = get_framework(FW)
    return db.session.scalar(
        select(Competence).where(Competence.framework_id == framework.id, Competence.code == code)
    )


def meeting(manager: str, code: str = CODE) -> int:
    """People of ``manager``'s subtree meeting their target in ``code``, from the stored
    summary."""
    framework = get_framework(FW)
    stored = db.session.scalar(
        select(TeamSummary).where(
            TeamSummary.manager_id == person(manager).id,
            TeamSummary.framework_id == framework.id,
        )
    )
    assert stored is not None
    row = next(c for c in stored.data["competences"] if c["code"] == code)
    return row["meeting"]


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(Evidence.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )


@pytest.fixture
def demo_ctx(app_ctx, demo):
    """The demo organisation with every summary computed (the nightly run)."""
    store_all_summaries()
    db.session.commit()
    return app_ctx


# --- what each kind does ---------------------------------------------------------------------


def test_a_manager_validation_counts_and_moves_the_stored_summaries(demo_ctx):
    before_maria, before_grace = meeting("maria"), meeting("grace.adeyemi")
    assert attained("evan") == 0
    recorded.validate_level(actor("maria"), person("evan"), FW, CODE, 2, "Saw him report phish")
    db.session.commit()  # the recompute runs after the commit (eager)
    assert attained("evan") == 2
    assert meeting("maria") == before_maria + 1
    assert meeting("grace.adeyemi") == before_grace + 1
    assert stale_summaries(demo_ctx) == []


def test_a_withdrawn_validation_stops_counting(demo_ctx):
    before = meeting("maria")
    evidence = recorded.validate_level(actor("maria"), person("evan"), FW, CODE, "Intermediate")
    db.session.commit()
    recorded.withdraw_evidence(actor("maria"), evidence.id, "Validated the wrong person")
    db.session.commit()
    assert attained("evan") == 0 and meeting("maria") == before
    row = db.session.get(Evidence, evidence.id)
    assert row.revoked_at is not None
    assert (row.revoked_by_id, row.revoked_reason) == (
        person("maria").id,
        "Validated the wrong person",
    )
    assert stale_summaries(demo_ctx) == []


def test_a_new_validation_replaces_the_previous_one(demo_ctx):
    first = recorded.validate_level(actor("maria"), person("evan"), FW, CODE, 3)
    db.session.commit()
    assert attained("evan") == 3
    second = recorded.validate_level(actor("grace.adeyemi"), person("evan"), FW, CODE, 1)
    db.session.commit()
    assert attained("evan") == 1  # the higher, older one no longer counts
    old = db.session.get(Evidence, first.id)
    assert old.revoked_at is not None and old.revoked_reason.startswith("Replaced")
    assert db.session.get(Evidence, second.id).revoked_at is None
    assert stale_summaries(demo_ctx) == []


def test_a_self_assessment_is_claimed_and_never_raises_the_attained_level(demo_ctx):
    stored = {s.manager_id: s.data for s in db.session.scalars(select(TeamSummary))}
    changed = recorded.self_assess(person("evan"), FW, {CODE: 4, "1.2": "Advanced"})
    db.session.commit()
    assert changed == 2
    assert attained("evan") == 0 and attained("evan", "1.2") == 0
    framework = get_framework(FW)
    row = next(r for r in competence_profile(person("evan").id, framework) if r.code == CODE)
    assert (row.attained, row.claimed, row.gap) == (0, 4, 2)
    after = {s.manager_id: s.data for s in db.session.scalars(select(TeamSummary))}
    assert after == stored  # recomputed, and equal: a claim moves nothing
    items = [i for i in evidence_of(person("evan").id) if i.kind == "self_assessment"]
    assert {i.status for i in items} == {"claimed"}


def test_a_new_rating_replaces_the_claim_and_keeps_the_history(demo_ctx):
    recorded.self_assess(person("evan"), FW, {CODE: 1})
    db.session.commit()
    assert recorded.self_assess(person("evan"), FW, {CODE: 1}) == 0  # same rating: no new row
    assert recorded.self_assess(person("evan"), FW, {CODE: 3}) == 1
    db.session.commit()
    rows = db.session.scalars(
        select(Evidence).where(Evidence.kind == "self_assessment").order_by(Evidence.id)
    ).all()
    assert [(r.level_number, r.revoked_at is None) for r in rows] == [(1, False), (3, True)]
    assert rows[0].revoked_by_id == person("evan").id
    framework = get_framework(FW)
    row = next(r for r in competence_profile(person("evan").id, framework) if r.code == CODE)
    assert row.claimed == 3 and row.attained == 0


def test_prior_learning_counts_until_the_end_of_its_expiry_date(demo_ctx):
    today = utcnow().date()
    before = meeting("maria")
    evidence = recorded.record_prior_learning(
        actor("hana"),
        person("evan"),
        FW,
        CODE,
        2,
        "Cyber Essentials awareness certificate",
        today - timedelta(days=300),
        today,
    )
    db.session.commit()
    assert attained("evan") == 2 and meeting("maria") == before + 1
    assert evidence.reference == "Cyber Essentials awareness certificate"
    day_after = evidence.expires_at + timedelta(seconds=1)
    who, competence = person("evan").id, _competence(CODE).id
    assert attained_levels([who], at=evidence.expires_at - timedelta(seconds=1)) == {
        (who, competence): 2
    }
    assert attained_levels([who], at=day_after) == {}
    # the nightly recompute after the expiry drops it, like a recompute from scratch
    store_all_summaries(at=day_after)
    db.session.commit()
    framework = get_framework(FW)
    assert meeting("maria") == before
    stored = db.session.scalar(
        select(TeamSummary).where(TeamSummary.manager_id == person("maria").id)
    )
    assert stored.data == compute_summary(person("maria").id, framework, at=day_after)
    item = next(i for i in evidence_of(who, at=day_after) if i.id == evidence.id)
    assert item.status == "expired" and item.valid_through == today


def test_incremental_and_nightly_recomputes_agree_after_validations_and_withdrawals(demo_ctx):
    maria, grace, hana = actor("maria"), actor("grace.adeyemi"), actor("hana")
    # what quizzes already gave them (the demo's history passes some): withdrawn evidence
    # leaves exactly that
    before = (attained("amara.diallo", "1.2"), attained("tomasz.nowak", "2.1"))
    assert before[0] < 3
    steps = [
        recorded.validate_level(maria, person("evan"), FW, CODE, 2),
        recorded.validate_level(maria, person("amara.diallo"), FW, "1.2", 3),
        recorded.validate_level(hana, person("liam.byrne"), FW, CODE, 4),
        recorded.record_prior_learning(
            hana, person("tomasz.nowak"), FW, "2.1", 2, "Cert", date(2025, 1, 1)
        ),
    ]
    db.session.commit()
    recorded.withdraw_evidence(grace, steps[1].id, "Not yet")
    recorded.validate_level(grace, person("evan"), FW, "1.2", 2)
    db.session.commit()
    recorded.withdraw_evidence(hana, steps[3].id, "Certificate not genuine")
    recorded.self_assess(person("evan"), FW, {"1.2": 4})
    db.session.commit()
    incremental = {s.manager_id: s.data for s in db.session.scalars(select(TeamSummary))}
    assert stale_summaries(demo_ctx) == []
    store_all_summaries()
    db.session.commit()
    nightly = {s.manager_id: s.data for s in db.session.scalars(select(TeamSummary))}
    assert incremental == nightly
    assert attained("evan") == 2 and attained("evan", "1.2") == 2
    assert (attained("amara.diallo", "1.2"), attained("tomasz.nowak", "2.1")) == before


# --- who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "whom", "allowed"),
    [
        ("maria", "evan", True),  # a direct report
        ("maria", "amara.diallo", True),  # an indirect one
        ("grace.adeyemi", "evan", True),  # the director above
        ("hana", "liam.byrne", True),  # HR, anyone
        ("maria", "liam.byrne", False),  # outside the manager's subtree
        ("tomasz.nowak", "evan", False),  # a team leader, but not Evan's
        ("evan", "leila.haddad", False),  # an employee validates nobody
        ("evan", "evan", False),  # never oneself
        ("maria", "maria", False),
        ("hana", "hana", False),  # not even HR
    ],
)
def test_who_may_validate(demo_ctx, who, whom, allowed):
    evidence, audits = counts()
    if allowed:
        made = recorded.validate_level(actor(who), person(whom), FW, CODE, 2)
        assert made.recorded_by_id == person(who).id
    else:
        with pytest.raises(Forbidden):
            recorded.validate_level(actor(who), person(whom), FW, CODE, 2)
        assert counts() == (evidence, audits)


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("maria", None),  # the validator
        ("grace.adeyemi", None),  # a manager above the person
        ("hana", None),  # HR
        ("tomasz.nowak", NotFound),  # neither: cannot even see it
        ("evan", NotFound),  # the person: not theirs to withdraw
    ],
)
def test_who_may_withdraw_a_validation(demo_ctx, who, outcome):
    evidence = recorded.validate_level(actor("maria"), person("evan"), FW, CODE, 2)
    db.session.commit()
    if outcome is None:
        recorded.withdraw_evidence(actor(who), evidence.id, "Reason")
        assert db.session.get(Evidence, evidence.id).revoked_by_id == person(who).id
    else:
        with pytest.raises(outcome):
            recorded.withdraw_evidence(actor(who), evidence.id, "Reason")
        assert db.session.get(Evidence, evidence.id).revoked_at is None


def test_the_validator_keeps_the_right_to_withdraw_after_the_person_moves(demo_ctx):
    evidence = recorded.validate_level(actor("maria"), person("evan"), FW, CODE, 2)
    person("evan").manager_id = person("rafael.mendes").id
    db.session.flush()
    recorded.withdraw_evidence(actor("maria"), evidence.id, "Moved teams")
    assert db.session.get(Evidence, evidence.id).revoked_at is not None


def test_hr_cannot_withdraw_evidence_about_themself(demo_ctx):
    evidence = recorded.validate_level(actor("claire.dubois"), person("hana"), FW, CODE, 2)
    db.session.commit()
    with pytest.raises(Forbidden, match="yourself"):
        recorded.withdraw_evidence(actor("hana"), evidence.id, "I disagree")


def test_only_hr_records_and_withdraws_prior_learning(demo_ctx):
    with pytest.raises(Forbidden, match="Only HR"):
        recorded.record_prior_learning(
            actor("maria"), person("evan"), FW, CODE, 2, "Cert", date(2025, 1, 1)
        )
    with pytest.raises(Forbidden):
        recorded.record_prior_learning(
            actor("hana"), person("hana"), FW, CODE, 2, "Cert", date(2025, 1, 1)
        )
    evidence = recorded.record_prior_learning(
        actor("hana"), person("evan"), FW, CODE, 2, "Cert", date(2025, 1, 1)
    )
    db.session.commit()
    with pytest.raises(Forbidden, match="Only HR"):
        recorded.withdraw_evidence(actor("maria"), evidence.id, "No")
    recorded.withdraw_evidence(actor("hana"), evidence.id, "Wrong person")
    with pytest.raises(Conflict, match="already withdrawn"):
        recorded.withdraw_evidence(actor("hana"), evidence.id, "Again")


def test_an_api_token_acts_as_hr_without_a_person(demo_ctx):
    token = Actor(employee_id=None, hr=True)
    evidence = recorded.validate_level(token, person("evan"), FW, CODE, 2)
    assert evidence.recorded_by_id is None and attained("evan") == 2


def test_nothing_is_recorded_for_a_leaver(demo_ctx):
    leaver = person("leila.haddad")
    leaver.active = False
    db.session.flush()
    with pytest.raises(Forbidden, match="has left"):
        recorded.validate_level(actor("hana"), leaver, FW, CODE, 2)


# --- audit -----------------------------------------------------------------------------------


def test_validations_prior_learning_and_withdrawals_are_audited(demo_ctx):
    validation = recorded.validate_level(actor("maria"), person("evan"), FW, CODE, 2, "Seen")
    prior = recorded.record_prior_learning(
        actor("hana"), person("evan"), FW, "1.2", 3, "ECDL", date(2024, 5, 1), date(2030, 1, 1)
    )
    recorded.withdraw_evidence(actor("hana"), validation.id, "Duplicate")
    recorded.self_assess(person("evan"), FW, {CODE: 2})  # a claim: not audited
    db.session.commit()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target.like("evidence:%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.target) for e in events] == [
        ("evidence_validated", f"evidence:{validation.id}"),
        ("prior_learning_recorded", f"evidence:{prior.id}"),
        ("evidence_withdrawn", f"evidence:{validation.id}"),
    ]
    assert events[0].details["employee"] == "E1007"
    assert events[0].details["level"] == 2 and events[0].details["note"] == "Seen"
    assert events[1].details["reference"] == "ECDL"
    assert events[1].details["expires_on"] == "2030-01-01"
    assert events[2].details["reason"] == "Duplicate"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "where", "words"),
    [
        ({"level": 5}, "level", "levels: 1 Basic"),
        ({"level": "Expert"}, "level", "Unknown proficiency level"),
        ({"competence": "9.9"}, "competence", "no competence '9.9'"),
        ({"framework": "digcomp-2.2"}, "framework", "No framework"),
        ({"note": "x" * 1001}, "note", "1000 characters or fewer"),
    ],
)
def test_a_bad_validation_says_what_is_wrong_and_changes_nothing(demo_ctx, args, where, words):
    before = counts()
    call = {"framework": FW, "competence": CODE, "level": 2, "note": ""} | args
    with pytest.raises(ValidationFailed) as raised:
        recorded.validate_level(actor("maria"), person("evan"), **call)
    assert [i.where for i in raised.value.errors] == [where]
    assert words in raised.value.errors[0].message
    assert counts() == before


@pytest.mark.parametrize(
    ("args", "where"),
    [
        ({"reference": "  "}, "reference"),
        ({"reference": "x" * 201}, "reference"),
        ({"achieved_on": date(2999, 1, 1)}, "achieved_on"),
        ({"expires_on": date(2019, 1, 1)}, "expires_on"),  # before the date achieved
        ({"expires_on": date(2021, 1, 1)}, "expires_on"),  # already passed
        ({"competence": "4.9"}, "competence"),
    ],
)
def test_bad_prior_learning_says_what_is_wrong_and_changes_nothing(demo_ctx, args, where):
    before = counts()
    call = {
        "framework": FW,
        "competence": CODE,
        "level": 2,
        "reference": "Cert",
        "achieved_on": date(2020, 1, 1),
        "expires_on": None,
    } | args
    with pytest.raises(ValidationFailed) as raised:
        recorded.record_prior_learning(actor("hana"), person("evan"), **call)
    assert [i.where for i in raised.value.errors] == [where]
    assert counts() == before


def test_a_self_assessment_of_an_untargeted_competence_is_refused_whole(demo_ctx):
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        # 3.4 is not a case officer's target; 4.1 is, but level 9 is not a level
        recorded.self_assess(person("evan"), FW, {"3.4": 2, CODE: 9, "1.2": 2})
    assert sorted(i.where for i in raised.value.errors) == ["ratings.3.4", f"ratings.{CODE}"]
    assert "does not target" in raised.value.errors[0].message
    assert counts() == before


def test_a_withdrawal_needs_a_reason(demo_ctx):
    evidence = recorded.validate_level(actor("maria"), person("evan"), FW, CODE, 2)
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        recorded.withdraw_evidence(actor("maria"), evidence.id, "   ")
    assert raised.value.errors[0].where == "reason"
    assert db.session.get(Evidence, evidence.id).revoked_at is None


def test_a_quiz_pass_cannot_be_withdrawn_by_hand(demo_ctx):
    from learnhub.skills.services import record_evidence

    evidence = record_evidence(
        employee_id=person("evan").id,
        competence_id=_competence(CODE).id,
        level=2,
        kind="quiz_passed",
        source="attempt:test",
    )
    with pytest.raises(NotFound):
        recorded.withdraw_evidence(actor("hana"), evidence.id, "No")
