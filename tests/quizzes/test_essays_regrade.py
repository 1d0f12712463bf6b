"""Essays (stored and complete, or scored by a reviewer) and regrading after a key fix: scores,
module progress, evidence (recorded and revoked), team summaries queued, audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.auth.services import account_for, grant_role
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.progress.models import ModuleProgress, XapiStatement
from learnhub.questionbank.models import Question
from learnhub.quizzes import services
from learnhub.quizzes.models import Attempt, Quiz
from learnhub.skills.models import Evidence
from tests.conftest import sign_in

TF_AND_ESSAY = "::Fact::Phishing emails can look genuine. {T}\n\n::Why::Explain why. {}\n"
TWO_TF = "::One::First statement. {T}\n\n::Two::Second statement. {T}\n"


@pytest.fixture
def learner(app, demo):
    with app.app_context():
        return get_by_email("employee@example.org").id


def _questions(app, quiz_id: int) -> list[Question]:
    with app.app_context():
        return list(db.session.scalars(select(Question).where(Question.quiz_id == quiz_id)))


def _evidence(attempt_id: int) -> list[Evidence]:
    return list(
        db.session.scalars(select(Evidence).where(Evidence.source == f"attempt:{attempt_id}"))
    )


def test_an_essay_without_grading_is_stored_and_complete(app, learner, make_quiz):
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="100")
    fact, essay = _questions(app, quiz_id)
    with app.app_context():
        attempt = services.start_attempt(quiz_id, learner)
        services.submit_attempt(attempt, {fact.id: {"choice": 0}, essay.id: {"text": "Because"}})
        db.session.commit()
        assert attempt.needs_review is False and attempt.passed is True
        assert (attempt.raw_points, attempt.max_points) == (1, 1)
        stored = next(r for r in attempt.responses if r.question_id == essay.id)
        assert stored.answer == {"text": "Because"} and stored.state == "not_scored"
        assert _evidence(attempt.id)


def test_a_reviewer_scores_the_essay_and_the_attempt_gets_its_final_result(app, learner, make_quiz):
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="75", essays_graded=True)
    fact, essay = _questions(app, quiz_id)
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "employee@example.org")}
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    answers = {str(fact.id): {"choice": 0}, str(essay.id): {"text": "They copy real brands."}}
    submitted = client.post(
        f"/api/v1/attempts/{attempt['id']}/submit", json={"responses": answers}, headers=headers
    ).get_json()
    result = submitted["result"]
    assert result["needs_review"] is True and result["passed"] is None
    assert result["grade_percent"] is None and result["review_allowed"] is False
    with app.app_context():
        assert _evidence(attempt["id"]) == []
        completed = db.session.scalars(
            select(XapiStatement).where(
                XapiStatement.employee_id == learner,
                XapiStatement.verb == "http://adlnet.gov/expapi/verbs/completed",
            )
        ).all()
        assert len(completed) == 1 and "success" not in completed[0].statement["result"]

    # a learner cannot review; HR sees the learner's name, a content admin only the attempt
    url = f"/api/v1/attempts/{attempt['id']}/review"
    assert client.get("/api/v1/reviews").status_code == 403
    hr = app.test_client()
    hr_headers = {"X-CSRFToken": sign_in(hr, "hr@example.org")}
    waiting = hr.get("/api/v1/reviews").get_json()
    assert [w["attempt_id"] for w in waiting] == [attempt["id"]]
    assert waiting[0]["employee"] == "Evan Price"
    assert waiting[0]["essays"][0]["text"] == "They copy real brands."
    with app.app_context():
        grant_role(account_for(get_by_email("manager@example.org")), "content_admin")
        db.session.commit()
    admin = app.test_client()
    admin_headers = {"X-CSRFToken": sign_in(admin, "manager@example.org")}
    assert admin.get("/api/v1/reviews").get_json()[0]["employee"] is None

    too_many = {"scores": {str(essay.id): {"points": "2"}}}
    assert hr.post(url, json=too_many, headers=hr_headers).status_code == 422
    not_essay = {"scores": {str(fact.id): {"points": "1"}}}
    assert hr.post(url, json=not_essay, headers=hr_headers).status_code == 422
    scored = {"scores": {str(essay.id): {"points": "0.5", "comment": "Name a sign too."}}}
    reviewed = admin.post(url, json=scored, headers=admin_headers)
    assert reviewed.status_code == 200, reviewed.get_json()
    assert reviewed.get_json()["needs_review"] is False

    final = client.get(f"/api/v1/attempts/{attempt['id']}").get_json()["result"]
    assert final["passed"] is True and final["grade_percent"] == "75.0"  # 1.5 of 2
    essay_result = next(q for q in final["questions"] if q["question_id"] == essay.id)
    assert essay_result["comment"] == "Name a sign too." and essay_result["points"] == "0.5"
    with app.app_context():
        assert _evidence(attempt["id"])
        progress = db.session.scalar(
            select(ModuleProgress).where(ModuleProgress.employee_id == learner)
        )
        assert progress.status == "completed" and progress.grade_exact == "3/4"
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "quizzes.essay_scored" in actions


def test_regrade_after_a_key_fix_moves_scores_progress_evidence_and_summaries(
    app, learner, make_quiz, monkeypatch
):
    queued: list[set[int]] = []
    monkeypatch.setattr(
        "learnhub.skills.tasks.schedule_recompute", lambda emps, mgrs: queued.append(set(emps))
    )
    quiz_id = make_quiz(TWO_TF, pass_mark="100")
    one, two = _questions(app, quiz_id)
    with app.app_context():
        attempt = services.start_attempt(quiz_id, learner)
        # the learner answers False to the second statement; the key says True
        services.submit_attempt(attempt, {one.id: {"choice": 0}, two.id: {"choice": 1}})
        db.session.commit()
        attempt_id = attempt.id
        assert attempt.passed is False and attempt.score_exact == "1/2"
    queued.clear()

    # the content admin fixes the key: the second statement was false
    with app.app_context():
        grant_role(account_for(get_by_email("manager@example.org")), "content_admin")
        db.session.commit()
    admin = app.test_client()
    headers = {"X-CSRFToken": sign_in(admin, "manager@example.org")}
    fixed = dict(two.spec)
    fixed["choices"] = [
        {**fixed["choices"][0], "weight": "0"},
        {**fixed["choices"][1], "weight": "100"},
    ]
    response = admin.put(f"/api/v1/questions/{two.id}", json={"spec": fixed}, headers=headers)
    assert response.status_code == 200, response.get_json()
    wrong_shape = {**fixed, "choices": fixed["choices"][:1]}
    assert (
        admin.put(
            f"/api/v1/questions/{two.id}", json={"spec": wrong_shape}, headers=headers
        ).status_code
        == 422
    )

    dry = admin.post(f"/api/v1/quizzes/{quiz_id}/regrade", json={"dry_run": True}, headers=headers)
    assert dry.get_json()["changed"][0]["passed_after"] is True
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).passed is False  # a dry run keeps nothing

    runner = app.test_cli_runner()
    result = runner.invoke(args=["quizzes", "regrade", str(quiz_id)])
    assert result.exit_code == 0, result.output
    assert f"attempt {attempt_id}: 1/2 -> 1, passed False -> True, evidence recorded" in (
        result.output
    )
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.passed is True and attempt.regraded_at is not None
        assert all(e.revoked_at is None for e in _evidence(attempt_id))
        assert _evidence(attempt_id)
        progress = db.session.scalar(
            select(ModuleProgress).where(ModuleProgress.employee_id == learner)
        )
        assert progress.status == "completed" and progress.grade_exact == "1"
    assert queued and learner in queued[-1]

    # the fix was wrong after all: put the key back and regrade through the API
    admin.put(f"/api/v1/questions/{two.id}", json={"spec": two.spec}, headers=headers)
    queued.clear()
    report = admin.post(f"/api/v1/quizzes/{quiz_id}/regrade", json={}, headers=headers)
    change = report.get_json()["changed"][0]
    assert (change["passed_before"], change["passed_after"], change["evidence"]) == (
        True,
        False,
        "revoked",
    )
    with app.app_context():
        evidence = _evidence(attempt_id)
        assert evidence and all(e.revoked_at is not None for e in evidence)
        progress = db.session.scalar(
            select(ModuleProgress).where(ModuleProgress.employee_id == learner)
        )
        assert progress.status == "in_progress" and progress.passed is False
        assert progress.completed_at is None and progress.grade_exact == "1/2"
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "quizzes.regrade")
            .order_by(AuditEvent.id)  # PostgreSQL returns rows in no set order without it
        ).all()
        assert [e.details["passed_to_failed"] for e in events] == [[], [attempt_id]]
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "quizzes.question_fixed")
        )
    assert queued and learner in queued[-1]


def test_an_attempt_waiting_for_review_stays_reviewable_if_grading_is_switched_off(
    app, learner, make_quiz
):
    """The second tester's finding: switching essay grading off stranded waiting attempts."""
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="75", essays_graded=True)
    fact, essay = _questions(app, quiz_id)
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "employee@example.org")}
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    answers = {str(fact.id): {"choice": 0}, str(essay.id): {"text": "Check the sender."}}
    client.post(
        f"/api/v1/attempts/{attempt['id']}/submit", json={"responses": answers}, headers=headers
    )
    with app.app_context():
        db.session.get(Quiz, quiz_id).essays_graded = False
        db.session.commit()
    hr = app.test_client()
    hr_headers = {"X-CSRFToken": sign_in(hr, "hr@example.org")}
    reviewed = hr.post(
        f"/api/v1/attempts/{attempt['id']}/review",
        json={"scores": {str(essay.id): {"points": "1"}}},
        headers=hr_headers,
    )
    assert reviewed.status_code == 200, reviewed.get_json()
    assert reviewed.get_json()["needs_review"] is False
