"""The learner's record of learning in the browser's HTML (``/my/record``), its CSV
(``/my/record.csv``) and its JSON twin (``GET /api/v1/me/record``): the signed-in person's
own courses, modules, results and required learning; never an answer or a question; linked
from My learning and the navigation; a fixed number of statements whatever it holds."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from learnhub.catalog.models import Module
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt
from learnhub.quizzes.render import learner_question
from tests.assignments.helpers import assign
from tests.conftest import sign_in
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    EnrolmentFactory,
    ModuleFactory,
    ModuleProgressFactory,
    QuizFactory,
)
from tests.journeys.helpers import COURSE, pass_first_module_by_api

PASSWORD = "a-test-password"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def passed(app, demo) -> dict:
    """Evan (employee@example.org) passed the first phishing module with full marks; his
    signed-in client and the submitted attempt's JSON."""
    attempt = pass_first_module_by_api(app)
    client = app.test_client()
    sign_in(client, "employee@example.org")
    return {"client": client, "attempt": attempt}


def test_the_page_lists_my_courses_modules_results_and_requirements(app, passed) -> None:
    response = passed["client"].get("/my/record")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    text = _text(html)
    assert "<h1>My record of learning</h1>" in html
    # a real table per course: its caption names the course; headers scoped
    assert "<caption>Modules of Phishing and account security you completed" in html
    assert html.count('<th scope="col" role="columnheader">') >= 5
    with app.app_context():
        attempt = db.session.get(Attempt, passed["attempt"]["id"])
        module_title = db.session.get(Module, attempt.quiz.module_id).title
        shown = [learner_question(q.id, q.spec, None) for q in attempt_questions(attempt)]
    # each question's stem and its options' texts (the right answer among them)
    texts = [_text(q["stem_html"]).strip() for q in shown]
    texts += [_text(o["html"]).strip() for q in shown for o in q.get("options", [])]
    assert len(texts) > len(shown)
    assert f'<th scope="row" role="rowheader">{module_title}</th>' in html
    assert "100.0%" in text and "Passed" in text
    # the demo's mandatory courses: required of everyone, due in his time zone
    assert "Required of you: In progress, due by" in text
    assert "Required of you: Not started, due by" in text
    assert "Dates are in your time zone (Europe/Brussels)" in text
    # the demo enrols everyone everywhere: the courses with nothing on them yet are one list
    assert "Other courses you are enrolled in" in text and "Using AI at work" in text
    assert 'id="course-' in html and html.count("<section") == 3
    # never a question, an answer or a per-question result (they stay on the attempt page)
    for words in texts:
        assert len(words) < 12 or words not in text, words
    assert "Correct" not in text and "/attempts/" not in html
    assert 'href="/my/record.csv"' in html


def test_my_learning_and_the_navigation_link_to_it(passed) -> None:
    html = passed["client"].get("/").get_data(as_text=True)
    assert html.count('href="/my/record"') == 2  # the navigation and My learning


def test_the_csv_is_the_same_record_and_its_download_is_audited(app, passed) -> None:
    response = passed["client"].get("/my/record.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    today = re.search(
        r'filename="learning-record-E1007-(\d{4}-\d\d-\d\d)\.csv"',
        response.headers["Content-Disposition"],
    )
    assert today, response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    phishing = [r for r in rows if r["course"] == "Phishing and account security"]
    [done] = [r for r in phishing if r["module_status"] == "completed"]
    assert (done["grade_percent"], done["result"], done["attempts"]) == ("100.0", "passed", "1")
    assert done["module_completed_on"] == today.group(1)
    assert (done["course_requirement"], done["time_zone"]) == ("in_progress", "Europe/Brussels")
    with app.app_context():
        evan = get_by_email("employee@example.org")
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export_learning_record")
        ).all()
        assert [e.target for e in events] == [f"employee:{evan.id}"]


def test_the_json_twin_says_the_same(passed) -> None:
    body = passed["client"].get("/api/v1/me/record").get_json()
    assert (body["employee_number"], body["time_zone"]) == ("E1007", "Europe/Brussels")
    [phishing] = [c for c in body["courses"] if c["slug"] == COURSE]
    assert phishing["status"] == "enrolled" and phishing["requirement"]["status"] == "in_progress"
    [done] = [m for m in phishing["modules"] if m["status"] == "completed"]
    assert (done["grade_percent"], done["passed"], done["attempts"]) == ("100.0", True, 1)
    assert done["grading_method"] in ("highest", "last", "first", "average")
    assert set(done) == {
        "id",
        "slug",
        "title",
        "status",
        "completed_at",
        "completed_date",
        "grade_percent",
        "grading_method",
        "passed",
        "attempts",
        "requirement",
    }


def test_someone_elses_record_is_never_shown(app, passed) -> None:
    manager = app.test_client()
    sign_in(manager, "manager@example.org")
    html = manager.get("/my/record").get_data(as_text=True)
    assert "100.0%" not in html  # Evan's result is his; Maria passed nothing
    rows = manager.get("/my/record.csv").get_data(as_text=True)
    assert "100.0" not in rows and "E1007" not in rows


def test_a_new_learner_is_told_where_to_start(app) -> None:
    with app.app_context():
        email = EmployeeFactory(password=PASSWORD).email
        db.session.commit()
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    text = _text(client.get("/my/record").get_data(as_text=True))
    assert "Nothing yet." in text and "<table" not in text


@pytest.mark.parametrize("courses", [1, 5])
def test_statements_do_not_grow_with_the_record(app, count_queries, courses) -> None:
    with app.app_context():
        me = EmployeeFactory(password=PASSWORD)
        for n in range(courses):
            course = CourseFactory()
            for module in [ModuleFactory(course=course) for _ in range(4)]:
                QuizFactory(module=module)
                ModuleProgressFactory(employee=me, module=module, completed=True)
            EnrolmentFactory(employee=me, course=course)
            if n % 2:
                assign(course, [me], date.today() + timedelta(days=5))
        db.session.commit()
        email = me.email
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    for path, expected in (("/my/record", 4), ("/api/v1/me/record", 4), ("/my/record.csv", 5)):
        with count_queries() as queries:
            response = client.get(path)
        assert response.status_code == 200, path
        # 1 user loader (the account with its employee: the record's person and zone); 3 the
        # record (learnhub.reports.learning_record: requirements, module progress, courses);
        # the CSV: +1 INSERT of its audit event
        assert queries.count == expected, (path, queries)
    body = client.get("/api/v1/me/record").get_json()
    assert sum(len(c["modules"]) for c in body["courses"]) == 4 * courses
