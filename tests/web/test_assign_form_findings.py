"""A tester's findings on the assign forms (HR's Required learning and a manager's): tampered
choices are named on their field, a form sent back with errors is 422 (as every other
form), the preview's "Who" names people with their numbers, and people may be separated by
spaces as well as commas, semicolons and new lines."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from learnhub.assignments.models import Assignment
from learnhub.catalog.models import Course
from learnhub.extensions import db
from tests.conftest import csrf_from, sign_in

COURSE = "phishing-and-account-security"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _course_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Course.id).where(Course.slug == COURSE))


def _assignments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Assignment.id)))


def _hr(app):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    return client, csrf_from(client.get("/hr/assignments/new").get_data(as_text=True))


def test_tampered_choices_are_named_on_their_field_with_422(app, demo):
    client, token = _hr(app)
    before = _assignments(app)
    tampered = client.post(
        "/hr/assignments/new",
        data={
            "csrf_token": token,
            "course": "abc",
            "modules": ["x"],
            "audience": "org_unit",
            "org_unit": "zz",
            "due_kind": "after_assignment",
            "due_days": "7",
        },
    )
    text = _text(tampered)
    assert tampered.status_code == 422
    assert "could not coerce" not in text and "Invalid choice" not in text
    for message in (
        "Course: choose a course from the list",
        "Modules: choose modules of the course from the list",
        "Org unit: choose an org unit from the list",
    ):
        assert message in text
    manager = app.test_client()
    sign_in(manager, "manager@example.org")
    page = manager.get("/team/assign?people=E1010").get_data(as_text=True)
    team = manager.post(
        "/team/assign",
        data={
            "csrf_token": csrf_from(page),
            "people": ["E1010"],
            "course": "1.5",
            "modules": ["abc"],
            "due_kind": "after_assignment",
            "due_days": "7",
        },
    )
    assert team.status_code == 422
    assert "Course: choose a course from the list" in _text(team)
    assert "could not coerce" not in _text(team)
    assert _assignments(app) == before


def test_forms_sent_back_with_errors_are_422(app, demo):
    client, token = _hr(app)
    empty = client.post(
        "/hr/assignments/new", data={"csrf_token": token, "audience": "people", "due_kind": "fixed"}
    )
    assert empty.status_code == 422 and "Choose a course" in _text(empty)
    manager = app.test_client()
    sign_in(manager, "manager@example.org")
    page = manager.get("/team/assign?people=E1010").get_data(as_text=True)
    nobody = manager.post(
        "/team/assign",
        data={"csrf_token": csrf_from(page), "course": _course_id(app), "due_days": "7"},
    )
    assert nobody.status_code == 422 and "Choose at least one person" in _text(nobody)


def test_the_preview_names_people_separated_by_spaces(app, demo):
    client, token = _hr(app)
    form = {
        "csrf_token": token,
        "course": _course_id(app),
        "audience": "people",
        "people": "E1010 e1015;\tamara.diallo@example.org",
        "due_kind": "after_assignment",
        "due_days": "14",
        "renewal_window_days": "30",
        "action": "preview",
    }
    preview = client.post("/hr/assignments/new", data=form)
    text = _text(preview)
    assert preview.status_code == 200, text[:2000]
    assert "Who</dt><dd>Amara Diallo (E1010), Liam Byrne (E1015)</dd>" in text
    assert "People it reaches</th><td>2</td>" in text
    edit = client.post("/hr/assignments/new", data=form | {"action": "edit"})
    assert edit.status_code == 200  # back to the form from the preview: not an error
