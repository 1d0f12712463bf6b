"""Helpers for the journeys: find a module's quiz and build form answers from its key
(the test reads the key from the database; the browser never sees it)."""

from __future__ import annotations

from sqlalchemy import select

from learnhub.catalog.models import Course, Module
from learnhub.extensions import db
from learnhub.quizzes import scoring
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt, Quiz
from learnhub.quizzes.responses import to_display

COURSE = "phishing-and-account-security"


def first_module(app, course_slug: str = COURSE) -> tuple[int, int]:
    """(module id, current quiz id) of the first module of the course."""
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == course_slug))
        module = db.session.scalar(
            select(Module).where(Module.course_id == course.id).order_by(Module.position)
        )
        quiz = db.session.scalar(
            select(Quiz).where(Quiz.module_id == module.id, Quiz.is_current.is_(True))
        )
        return module.id, quiz.id


def correct_display_answers(app, attempt_id: int) -> dict[int, dict]:
    """{question id: a full-marks response in the attempt's display ids}."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return {
            q.id: to_display(
                attempt, q.id, q.spec, scoring.score_question(q.spec, None).correct_response or {}
            )
            for q in attempt_questions(attempt)
        }


def form_answers(app, attempt_id: int, *, correct: bool = True) -> dict[str, object]:
    """HTML form fields answering every question right (or leaving all but one unanswered)."""
    fields: dict[str, object] = {}
    answers = correct_display_answers(app, attempt_id)
    for question_id, response in list(answers.items())[: None if correct else 1]:
        name = f"q{question_id}"
        if "choice" in response:
            fields[name] = str(response["choice"])
        elif "choices" in response:
            fields[name] = [str(c) for c in response["choices"]]
        elif "text" in response:
            fields[name] = response["text"]
        elif "value" in response:
            fields[name] = response["value"]
        elif "matches" in response:
            for left, right in response["matches"].items():
                fields[f"{name}_m{left}"] = right
    return fields


def api_answers(app, attempt_id: int) -> dict[str, dict]:
    """``{"<question id>": full-marks response}`` for the JSON API, in display ids."""
    return {str(qid): answer for qid, answer in correct_display_answers(app, attempt_id).items()}


def pass_first_module_by_api(app, email: str = "employee@example.org") -> dict:
    """Sign ``email`` in, start the first phishing module's quiz and submit full marks through
    the JSON API (session cookie + X-CSRFToken); returns the submitted attempt's JSON."""
    from tests.conftest import sign_in

    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, email)}
    _module_id, quiz_id = first_module(app)
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    return client.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        json={"responses": api_answers(app, attempt["id"])},
        headers=headers,
    ).get_json()
