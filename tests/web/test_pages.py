"""The server-rendered pages (learnhub.web): sign-in required, HTML errors, health, static
files and security headers, and what each page shows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.progress.models import Enrolment
from tests.conftest import csrf_from, sign_in
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    EnrolmentFactory,
    ModuleFactory,
    ModuleProgressFactory,
    team,
)

PAGES = [
    "/",
    "/profile",
    "/reminders",
    "/team",
    "/hr",
    "/courses/1",
    "/modules/1",
    "/attempts/1",
]
PASSWORD = "a-test-password"


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_html_404_is_a_page_and_api_404_is_json(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    page = client.get("/modules/999999")
    assert page.status_code == 404 and page.mimetype == "text/html"
    api = client.get("/api/v1/modules/999999")
    assert api.status_code == 404 and api.get_json()["message"] == "No such module."


def test_health(client):
    # no Redis configured (embedded): no "redis" entry; the request table is a dependency too
    assert client.get("/healthz").get_json() == {
        "status": "ok",
        "database": "ok",
        "recompute_requests": {"pending": 0, "oldest_age_seconds": None},
        "xapi_outbox": {"pending": 0, "oldest_age_seconds": None, "failing": 0},
    }


def test_stylesheet_is_served_and_pages_carry_security_headers(client):
    css = client.get("/static/learnhub.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert b"--accent" in css.get_data()
    css.close()
    page = client.get("/sign-in")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_dashboard_counts_completed_modules_of_enrolled_courses(app):
    with app.app_context():
        me = EmployeeFactory(password=PASSWORD)
        course = CourseFactory(title="AAA A course of two modules")
        first, _second = ModuleFactory(course=course), ModuleFactory(course=course)
        EnrolmentFactory(employee=me, course=course)
        ModuleProgressFactory(employee=me, module=first, completed=True)
        db.session.commit()
        email = me.email
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert "AAA A course of two modules" in page
    assert "1 of 2 modules completed" in page
    assert "Not enrolled." in page  # every content course the person has not joined


def test_course_page_enrols_once_and_lists_module_status(app):
    with app.app_context():
        me = EmployeeFactory(password=PASSWORD)
        module = ModuleFactory(title="Reading a padlock")
        ModuleFactory(course=module.course, active=False, title="An old module")
        db.session.commit()
        email, course_id, my_id = me.email, module.course_id, me.id
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    page = client.get(f"/courses/{course_id}").get_data(as_text=True)
    assert "Enrol in this course" in page
    assert "1. Reading a padlock" in page and "not started" in page
    assert "An old module" not in page  # inactive modules are not listed
    for _ in range(2):  # a second enrol changes nothing
        response = client.post(f"/courses/{course_id}/enrol", data={"csrf_token": csrf_from(page)})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/courses/{course_id}")
    assert "Enrol in this course" not in client.get(f"/courses/{course_id}").get_data(as_text=True)
    with app.app_context():
        enrolments = db.session.scalars(
            select(Enrolment).where(Enrolment.employee_id == my_id)
        ).all()
        assert [(e.course_id, e.source) for e in enrolments] == [(course_id, "self")]


def _unpublished(app) -> tuple[str, int, int]:
    """(email of a signed-up learner, course id, module id) of an unpublished course."""
    with app.app_context():
        me = EmployeeFactory(password=PASSWORD)
        module = ModuleFactory(course=CourseFactory(published=False))
        db.session.commit()
        return me.email, module.course_id, module.id


def test_unpublished_course_and_its_modules_are_not_found(app):
    email, course_id, module_id = _unpublished(app)
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    assert client.get(f"/courses/{course_id}").status_code == 404
    assert client.get(f"/modules/{module_id}").status_code == 404


def test_no_enrolment_in_an_unpublished_course(app):
    email, course_id, _module_id = _unpublished(app)
    client = app.test_client()
    token = sign_in(client, email, PASSWORD)
    response = client.post(f"/courses/{course_id}/enrol", data={"csrf_token": token})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Enrolment.id)) is None


def test_hr_page_is_for_hr_only(app):
    with app.app_context():
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"])
        someone = EmployeeFactory(password=PASSWORD)
        db.session.commit()
        emails = hr.email, someone.email
    client = app.test_client()
    sign_in(client, emails[0], PASSWORD)
    hr_page = client.get("/hr").get_data(as_text=True)
    # exports are the Exports page's: the HR page links to it with the report chosen
    assert 'href="/exports?report=completions"' in hr_page
    assert 'href="/exports?report=requirements"' in hr_page and 'action="/exports"' not in hr_page
    assert 'href="/hr">HR</a>' in client.get("/").get_data(as_text=True)
    other = app.test_client()
    sign_in(other, emails[1], PASSWORD)
    assert other.get("/hr").status_code == 403
    home = other.get("/").get_data(as_text=True)
    assert 'href="/hr"' not in home and 'href="/team"' not in home  # no HR role, no reports


def test_team_page_comes_in_pages_of_100_and_ignores_a_bad_page_number(app):
    with app.app_context():
        boss = EmployeeFactory(password=PASSWORD)
        people = team(boss, 101)
        db.session.commit()
        email = boss.email
        # the page is ordered by last name: Test00002 … and the 101st is the last
        last = max(people, key=lambda p: p.last_name).full_name
        first = min(people, key=lambda p: p.last_name).full_name
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    one = client.get("/team").get_data(as_text=True)
    assert "101 people; page 1 of 2" in one
    assert "Next page" in one and "Previous page" not in one
    assert first in one and last not in one
    two = client.get("/team?page=2").get_data(as_text=True)
    assert "page 2 of 2" in two and last in two and first not in two
    assert "Previous page" in two and "Next page" not in two
    for bad in ("abc", "0", "-1", "99999999", "²"):
        assert "page 1 of 2" in client.get(f"/team?page={bad}").get_data(as_text=True), bad


def test_person_page_for_a_manager_above_and_404_for_anyone_else(app):
    with app.app_context():
        boss = EmployeeFactory(password=PASSWORD)
        lead = EmployeeFactory(manager=boss, password=PASSWORD)
        member = EmployeeFactory(manager=lead, job_title="Case officer")
        outsider = EmployeeFactory(password=PASSWORD)
        db.session.commit()
        emails = {"boss": boss.email, "lead": lead.email, "outsider": outsider.email}
        number, name = member.employee_number, member.full_name
    for who, status in (("boss", 200), ("lead", 200), ("outsider", 404)):
        client = app.test_client()
        sign_in(client, emails[who], PASSWORD)
        response = client.get(f"/people/{number}")
        assert response.status_code == status, who
        if status == 200:
            page = response.get_data(as_text=True)
            assert name in page and "Case officer" in page and "Not enrolled in any course" in page
    client = app.test_client()
    sign_in(client, emails["boss"], PASSWORD)
    assert client.get("/people/NO-SUCH-PERSON").status_code == 404
