"""Statement counts of the learner's progress (``count_queries``): the services behind the
dashboard, the person view and the team page, and ``GET /api/v1/me/progress``. Exact numbers
measured on the code as it is; a change that adds a statement must change the number here, on
purpose."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.catalog.models import Course
from learnhub.extensions import db
from learnhub.progress.services import progress_for, team_completion
from tests.conftest import sign_in
from tests.factories import EmployeeFactory, EnrolmentFactory, ModuleProgressFactory, team

PASSWORD = "a-test-password"


def _enrolled_everywhere(size: int) -> list[int]:
    """``size`` people enrolled in every course, each with the first module of each completed;
    their ids."""
    people = team(EmployeeFactory(), size)
    for course in db.session.scalars(select(Course)):
        for person in people:
            EnrolmentFactory(employee=person, course=course)
            ModuleProgressFactory(employee=person, module=course.modules[0], completed=True)
    return [p.id for p in people]


@pytest.mark.parametrize("size", [3, 30])
def test_team_completion_is_two_grouped_queries(app_ctx, count_queries, size):
    ids = _enrolled_everywhere(size)
    with count_queries() as queries:
        completion = team_completion(ids)
    assert len(completion) == size and all(c["enrolled"] for c in completion.values())
    # as its docstring says: enrolments and completed modules, each grouped by employee
    assert queries.count == 2, queries


def test_progress_for_statements(app_ctx, count_queries):
    [me] = _enrolled_everywhere(1)
    db.session.expire_all()  # as in a request: nothing loaded yet
    with count_queries() as queries:
        courses = progress_for(me)
    assert courses and all(c.enrolled and c.completed_modules == 1 for c in courses)
    # The docstring's "3 queries" are the courses, the enrolments and the module progress;
    # loading Course.modules (selectin) brings 3 more: the modules, then their outcomes and
    # competences (both selectin on Module)
    assert queries.count == 6, queries


def test_my_progress_api_statements(app, count_queries):
    with app.app_context():
        learner = EmployeeFactory(password=PASSWORD)
        db.session.commit()
        email = learner.email
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    with count_queries() as queries:
        response = client.get("/api/v1/me/progress")
    assert response.status_code == 200
    # 1 user loader (the account with its employee, role grants and "has reports?");
    # 6 progress_for
    assert queries.count == 7, queries
