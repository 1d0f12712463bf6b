"""``GET /api/v1/me/progress``: the caller's own courses, enrolments and module status."""

from __future__ import annotations

from learnhub.extensions import db
from tests.conftest import sign_in
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    EnrolmentFactory,
    ModuleFactory,
    ModuleProgressFactory,
)

PASSWORD = "a-test-password"


def test_my_progress_shows_only_my_own_status(app):
    with app.app_context():
        me, colleague = EmployeeFactory(password=PASSWORD), EmployeeFactory()
        course = CourseFactory(slug="my-course")
        first, second = ModuleFactory(course=course), ModuleFactory(course=course)
        EnrolmentFactory(employee=me, course=course)
        ModuleProgressFactory(employee=me, module=first, completed=True)
        ModuleProgressFactory(employee=colleague, module=second, completed=True)
        db.session.commit()
        email, number = me.email, me.employee_number
        expected = [(first.id, "completed", 1, True), (second.id, "not_started", 0, None)]
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    body = client.get("/api/v1/me/progress").get_json()
    assert body["employee_id"] == number
    [mine] = [c for c in body["courses"] if c["slug"] == "my-course"]
    assert (mine["enrolled"], mine["completed_modules"], mine["completed_at"]) == (True, 1, None)
    assert [
        (m["module_id"], m["status"], m["attempts"], m["passed"]) for m in mine["modules"]
    ] == expected
    assert "grade_exact" not in mine["modules"][0]  # the grade is not part of this view
    others = [c for c in body["courses"] if c["slug"] != "my-course"]
    assert others and not any(c["enrolled"] for c in others)
