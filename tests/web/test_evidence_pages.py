"""The evidence pages: an employee rates themself (shown as claimed, never counted); a manager
sees a person's evidence by kind, validates a level and withdraws it; HR records prior learning;
errors come back on the fields with nothing changed; people outside the rules are refused."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.skills.models import Competence, Evidence
from tests.conftest import csrf_from, sign_in


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _rows(app, **where) -> list[Evidence]:
    with app.app_context():
        query = select(Evidence).order_by(Evidence.id)
        for name, value in where.items():
            query = query.where(getattr(Evidence, name) == value)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def _competence_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Competence.id).where(Competence.code == code))


def test_an_employee_rates_themself_with_the_level_descriptions(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    profile = _text(client.get("/profile"))
    assert "Rate yourself" in profile and "Your rating (claimed)" in profile
    page = client.get("/profile/self-assessment")
    text = _text(page)
    # the scale's descriptions and the framework's statements per level
    assert "At basic level, individuals remember and implement simple tasks" in text
    assert "What someone at each level can do in 4.1" in text
    assert "Your role needs level 2" in text and "Not rated yet." in text
    token = csrf_from(page.get_data(as_text=True))
    c41, c12 = _competence_id(app, "4.1"), _competence_id(app, "1.2")
    saved = client.post(
        "/profile/self-assessment", data={"csrf_token": token, f"r{c41}": "4", f"r{c12}": "1"}
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/profile")
    profile = _text(client.get("/profile"))
    assert "2 ratings changed" in profile and "Claimed (does not count)" in profile
    row = re.search(r"4\.1 Protecting devices</th>(.*?)</tr>", profile).group(1)
    # target, attained, gap, claim
    assert re.findall(r"<td>([^<]*)</td>", row) == ["2", "0", "2", "4"]
    claims = _rows(app, competence_id=c41, kind="self_assessment")
    assert [(r.level_number, r.revoked_at) for r in claims] == [(4, None)]


def test_a_bad_rating_comes_back_on_its_field_and_saves_nothing(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    token = csrf_from(client.get("/profile/self-assessment").get_data(as_text=True))
    c41, c12 = _competence_id(app, "4.1"), _competence_id(app, "1.2")
    page = client.post(
        "/profile/self-assessment", data={"csrf_token": token, f"r{c41}": "9", f"r{c12}": "2"}
    )
    text = _text(page)
    assert page.status_code == 200 and "<title>Error: Rate yourself" in text
    assert f'<a href="#r{c41}">Unknown proficiency level' in text  # the summary links the field
    assert f'id="r{c41}-error"' in text
    assert _rows(app, kind="self_assessment") == []
    # without the CSRF token nothing is saved either
    refused = client.post("/profile/self-assessment", data={f"r{c12}": "2"})
    assert refused.status_code == 400 and _rows(app, kind="self_assessment") == []


def test_a_manager_validates_a_level_and_withdraws_it(app, demo):
    client = app.test_client()
    sign_in(client, "manager@example.org")
    page = client.get("/people/E1007")
    text = _text(page)
    assert "Validate a level" in text and "Record prior learning" not in text
    token = csrf_from(page.get_data(as_text=True))
    done = client.post(
        "/people/E1007/validate",
        data={
            "csrf_token": token,
            "framework": "digcomp-3.0",
            "competence": "4.1",
            "level": "2",
            "note": "Reported the test phish",
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/people/E1007#evidence")
    text = _text(client.get("/people/E1007"))
    assert "You validated Evan Price&#39;s level in 4.1: 2 Intermediate" in text
    assert "Validated by Maria Okafor" in text and "Reported the test phish" in text
    row = re.search(r"4\.1 Protecting devices</th>(.*?)</tr>", text).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[:3] == ["2", "2", "Met"]
    evidence = _rows(app, kind="manager_validation")[0]
    confirm = client.get(f"/evidence/{evidence.id}/withdraw")
    assert "Withdraw this validation?" in _text(confirm)
    token = csrf_from(confirm.get_data(as_text=True))
    empty = client.post(f"/evidence/{evidence.id}/withdraw", data={"csrf_token": token})
    assert "Enter why it is withdrawn" in _text(empty)
    assert _rows(app, kind="manager_validation")[0].revoked_at is None
    gone = client.post(
        f"/evidence/{evidence.id}/withdraw", data={"csrf_token": token, "reason": "Too early"}
    )
    assert gone.status_code == 302
    text = _text(client.get("/people/E1007"))
    assert "Withdrawn by Maria Okafor" in text and "Too early" in text
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target == f"evidence:{evidence.id}")
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["evidence_validated", "evidence_withdrawn"]


def test_a_validation_without_a_level_shows_the_errors_and_records_nothing(app, demo):
    client = app.test_client()
    sign_in(client, "manager@example.org")
    token = csrf_from(client.get("/people/E1010/validate?competence=1.2").get_data(as_text=True))
    page = client.post(
        "/people/E1010/validate",
        data={"csrf_token": token, "framework": "digcomp-3.0", "competence": "1.2"},
    )
    text = _text(page)
    assert "<title>Error: Validate a level for Amara Diallo" in text
    assert '<a href="#level">Choose a level</a>' in text
    assert '<option value="1.2" selected>' in text  # what was chosen stays chosen
    page = client.post(
        "/people/E1010/validate",
        data={"csrf_token": token, "framework": "digcomp-3.0", "competence": "9.9", "level": "2"},
    )
    assert "has no competence &#39;9.9&#39;" in _text(page)
    assert _rows(app, kind="manager_validation") == []


def test_who_is_refused(app, demo):
    maria = app.test_client()
    sign_in(maria, "manager@example.org")
    assert maria.get("/people/E1015/validate").status_code == 404  # outside her subtree
    assert maria.get("/people/E1007/prior-learning").status_code == 403  # not HR
    assert maria.get("/evidence/99999999999/withdraw").status_code == 404  # past any id
    evan = app.test_client()
    sign_in(evan, "employee@example.org")
    assert evan.get("/people/E1008/validate").status_code == 404
    own = evan.get("/people/E1007/validate")
    assert own.status_code == 403 and "your own level" in _text(own)
    assert "Validate a level" not in _text(evan.get("/people/E1007"))


def test_hr_records_prior_learning(app, demo):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    assert "Record prior learning for Liam Byrne" in _text(client.get("/people/E1015"))
    page = client.get("/people/E1015/prior-learning")
    token = csrf_from(page.get_data(as_text=True))
    form = {
        "csrf_token": token,
        "framework": "digcomp-3.0",
        "competence": "4.1",
        "level": "3",
        "reference": "",
        "achieved_on": "2025-02-30",
    }
    bad = _text(client.post("/people/E1015/prior-learning", data=form))
    assert "Enter the certificate or course name" in bad
    assert "Enter a date, for example 31 March 2027" in bad
    assert _rows(app, kind="prior_learning") == []
    form |= {"reference": "CompTIA Security+", "achieved_on": "2025-02-03"}
    form |= {"expires_on": "2099-02-02"}
    done = client.post("/people/E1015/prior-learning", data=form)
    assert done.status_code == 302
    text = _text(client.get("/people/E1015"))
    assert "CompTIA Security+, achieved 3 February 2025, valid through 2 February 2099" in text
    with app.app_context():
        liam = get_by_email("liam.byrne@example.org")
        assert (
            db.session.scalar(
                select(func.count(Evidence.id)).where(
                    Evidence.employee_id == liam.id, Evidence.kind == "prior_learning"
                )
            )
            == 1
        )


def test_the_person_page_reads_evidence_in_the_same_statements_however_much(
    app, demo, count_queries
):
    from learnhub.skills import recorded
    from learnhub.skills.evidence_access import Actor

    client = app.test_client()
    sign_in(client, "manager@example.org")

    def statements() -> int:
        with count_queries() as queries:
            assert client.get("/people/E1007").status_code == 200
        return queries.count

    with app.app_context():
        maria, evan = get_by_email("manager@example.org"), get_by_email("employee@example.org")
        recorded.validate_level(Actor(maria.id, hr=False), evan, "digcomp-3.0", "4.1", 2)
        db.session.commit()
    one = statements()
    with app.app_context():
        maria, evan = get_by_email("manager@example.org"), get_by_email("employee@example.org")
        for code in ("1.2", "1.3", "2.1", "2.2", "4.2"):
            recorded.validate_level(Actor(maria.id, hr=False), evan, "digcomp-3.0", code, 1)
        recorded.self_assess(evan, "digcomp-3.0", {"1.2": 3, "4.1": 1})
        db.session.commit()
    assert statements() == one
