"""The assignments API: HR assigns to any audience, a manager to named people of their own
subtree only; the preview changes nothing; bad input is refused naming the field and changes
nothing; people read their own requirements, managers and HR a person's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from learnhub.assignments.models import Assignment, Requirement
from learnhub.auth import tokens
from learnhub.catalog.models import Course
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole
from tests.conftest import sign_in

PHISHING = "phishing-and-account-security"


def _course(app, slug: str = PHISHING) -> Course:
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        db.session.expunge(course)
        return course


def _client(app, email: str):
    client = app.test_client()
    token = sign_in(client, email)
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _active_people(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Employee.id)).where(Employee.active))


@pytest.fixture
def clean(app, demo):
    """The demo without its seeded assignments: these tests count what they make."""
    from learnhub.assignments import services

    with app.app_context():
        for assignment in db.session.scalars(select(Assignment)):
            services.remove_assignment(assignment)
        db.session.commit()
    return demo


def test_hr_creates_a_rule_for_everyone_and_the_employee_sees_it(app, clean):
    hr = _client(app, "hr@example.org")
    course = _course(app)
    before = _count(app, Assignment)
    body = {
        "course_id": course.id,
        "audience": "everyone",
        "due_kind": "after_assignment",
        "due_days": 30,
        "note": "  yearly  ",
    }
    preview = hr.post("/api/v1/assignments/preview", json=body)
    assert preview.status_code == 200, preview.get_json()
    numbers = preview.get_json()
    assert numbers["people"] == _active_people(app)
    assert numbers["to_do"] == numbers["people"] - numbers["already_completed"]
    assert numbers["minutes_each"] == sum(m.minutes for m in course.modules if m.active)
    assert _count(app, Assignment) == before  # the preview changed nothing

    created = hr.post("/api/v1/assignments", json=body)
    assert created.status_code == 201, created.get_json()
    made = created.get_json()
    assert made["people"] == numbers["people"] and made["note"] == "yearly"
    assert made["audience_words"] == "Everyone"
    assert made["due_words"] == "30 days after it reaches each person"
    assert made["created_by"] == "E1020"
    listed = hr.get("/api/v1/assignments").get_json()
    assert [a["id"] for a in listed][:1] == [made["id"]]

    employee = _client(app, "employee@example.org")
    mine = employee.get("/api/v1/me/requirements").get_json()
    [req] = [r for r in mine["requirements"] if r["course"]["id"] == course.id]
    assert req["status"] == "not_started" and req["module"] is None
    assert mine["time_zone"] == req["time_zone"]
    assert date.fromisoformat(req["due_date"]) >= date.today() + timedelta(days=29)
    assert req["continue_url"].startswith("/modules/")
    with app.app_context():
        assert db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "assignment.create")
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"course_id": 999999}, "course_id"),
        ({"due_kind": "fixed", "due_date": "2001-01-01"}, "due_date"),
        ({"due_kind": "fixed"}, "due_date"),
        ({"due_days": -1}, "json.due_days"),
        ({"audience": "org_unit", "org_unit_id": 999999}, "org_unit_id"),
        ({"audience": "job_role"}, "job_role_id"),
        ({"audience": "people", "employee_numbers": ["NOPE"]}, "employee_numbers"),
        ({"audience": "people"}, "employee_numbers"),
        ({"colour": "red"}, "json.colour"),
        ({"module_ids": [999999]}, "module_ids"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(app, clean, change, field):
    hr = _client(app, "hr@example.org")
    body = {
        "course_id": _course(app).id,
        "audience": "everyone",
        "due_kind": "after_assignment",
        "due_days": 30,
    } | change
    before = _count(app, Assignment), _count(app, Requirement)
    for path in ("/api/v1/assignments", "/api/v1/assignments/preview"):
        response = hr.post(path, json=body)
        assert response.status_code == 422, response.get_json()
        wheres = [i["where"] for i in response.get_json()["errors"]["issues"]]
        assert field in wheres, wheres
    assert (_count(app, Assignment), _count(app, Requirement)) == before


def test_a_manager_assigns_inside_their_subtree_only(app, clean):
    maria = _client(app, "manager@example.org")  # E1003: E1007-E1013 below her
    body = {
        "course_id": _course(app).id,
        "module_ids": [_course(app).modules[0].id],
        "audience": "people",
        "employee_numbers": ["E1010", "E1007"],
        "due_kind": "fixed",
        "due_date": (date.today() + timedelta(days=20)).isoformat(),
    }
    made = maria.post("/api/v1/assignments", json=body)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["people"] == 2 and len(made.get_json()["modules"]) == 1
    before = _count(app, Assignment), _count(app, Requirement)
    # outside her team and unknown answer alike (tester's finding 8: no probing who exists)
    for path in ("/api/v1/assignments", "/api/v1/assignments/preview"):
        for number in ("E1015", "E9999", "Liam.Byrne@example.org"):
            outside = maria.post(path, json=body | {"employee_numbers": [number]})
            assert outside.status_code == 422, (path, number)
            assert outside.get_json()["errors"]["issues"] == [
                {
                    "where": "employee_numbers",
                    "message": f"employee {number} is not in your team or does not exist",
                }
            ]
        both = maria.post(path, json=body | {"employee_numbers": ["E9999", "E1015", "E1010"]})
        assert [i["message"].split()[1] for i in both.get_json()["errors"]["issues"]] == [
            "E9999",
            "E1015",
        ]
    everyone = maria.post("/api/v1/assignments", json=body | {"audience": "everyone"})
    assert everyone.status_code == 403
    assert (_count(app, Assignment), _count(app, Requirement)) == before

    # she sees and changes her own; HR's is a 404 to her
    hr = _client(app, "hr@example.org")
    hrs = hr.post("/api/v1/assignments", json=body | {"employee_numbers": ["E1015"]})
    assert hrs.status_code == 201
    mine = maria.get("/api/v1/assignments").get_json()
    assert [a["id"] for a in mine] == [made.get_json()["id"]]
    assert maria.get(f"/api/v1/assignments/{hrs.get_json()['id']}").status_code == 404
    assert maria.delete(f"/api/v1/assignments/{hrs.get_json()['id']}").status_code == 404
    later = (date.today() + timedelta(days=40)).isoformat()
    changed = maria.patch(f"/api/v1/assignments/{made.get_json()['id']}", json={"due_date": later})
    assert changed.status_code == 200 and changed.get_json()["due_date"] == later
    amara = maria.get("/api/v1/employees/E1010/requirements").get_json()
    assert amara["requirements"][0]["due_date"] == later
    # a manager never reads a person outside her subtree
    assert maria.get("/api/v1/employees/E1015/requirements").status_code == 404
    assert maria.delete(f"/api/v1/assignments/{made.get_json()['id']}").status_code == 204
    assert maria.get("/api/v1/employees/E1010/requirements").get_json()["requirements"] == []


def test_change_refuses_the_other_kind_and_past_dates(app, clean):
    hr = _client(app, "hr@example.org")
    made = hr.post(
        "/api/v1/assignments",
        json={
            "course_id": _course(app).id,
            "audience": "everyone",
            "due_kind": "fixed",
            "due_date": (date.today() + timedelta(days=20)).isoformat(),
        },
    ).get_json()
    url = f"/api/v1/assignments/{made['id']}"
    for body, field in (
        ({"due_days": 3}, "due_days"),
        ({"due_date": "2001-01-01"}, "due_date"),
        ({}, "json._schema"),
    ):
        response = hr.patch(url, json=body)
        assert response.status_code == 422, response.get_json()
        assert field in [i["where"] for i in response.get_json()["errors"]["issues"]]
    assert hr.delete(url).status_code == 204
    assert hr.get(url).get_json()["removed_at"] is not None
    assert hr.patch(url, json={"renewal_window_days": 10}).status_code == 422
    assert hr.delete(url).status_code == 204  # again: nothing changes


def test_people_without_the_role_are_refused(app, clean):
    evan = _client(app, "employee@example.org")  # nobody reports to him
    body = {
        "course_id": _course(app).id,
        "audience": "people",
        "employee_numbers": ["E1007"],
        "due_kind": "after_assignment",
        "due_days": 3,
    }
    before = _count(app, Assignment)
    assert evan.post("/api/v1/assignments", json=body).status_code == 403
    assert evan.post("/api/v1/assignments/preview", json=body).status_code == 403
    assert evan.get("/api/v1/assignments").status_code == 403
    assert evan.get("/api/v1/employees/E1008/requirements").status_code == 404
    assert evan.get("/api/v1/employees/E1007/requirements").status_code == 200
    assert _count(app, Assignment) == before


def test_tokens_need_the_assignments_scope(app, clean):
    with app.app_context():
        _, writer = tokens.create_token("w", ["assignments:write", "assignments:read"], 5)
        _, other = tokens.create_token("x", ["exports:read"], 5)
        role_id = db.session.scalar(select(JobRole.id).where(JobRole.code == "CASE_OFF"))
        db.session.commit()
    client = app.test_client()
    body = {
        "course_id": _course(app).id,
        "audience": "job_role",
        "job_role_id": role_id,
        "due_kind": "after_hire",
        "due_days": 60,
    }
    refused = client.post(
        "/api/v1/assignments", json=body, headers={"Authorization": f"Bearer {other}"}
    )
    assert refused.status_code == 403
    made = client.post(
        "/api/v1/assignments", json=body, headers={"Authorization": f"Bearer {writer}"}
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["created_by"] is None and made.get_json()["job_role"]["id"] == role_id
    person = client.get(
        "/api/v1/employees/E1007/requirements", headers={"Authorization": f"Bearer {writer}"}
    )
    assert person.status_code == 200


def test_people_are_named_in_any_letter_case(app, clean):
    """A tester's finding: " e1009 " was "no active employee" though E1009 exists (the People
    search promises letter case does not matter); an exact number wins over one differing in
    case, and a key matching two such numbers, neither exactly, asks for the number exactly."""
    hr = _client(app, "hr@example.org")
    body = {
        "course_id": _course(app).id,
        "audience": "people",
        "employee_numbers": ["E1008", " e1009 ", "e1010", "EMPLOYEE@example.org", "E1009"],
        "due_kind": "after_assignment",
        "due_days": 10,
    }
    preview = hr.post("/api/v1/assignments/preview", json=body)
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["people"] == 4  # E1009 named twice counts once
    with app.app_context():
        for number, email in (("e1009", "eve@example.org"), ("X-ab", "x1@example.org")):
            db.session.add(
                Employee(employee_number=number, first_name="E", last_name="Twin", email=email)
            )
        db.session.add(
            Employee(
                employee_number="x-AB", first_name="X", last_name="Twin", email="x2@example.org"
            )
        )
        db.session.commit()

    def named(*keys: str):
        return hr.post("/api/v1/assignments/preview", json=body | {"employee_numbers": keys})

    assert named("e1009").get_json()["people"] == 1  # the exact one, not E1009 too
    assert named("E1009", "e1009").get_json()["people"] == 2
    assert named("X-ab").get_json()["people"] == 1
    ambiguous = named("x-ab", "E1008")
    assert ambiguous.status_code == 422
    assert ambiguous.get_json()["errors"]["issues"] == [
        {
            "where": "employee_numbers",
            "message": "'x-ab' matches the employee numbers X-ab and x-AB, which differ only "
            "in letter case: give the number exactly",
        }
    ]
