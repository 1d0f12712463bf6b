"""Statement counts of the reports API (``count_queries``): the manager's team skill gaps and
HR's completions export, each on a few people and on many to show that the count does not grow
with the number of people. Exact numbers measured on the code as it is; a change that adds a
statement must change the number here, on purpose.

Every signed-in request starts with 1 statement of the user loader: the account with its
employee (job role, org unit) and role grants joined, and "has reports?" (the derived manager
role) as a column of it (``learnhub.auth.sessions.load_account``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.catalog.models import Course
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.reports.completions import CHUNK_ROWS
from learnhub.reports.requirements_sql import zone_case
from learnhub.reports.sql_export import sql_export_available
from tests.conftest import sign_in
from tests.factories import (
    EmployeeFactory,
    EnrolmentFactory,
    manager_with_summaries,
    team,
)

PASSWORD = "a-test-password"


@pytest.mark.parametrize("size", [3, 30])
def test_team_api_statements_do_not_grow_with_the_team(app, count_queries, size):
    email = manager_with_summaries(app, size, PASSWORD)
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    with count_queries() as queries:
        response = client.get("/api/v1/teams/me/skill-gaps")
    assert response.status_code == 200 and response.get_json()["people_total"] == size
    # reports/team.py: "no query walks the subtree person by person". 1 user loader (its "has
    # reports?" answers the 403 check); 2 the subtree's size and one page of its people (one index
    # range of the reporting-line closure); 2 completion (enrolments, completed modules:
    # grouped); 1 attained levels (grouped); 2 frameworks with profiles and their levels
    # (selectin); per framework (DigComp 3.0 only): 3 stored summary and, folding its buckets
    # (TeamSummary.data), the competences they name and the framework's number of levels,
    # 1 competence codes, 1 targets of the page's people, 3 the modules closing the gaps (one
    # query, plus the selectin competences and outcomes of those modules), 4 the stored
    # organisation benchmark (the summary's buckets by job role, the benchmark cells of those
    # roles, the job roles, the competences); 1 the modules that price closing each gap (issue 11:
    # reports/gap_cost.py, one query over the buckets); 1 the managers' employee numbers
    assert queries.count == 22, queries


@pytest.mark.parametrize("size", [3, 40])  # 40 people: more rows than one chunk
def test_completions_export_statements_do_not_grow_with_the_people(app, count_queries, size):
    with app.app_context():
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"])
        courses = db.session.scalars(select(Course)).all()
        for person in team(EmployeeFactory(), size):
            for course in courses:
                EnrolmentFactory(employee=person, course=course)
        db.session.commit()
        email = hr.email
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    with count_queries() as queries:
        response = client.get("/api/v1/exports/completions.csv")
        rows = response.get_data(as_text=True).count("\r\n") - 1  # streamed: read it all
    assert response.status_code == 200 and rows > size
    assert (rows > CHUNK_ROWS) is (size == 40)
    # reports/completions.py: "streamed in chunks from one query (no per-employee work)".
    # 1 user loader; 1 the audit event INSERT; 1 the export's SELECT, read in chunks of
    # CHUNK_ROWS rows from the one cursor. On PostgreSQL that SELECT runs inside one
    # server-side cursor on the session's psycopg connection (reports/sql_export.py), which
    # SQLAlchemy's statement events do not see: 2 counted there
    with app.app_context():
        by_copy = sql_export_available()
    assert queries.count == (2 if by_copy else 3), queries


@pytest.mark.parametrize("size", [3, 40])
def test_requirements_export_statements_do_not_grow_with_the_people(app, count_queries, size):
    from learnhub.assignments import services
    from learnhub.assignments.models import AudienceKind, DueKind
    from learnhub.reports.requirements import CHUNK_ROWS as REQUIREMENT_CHUNK

    with app.app_context():
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"])
        team(EmployeeFactory(), size)
        for course in db.session.scalars(select(Course).where(Course.published.is_(True))):
            services.create_assignment(
                services.AssignmentSpec(
                    course_id=course.id,
                    audience=AudienceKind.EVERYONE,
                    due_kind=DueKind.AFTER_ASSIGNMENT,
                    due_days=30,
                ),
                created_by_id=None,
            )
        db.session.commit()
        email = hr.email
        if db.engine.dialect.name == "postgresql":
            # the SQL path checks each zone name against PostgreSQL's once per process (2
            # statements the first time, whatever the people): done here, so the count below
            # does not depend on whether an earlier test of this process met the zone first
            zone_case(Employee.timezone)
            db.session.rollback()
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    with count_queries() as queries:
        response = client.get("/api/v1/exports/requirements?include_unassigned=true")
        rows = response.get_data(as_text=True).count("\r\n") - 1
    assert response.status_code == 200 and rows > size
    assert rows < REQUIREMENT_CHUNK  # one chunk either way: the count is about people
    # reports/requirements.py: "one SELECT … read in chunks". 1 user loader; 1 the audit event
    # INSERT; 1 the descriptions of the assignments (one query, not one per row); 1 the
    # export's SELECT (requirements with the assignments behind them, UNION ALL the people
    # nobody assigned anything), read from the one cursor
    assert queries.count == 4, queries
