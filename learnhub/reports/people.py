"""One person's competence profile and completion, for their managers and HR.

What a manager may see of a person in their subtree (DESIGN.md "Who uses it"): completion
status and attained level per competence. Never quiz responses, grades or raw scores: those
are the employee's and HR's, and this view carries none of them whoever asks.
"""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from learnhub.auth.permissions import User, can_view_employee
from learnhub.core.errors import NotFound
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.progress.services import progress_for, team_completion
from learnhub.skills.services import competence_profile, frameworks_with_profiles


def visible_employee(employee_number: str, viewer: User | None = None) -> Employee:
    """The employee with ``employee_number`` if ``viewer`` (default: the signed-in user) may
    see them: themself, HR, or a manager above them while they are active
    (:func:`learnhub.auth.permissions.can_view_employee`). NotFound otherwise, with the same
    message whether or not the person exists, so the answer reveals nothing."""
    viewer = viewer or current_user
    employee = db.session.scalar(
        select(Employee).where(Employee.employee_number == employee_number)
    )
    if employee is None or not can_view_employee(viewer, employee):
        raise NotFound("No such employee.")
    return employee


def person_view(employee: Employee) -> dict:
    """``{"employee": {"employee_number", "name", "job_title", "job_role", "org_unit",
    "manager_employee_number", "active"}, "completion": {"enrolled", "completed_courses",
    "modules_completed"}, "frameworks": [{"framework", "name", "levels", "competences":
    [{"code", "name", "target", "attained", "gap"}]}], "courses": [{"course_id", "title",
    "completed_at", "modules": [{"title", "status", "completed_at"}]}]}``.

    Levels are in each framework's scale (0 = no evidence); ``courses`` lists the courses the
    person is enrolled in. Call only after :func:`visible_employee`."""
    manager_number = (
        db.session.scalar(
            select(Employee.employee_number).where(Employee.id == employee.manager_id)
        )
        if employee.manager_id
        else None
    )
    frameworks = [
        {
            "framework": f.slug,
            "name": f.name,
            "levels": [level.name for level in f.levels],
            "competences": [
                {
                    "code": row.code,
                    "name": row.name,
                    "target": row.target,
                    "attained": row.attained,
                    "gap": row.gap,
                }
                for row in competence_profile(employee.id, f)
            ],
        }
        for f in frameworks_with_profiles()
    ]
    courses = [
        {
            "course_id": course.course_id,
            "title": course.title,
            "completed_at": course.completed_at,
            "modules": [
                {"title": m.title, "status": m.status, "completed_at": m.completed_at}
                for m in course.modules
            ],
        }
        for course in progress_for(employee.id)
        if course.enrolled
    ]
    return {
        "employee": {
            "employee_number": employee.employee_number,
            "name": employee.full_name,
            "job_title": employee.job_title,
            "job_role": employee.job_role.code if employee.job_role else None,
            "org_unit": employee.org_unit.name if employee.org_unit else None,
            "manager_employee_number": manager_number,
            "active": employee.active,
        },
        "completion": team_completion([employee.id])[employee.id],
        "frameworks": frameworks,
        "courses": courses,
    }
