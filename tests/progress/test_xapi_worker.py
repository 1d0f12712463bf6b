"""xAPI forwarding with a real Celery worker and beat (Redis as the broker) and a real LRS: the
web process only commits statements and their outbox rows and wakes the worker; the worker
sends; with the LRS down the rows wait, and beat's sweep sends them once it is back."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.progress.models import XapiOutbox, XapiStatement
from learnhub.questionbank.models import Question
from learnhub.quizzes import services as quizzes
from tests.progress.conftest import LRS_PASSWORD, LRS_USER
from tests.skills.conftest import make_web, redis_url, start_worker, wait_until  # noqa: F401

TF_AND_ESSAY = "::Fact::Phishing emails can look genuine. {T}\n\n::Why::Explain why. {}\n"


@pytest.fixture
def lrs_env(monkeypatch, lrs):
    """The LRS settings in the environment, for the worker and the web app made after it."""
    for key, value in {
        "LEARNHUB_LRS_URL": lrs.url,
        "LEARNHUB_LRS_USERNAME": LRS_USER,
        "LEARNHUB_LRS_PASSWORD": LRS_PASSWORD,
        "LEARNHUB_LRS_RETRY_SECONDS": "1",
        "LEARNHUB_XAPI_SWEEP_SECONDS": "1",
    }.items():
        monkeypatch.setenv(key, value)
    return lrs


def test_a_worker_sends_what_waited_while_the_lrs_was_down(
    lrs_env,
    start_worker,  # noqa: F811
    make_web,  # noqa: F811
    redis_url,  # noqa: F811
    app,
    demo,
    make_quiz,
):
    lrs = lrs_env
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="50")
    start_worker(beat=True)
    web = make_web(redis_url)
    assert web.config["LEARNHUB_LRS_URL"] == lrs.url

    def pending() -> int:
        with web.app_context():
            return db.session.scalar(select(func.count(XapiOutbox.id)))

    def failures() -> int:
        with web.app_context():
            return db.session.scalar(select(func.max(XapiOutbox.attempts))) or 0

    def take(email: str) -> None:
        with web.app_context():
            person = get_by_email(email).id
            fact, why = db.session.scalars(
                select(Question).where(Question.quiz_id == quiz_id).order_by(Question.position)
            ).all()
            attempt = quizzes.start_attempt(quiz_id, person)
            quizzes.submit_attempt(attempt, {fact.id: {"choice": 0}, why.id: {"text": "So"}})
            db.session.commit()  # queues the wake-up; the web process sends nothing itself

    with web.app_context():
        before = set(db.session.scalars(select(XapiStatement.id)))
    take("employee@example.org")
    wait_until(lambda: pending() == 0, "the worker sent the first attempt's statements")

    lrs.stop()
    take("manager@example.org")
    take("hr@example.org")
    assert pending() > 0
    wait_until(lambda: failures() > 0, "the worker tried while the LRS was down")
    lrs.start()
    wait_until(lambda: pending() == 0, "beat's sweep sent the rest", timeout=60)

    with web.app_context():
        ours = set(db.session.scalars(select(XapiStatement.id))) - before
    held = Counter(s["id"] for s in lrs.statements())
    assert set(held) == ours and max(held.values()) == 1
    stored = Counter(line["id"] for line in lrs.stored_lines())
    assert set(stored) == ours and max(stored.values()) == 1
