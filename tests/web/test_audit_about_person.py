"""The audit log page's "About person" filter (a fresh tester's findings): it finds the events
about anything of that person's (their attempts, evidence, API tokens, their email typed at a
failed sign-in), not only those naming ``employee:<id>``; the CSV has exactly the same events;
an employee number matches in any letter case. The subject access export uses the same rule."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from learnhub.auth.models import ApiToken
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.privacy.sar_records import audit as sar_audit
from learnhub.quizzes.models import Quiz
from learnhub.skills.models import Competence, Evidence
from tests.assignments.helpers import passed_attempt
from tests.conftest import sign_in


def _ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'id="event-(\d+)"', response.get_data(as_text=True))]


@pytest.fixture
def about(app, demo) -> dict[str, list[int]]:
    """Events about Evan's record, email, attempt, evidence and token (``evan``), and the same
    kinds about Maria's (``others``)."""
    with app.app_context():
        db.session.query(AuditEvent).delete()
        evan, other = get_by_email("employee@example.org"), get_by_email("hr@example.org")
        quiz = db.session.scalars(select(Quiz).order_by(Quiz.id)).first()
        competence = db.session.scalars(select(Competence).order_by(Competence.id)).first()
        at = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
        kept: dict[str, list[int]] = {"evan": [], "others": []}
        for n, (key, person) in enumerate((("evan", evan), ("others", other))):
            attempt = passed_attempt(person, quiz, at)
            evidence = Evidence(
                employee_id=person.id,
                competence_id=competence.id,
                level_number=1,
                kind="prior_learning",
                source=f"test:{n}",
                achieved_at=at,
            )
            token = ApiToken(
                name=f"t{n}",
                prefix=f"p{n}",
                token_hash=f"{n}" * 64,
                scopes=[],
                owner_id=person.id,
                expires_at=at + timedelta(days=30),
            )
            db.session.add_all([evidence, token])
            db.session.flush()
            for m, target in enumerate(
                [
                    f"employee:{person.id}",
                    person.email,
                    f"attempt:{attempt.id}",
                    f"evidence:{evidence.id}",
                    f"api_token:{token.id}",
                ]
            ):
                event = AuditEvent(
                    at=at + timedelta(minutes=10 * n + m), action="some_event", target=target
                )
                db.session.add(event)
                db.session.flush()
                kept[key].append(event.id)
        # kinds that are nobody's and ids that only look alike
        for target in (f"quiz:{quiz.id}", "assignment:1", "employee:1000000", "attempt:x"):
            db.session.add(AuditEvent(at=at, action="some_event", target=target))
        db.session.commit()
        return kept


def test_about_person_finds_their_attempts_evidence_tokens_and_email(app, about):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    page = client.get("/audit?person=E1007&action=some_event")
    assert page.status_code == 200
    assert sorted(_ids(page)) == sorted(about["evan"])
    # a thing of Evan's is named with him (its owner), the CSV keeps the stored target
    text = re.sub(r"\s+", " ", page.get_data(as_text=True))
    assert re.search(r"About</dt><dd>Attempt reference \d+ of Evan Price \(E1007\)", text)
    assert re.search(r"About</dt><dd>Evidence \d+ of Evan Price \(E1007\)", text)
    assert re.search(r"About</dt><dd>API token #\d+ of Evan Price \(E1007\)", text)
    download = client.get("/audit.csv?person=E1007&action=some_event")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert [int(r[0]) for r in rows[1:]] == _ids(page)
    targets = {r[6].split(":")[0] for r in rows[1:]}
    assert targets == {"employee", "attempt", "evidence", "api_token", "employee@example.org"}
    # and names their owner by employee number, as the page (a tester's finding)
    assert {r[8] for r in rows[1:] if r[6] != "employee@example.org"} == {"E1007"}
    assert any(re.fullmatch(r"Attempt reference \d+ of Evan Price \(E1007\)", r[7]) for r in rows)
    with app.app_context():
        # the subject access export's audit section: the same events
        sar = {r["event_id"] for r in sar_audit(get_by_email("employee@example.org"))}
        assert set(about["evan"]) <= sar and not set(about["others"]) & sar


@pytest.mark.parametrize("typed", ["e1007", " E1007 ", "EMPLOYEE@example.org"])
def test_employee_numbers_and_emails_match_in_any_letter_case(app, about, typed):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    page = client.get("/audit", query_string={"person": typed, "action": "some_event"})
    assert page.status_code == 200 and "no one has" not in page.get_data(as_text=True)
    assert sorted(_ids(page)) == sorted(about["evan"])
    by = client.get("/audit", query_string={"actor": typed.lower()})
    assert "no one has" not in by.get_data(as_text=True)
