"""Forwarding xAPI statements to a real LRS (ralph, started by the ``lrs`` fixture): at least
once through the outbox, nothing lost while the LRS is down, nothing stored twice by the LRS
when a batch is sent again, a statement the LRS refuses holding back only itself, and the
backlog visible in /healthz and ``flask xapi status``."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from learnhub.core.models import utcnow
from learnhub.core.transactions import unit_of_work
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.progress.models import XapiOutbox, XapiStatement
from learnhub.progress.tasks import forward_xapi_statements
from learnhub.progress.xapi.forwarding import backlog, send_due
from learnhub.questionbank.models import Question
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.essay_review import score_essays

TF_AND_ESSAY = "::Fact::Phishing emails can look genuine. {T}\n\n::Why::Explain why. {}\n"
PEOPLE = ("employee@example.org", "manager@example.org", "hr@example.org")


def _take(quiz_id: int, email: str, essay: str = "Because") -> int:
    """One submitted attempt (committed, which wakes the forwarder); returns its id."""
    person = get_by_email(email).id
    fact, why = db.session.scalars(
        select(Question).where(Question.quiz_id == quiz_id).order_by(Question.position)
    ).all()
    attempt = quizzes.start_attempt(quiz_id, person)
    quizzes.submit_attempt(attempt, {fact.id: {"choice": 0}, why.id: {"text": essay}})
    db.session.commit()
    return attempt.id


def _ours(before: set[str] | None = None) -> set[str]:
    """The ids of the statements stored (since ``before``: the demo made some, before an LRS
    was configured)."""
    return set(db.session.scalars(select(XapiStatement.id))) - (before or set())


def _pending() -> int:
    return db.session.scalar(select(func.count(XapiOutbox.id)))


def test_nothing_is_lost_or_duplicated_while_the_lrs_is_down_for_a_while(
    app, demo, make_quiz, forwarding
):
    lrs = forwarding
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="75", essays_graded=True)
    with app.app_context():
        before = _ours()
        first = _take(quiz_id, PEOPLE[0])
        # woken after the commit (eager without a broker): the LRS has them already
        assert _pending() == 0
        assert {s["id"] for s in lrs.statements()} == _ours(before)

        lrs.stop()
        attempts = [_take(quiz_id, email) for email in PEOPLE[1:]]
        # an essay review while the LRS is down: voiding and corrected statements queue too
        essay = db.session.scalars(
            select(Question.id).where(Question.quiz_id == quiz_id).order_by(Question.position)
        ).all()[1]
        score_essays(first, {essay: {"points": "1"}}, None)
        db.session.commit()
        waiting = _pending()
        assert waiting == len(_ours(before)) - len(lrs.stored_lines()) > 10
        state = backlog()
        assert state.pending == waiting and state.failing > 0
        assert "ConnectionError" in (state.last_error or "")

        health = app.test_client().get("/healthz").get_json()
        assert health["xapi_outbox"]["pending"] == waiting
        assert health["xapi_outbox"]["failing"] > 0
        status = app.test_cli_runner().invoke(args=["xapi", "status"])
        assert f"pending: {waiting}" in status.output and "last_error" in status.output

        lrs.start()
        totals = forward_xapi_statements.run()
        assert totals["sent"] == waiting and totals["failed"] == 0
        assert _pending() == 0

        # the LRS holds every statement LearnHub made, each once
        held = [s["id"] for s in lrs.statements()]
        assert Counter(held).most_common(1)[0][1] == 1
        assert set(held) == _ours(before)
        stored = Counter(line["id"] for line in lrs.stored_lines())
        assert set(stored) == _ours(before) and max(stored.values()) == 1
        # the corrections arrived: the "completed, waits for review" result is voided there
        voided = [
            s["object"]["id"] for s in lrs.statements() if s["verb"]["id"].endswith("/voided")
        ]
        waiting_result = db.session.scalar(
            select(XapiStatement.id)
            .where(XapiStatement.ref == f"attempt:{first}:result")
            .where(XapiStatement.voided_by.is_not(None))
        )
        assert waiting_result in voided
        assert len(attempts) == 2


def test_a_batch_sent_again_after_a_crash_is_not_stored_twice(app, demo, make_quiz, forwarding):
    lrs = forwarding
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="50")
    with app.app_context():
        before = _ours()
        lrs.stop()
        _take(quiz_id, PEOPLE[0])
        lrs.start()
        queued = _pending()
        assert queued > 0
        # the LRS takes the batch, then the worker dies before its commit: rows come back
        done = send_due()
        assert done is not None and done.sent == queued
        db.session.rollback()
        assert _pending() == queued
        with unit_of_work():
            again = send_due()
        assert again is not None and again.sent == queued  # the LRS answered "have it"
        assert _pending() == 0
        stored = Counter(line["id"] for line in lrs.stored_lines())
        assert set(stored) == _ours(before) and max(stored.values()) == 1


def test_a_statement_the_lrs_refuses_holds_back_only_itself(app, demo, make_quiz, forwarding):
    lrs = forwarding
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="50")
    with app.app_context():
        before = _ours()
        lrs.stop()
        person = get_by_email(PEOPLE[0]).id
        # a statement without an object (as if a bug had made one): the LRS refuses it
        bad = XapiStatement(
            id="00000000-0000-4000-8000-000000000001",
            employee_id=person,
            verb="http://adlnet.gov/expapi/verbs/answered",
            object_id="-",
            timestamp=utcnow(),
            statement={
                "id": "00000000-0000-4000-8000-000000000001",
                "actor": {"objectType": "Agent", "mbox": "mailto:someone@example.org"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                "timestamp": utcnow().isoformat(),
            },
        )
        db.session.add(bad)
        db.session.add(XapiOutbox(statement_id=bad.id))
        db.session.commit()
        _take(quiz_id, PEOPLE[0])
        lrs.start()
        forward_xapi_statements.run()
        left = db.session.scalars(select(XapiOutbox)).all()
        assert [row.statement_id for row in left] == [bad.id]
        assert left[0].attempts >= 1 and left[0].last_error.startswith("HTTP 422")
        assert {s["id"] for s in lrs.statements()} == _ours(before) - {bad.id}


def test_backoff_doubles_after_each_failure(app, demo, make_quiz, forwarding):
    lrs = forwarding
    app.config["LEARNHUB_LRS_RETRY_SECONDS"] = 10
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="50")
    with app.app_context():
        lrs.stop()
        _take(quiz_id, PEOPLE[0])  # the wake-up after the commit fails once
        rows = db.session.scalars(select(XapiOutbox)).all()
        assert rows and all(r.attempts == 1 for r in rows)
        first_wait = [(r.next_attempt_at - r.queued_at).total_seconds() for r in rows]
        assert all(9 <= w <= 12 for w in first_wait)
        # not due yet: a round sends nothing and counts no failure
        assert send_due() is None
        later = max(r.next_attempt_at for r in rows)
        with unit_of_work():
            send_due(now=later)
        rows = db.session.scalars(select(XapiOutbox)).all()
        assert all(r.attempts == 2 for r in rows)
        assert all(19 <= (r.next_attempt_at - later).total_seconds() <= 21 for r in rows)


@pytest.mark.parametrize("token", [None, "lrs-token"])
def test_credentials_go_as_basic_auth_or_bearer_token(app, monkeypatch, token):
    from learnhub.progress.xapi import forwarding

    seen = {}

    class Answer:
        status_code = 204
        text = ""

    def post(url, **kwargs):
        seen.update(url=url, **kwargs)
        return Answer()

    monkeypatch.setattr(forwarding.requests, "post", post)
    saved = dict(app.config)
    app.config.update(
        LEARNHUB_LRS_URL="https://lrs.example.org/xAPI/",
        LEARNHUB_LRS_USERNAME="key",
        LEARNHUB_LRS_PASSWORD="secret",
        LEARNHUB_LRS_TOKEN=token,
    )
    try:
        with app.app_context():
            assert forwarding.post_statements([{"id": "x"}]) == (204, None)
    finally:
        app.config.clear()
        app.config.update(saved)
    assert seen["url"] == "https://lrs.example.org/xAPI/statements"
    assert seen["headers"]["X-Experience-API-Version"] == "1.0.3"
    if token:
        assert seen["headers"]["Authorization"] == "Bearer lrs-token" and seen["auth"] is None
    else:
        assert seen["auth"] == ("key", "secret") and "Authorization" not in seen["headers"]
