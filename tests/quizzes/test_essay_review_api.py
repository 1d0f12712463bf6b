"""Essay marking through the API: a save over marks made since the reviewer read them is
refused (409), as the review page refuses it, and rule refusals answer 422 (QA findings,
item 4)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.questionbank.models import Question
from learnhub.quizzes.models import Response
from tests.conftest import require_service, sign_in

TF_AND_ESSAY = "::Fact::Phishing emails can look genuine. {T}\n\n::Why::Explain why. {}\n"


def _submitted(app, make_quiz) -> tuple[int, int, int]:
    """(attempt id, fact id, essay id) of a submitted attempt waiting for its essay's mark."""
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="75", essays_graded=True)
    with app.app_context():
        fact, essay = db.session.scalars(
            select(Question.id).where(Question.quiz_id == quiz_id).order_by(Question.position)
        ).all()
    learner = app.test_client()
    learner.environ_base["HTTP_X_CSRFTOKEN"] = sign_in(learner, "employee@example.org")
    attempt = learner.post(f"/api/v1/quizzes/{quiz_id}/attempts").get_json()
    answers = {str(fact): {"choice": 0}, str(essay): {"text": "They copy real brands."}}
    sent = learner.post(f"/api/v1/attempts/{attempt['id']}/submit", json={"responses": answers})
    assert sent.status_code == 200, sent.get_json()
    return attempt["id"], fact, essay


def _reviewer(app):
    client = app.test_client()
    client.environ_base["HTTP_X_CSRFTOKEN"] = sign_in(client, "hr@example.org")
    return client


def test_a_save_over_marks_made_since_they_were_read_is_refused(app, demo, make_quiz):
    attempt_id, _fact, essay = _submitted(app, make_quiz)
    first, second = _reviewer(app), _reviewer(app)
    read = first.get("/api/v1/reviews").get_json()
    item = next(i for i in read if i["attempt_id"] == attempt_id)
    assert item["marked_at"] is None
    url = f"/api/v1/attempts/{attempt_id}/review"
    half = {"marked_at": None, "scores": {str(essay): {"points": "0.5"}}}
    taken = first.post(url, json=half)
    assert taken.status_code == 200, taken.get_json()
    assert taken.get_json()["marked_at"]
    # the second reviewer read the attempt before the first saved: refused, nothing changed
    full = {"marked_at": None, "scores": {str(essay): {"points": "1"}}}
    refused = second.post(url, json=full)
    assert refused.status_code == 409, refused.get_json()
    assert "marked after you opened" in refused.get_json()["message"]
    with app.app_context():
        stored = db.session.scalar(
            select(Response).where(Response.attempt_id == attempt_id, Response.question_id == essay)
        )
        assert stored.fraction_exact == "1/2"
        events = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "quizzes.essay_scored")
        )
        assert events == 1
    # with the marked_at it read now, the correction is taken
    again = second.post(url, json={**full, "marked_at": taken.get_json()["marked_at"]})
    assert again.status_code == 200, again.get_json()


def test_rule_refusals_answer_422(app, demo, make_quiz):
    attempt_id, fact, essay = _submitted(app, make_quiz)
    reviewer = _reviewer(app)
    url = f"/api/v1/attempts/{attempt_id}/review"
    too_many = reviewer.post(url, json={"scores": {str(essay): {"points": "2"}}})
    assert too_many.status_code == 422 and "within 0..1" in too_many.get_json()["message"]
    not_essay = reviewer.post(url, json={"scores": {str(fact): {"points": "1"}}})
    assert not_essay.status_code == 422 and "not an essay" in not_essay.get_json()["message"]
    assert reviewer.post(url, json={"scores": {"999999": {"points": "1"}}}).status_code == 422


def test_four_concurrent_saves_read_at_one_stamp_take_one(app, demo, make_quiz):
    require_service("PostgreSQL", "LEARNHUB_TEST_DATABASE_URL")
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
    attempt_id, _fact, essay = _submitted(app, make_quiz)
    reviewers = [_reviewer(app) for _ in range(4)]
    url = f"/api/v1/attempts/{attempt_id}/review"
    barrier = threading.Barrier(len(reviewers))
    statuses: list[int] = [0] * len(reviewers)

    def mark(index: int) -> None:
        body = {"marked_at": None, "scores": {str(essay): {"points": f"0.{index + 1}"}}}
        with app.app_context():
            barrier.wait(timeout=30)
            statuses[index] = reviewers[index].post(url, json=body).status_code

    threads = [threading.Thread(target=mark, args=(i,)) for i in range(len(reviewers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [200, 409, 409, 409], statuses
    with app.app_context():
        events = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "quizzes.essay_scored")
        )
        assert events == 1
