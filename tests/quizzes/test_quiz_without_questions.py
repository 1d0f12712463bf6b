"""A quiz left without questions: settings that would leave one are refused, and an attempt at
one is not started, on the page or through the API (QA findings, item 2; as Moodle)."""

from __future__ import annotations

from sqlalchemy import func, select

from learnhub.auth.services import account_for, grant_role
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.questionbank import services as banks
from learnhub.quizzes.models import Attempt, Quiz
from tests.conftest import csrf_from, sign_in

FOUR = "\n\n".join(f"::P{n}::Question {n}? {{=right{n} ~wrong{n}}}" for n in range(1, 5))
RULE = {"bank": "Draws", "category": "Phishing", "count": 2, "subcategories": False}


def _attempts(app, quiz_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz_id))


def test_settings_that_leave_no_question_are_refused(app, demo, make_quiz):
    with app.app_context():
        banks.import_questions("Draws", "four.gift", f"$CATEGORY: Phishing\n\n{FOUR}".encode())
        grant_role(account_for(get_by_email("manager@example.org")), "content_admin")
        db.session.commit()
    quiz_id = make_quiz("", draw_rules=[RULE])
    admin = app.test_client()
    admin.environ_base["HTTP_X_CSRFTOKEN"] = sign_in(admin, "manager@example.org")
    response = admin.patch(f"/api/v1/quizzes/{quiz_id}/settings", json={"draw_rules": []})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]["issues"][0]["where"] == "draw_rules"
    with app.app_context():
        assert db.session.get(Quiz, quiz_id).draw_rules == [RULE]
    # a quiz with questions of its own may drop its draws
    own = make_quiz("::One::Is it? {T}", draw_rules=[RULE])
    response = admin.patch(f"/api/v1/quizzes/{own}/settings", json={"draw_rules": []})
    assert response.status_code == 200 and response.get_json()["questions"] == 1


def test_an_attempt_at_a_quiz_without_questions_is_not_started(app, demo, make_quiz):
    quiz_id = make_quiz("::Intro::Only text, no question.")
    learner = app.test_client()
    token = sign_in(learner, "employee@example.org")
    response = learner.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers={"X-CSRFToken": token})
    assert response.status_code == 409, response.get_json()
    assert "no questions" in response.get_json()["message"]
    page = learner.post(
        f"/quizzes/{quiz_id}/start", data={"csrf_token": token}, follow_redirects=True
    )
    assert "has no questions yet" in page.get_data(as_text=True)
    assert csrf_from(page.get_data(as_text=True))
    assert _attempts(app, quiz_id) == 0
