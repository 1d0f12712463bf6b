"""After a pass, the result page leads on: to the next module of the course in order, or at the
course's end back to the course and to My learning. A failed attempt leads back to its module."""

from __future__ import annotations

from sqlalchemy import select

from learnhub.catalog.models import Course, Module
from learnhub.extensions import db
from learnhub.quizzes.models import Quiz
from tests.conftest import sign_in
from tests.journeys.helpers import COURSE, api_answers


def _modules(app) -> list[tuple[int, str, int]]:
    """(module id, title, current quiz id) of the phishing course's active modules, in order
    (the newest current version of each quiz)."""
    with app.app_context():
        modules = db.session.execute(
            select(Module.id, Module.title)
            .join(Course, Course.id == Module.course_id)
            .where(Course.slug == COURSE, Module.active.is_(True))
            .order_by(Module.position, Module.id)
        ).all()
        return [
            (
                module_id,
                title,
                db.session.scalar(
                    select(Quiz.id)
                    .where(Quiz.module_id == module_id, Quiz.is_current.is_(True))
                    .order_by(Quiz.version.desc())
                    .limit(1)
                ),
            )
            for module_id, title in modules
        ]


def _submit(app, client, headers, quiz_id: int, *, right: bool) -> str:
    """Start and submit an attempt through the API (all right, or nothing answered); the
    result page's HTML."""
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    answers = api_answers(app, attempt["id"]) if right else {}
    done = client.post(
        f"/api/v1/attempts/{attempt['id']}/submit", json={"responses": answers}, headers=headers
    )
    assert done.status_code == 200 and done.get_json()["result"]["passed"] is right
    return client.get(f"/attempts/{attempt['id']}").get_data(as_text=True)


def test_a_pass_links_to_the_next_module_in_the_course_order(app, demo) -> None:
    modules = _modules(app)
    assert len(modules) >= 2
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "employee@example.org")}
    (_first_id, _title, first_quiz), (second_id, second_title, _quiz) = modules[:2]
    page = _submit(app, client, headers, first_quiz, right=True)
    assert "You passed" in page
    assert f'<a class="button" href="/modules/{second_id}">Next module: {second_title}</a>' in (
        page.replace("&#39;", "'")
    )
    assert "That was the last module" not in page


def test_the_last_module_leads_back_to_the_course_and_my_learning(app, demo) -> None:
    last_id, _title, last_quiz = _modules(app)[-1]
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "employee@example.org")}
    page = _submit(app, client, headers, last_quiz, right=True)
    with app.app_context():
        course_id = db.session.get(Module, last_id).course_id
    assert "That was the last module of" in page and "Next module" not in page
    assert f'href="/courses/{course_id}">Back to the course</a>' in page
    assert 'href="/">Go to My learning</a>' in page


def test_a_failed_attempt_leads_back_to_its_module_not_on(app, demo) -> None:
    first_id, _title, first_quiz = _modules(app)[0]
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "hr@example.org")}
    page = _submit(app, client, headers, first_quiz, right=False)
    assert "Not passed yet" in page and "Next module" not in page
    assert f'href="/modules/{first_id}">Back to the module</a>' in page
