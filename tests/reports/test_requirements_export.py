"""The required-learning export (learnhub.reports.requirements): a row per requirement of every
assigned person, started or not, with the status the pages show, due dates in the person's
zone, the assignments that apply; people nobody assigned anything only when asked; filters;
CSV, XLSX and JSON Lines with formula cells neutralised; audited; the same file from the API
and the CLI; and the completions export listing assigned people who have not started."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import select

from learnhub.assignments import services
from learnhub.assignments.models import AudienceKind, DueKind
from learnhub.core.audit import AuditEvent
from learnhub.core.errors import ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.quizzes.models import Attempt
from learnhub.reports.completions import completion_rows
from learnhub.reports.requirements import (
    HEADER,
    RequirementFilters,
    requirement_records,
    resolve_filters,
)
from tests.conftest import csrf_from, sign_in
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    ModuleFactory,
    ModuleProgressFactory,
    OrgUnitFactory,
    QuizFactory,
)

PASSWORD = "a-test-password"
NOW = "2027-03-01 09:00:00"


def _pass(employee, quiz, at: datetime) -> None:
    db.session.add(
        Attempt(
            quiz_id=quiz.id,
            employee_id=employee.id,
            number=1,
            state="submitted",
            layout={},
            started_at=at,
            submitted_at=at,
            passed=True,
        )
    )
    db.session.flush()


def _world() -> dict:
    """Benefits (with a sub-unit) must do a two-module course by 28 March 2027 (the day the
    EU changes clocks); every CASE_OFF must do it too within 30 days. Ada (Helsinki, CASE_OFF,
    in the sub-unit) is reached by both and has started; Bob has not started; Cy completed it
    before it was assigned; Dee (Finance) has nothing assigned."""
    course = CourseFactory(title="=Data protection", slug="data-protection-x")
    modules = [ModuleFactory(course=course, title=f"Part {n}") for n in (1, 2)]
    quizzes = [QuizFactory(module=m) for m in modules]
    benefits = OrgUnitFactory(name="=Benefits", code="BEN")
    casework = OrgUnitFactory(name="Casework", code="CASE", parent_id=benefits.id)
    finance = OrgUnitFactory(name="Finance", code="FIN")
    boss = EmployeeFactory(employee_number="M1", first_name="Mia", last_name="Boss")
    ada = EmployeeFactory(
        employee_number="A1",
        first_name="Ada",
        last_name="@Lovelace",
        timezone="Europe/Helsinki",
        org_unit=casework,
        manager=boss,
        job_code="CASE_OFF",
    )
    bob = EmployeeFactory(employee_number="A2", org_unit=benefits, timezone="Europe/London")
    cy = EmployeeFactory(employee_number="A3", org_unit=benefits)
    dee = EmployeeFactory(employee_number="A4", org_unit=finance)
    for quiz in quizzes:
        _pass(cy, quiz, datetime(2027, 2, 1, 10, tzinfo=UTC))
    ModuleProgressFactory(employee=ada, module=modules[0])
    boss.org_unit = finance
    db.session.flush()
    unit_rule = services.create_assignment(
        services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.ORG_UNIT,
            org_unit_id=benefits.id,
            include_sub_units=True,
            due_kind=DueKind.FIXED,
            due_date=date(2027, 3, 28),
            note="Annual",
        ),
        created_by_id=None,
    )
    role_rule = services.create_assignment(
        services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.JOB_ROLE,
            job_role_id=ada.job_role_id,
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=30,
        ),
        created_by_id=None,
    )
    db.session.flush()
    return {
        "course": course,
        "unit_rule": unit_rule.id,
        "role_rule": role_rule.id,
        "people": (ada, bob, cy, dee, boss),
    }


def _rows(filters: RequirementFilters | None = None) -> list[dict]:
    records = requirement_records(filters or RequirementFilters(), utcnow())
    assert next(records) == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in records]


@freeze_time(NOW)
def test_every_assigned_person_started_or_not_one_row_per_requirement(app_ctx):
    world = _world()
    unit_rule, role_rule = world["unit_rule"], world["role_rule"]
    rows = _rows()
    # Dee and Mia: nothing assigned, left out; Ada once although two rules reach her
    assert [r["employee_number"] for r in rows] == ["A1", "A2", "A3"]
    ada, bob, cy = rows
    assert ada["name"] == "Ada @Lovelace" and ada["org_unit"] == "Casework"
    assert (ada["job_role"], ada["manager_employee_number"], ada["manager_name"]) == (
        "CASE_OFF",
        "M1",
        "Mia Boss",
    )
    assert (ada["course"], ada["module"]) == ("=Data protection", None)  # the whole course
    assert ada["status"] == "in_progress" and bob["status"] == "not_started"
    assert cy["status"] == "completed"
    assert cy["completed_at"] == datetime(2027, 2, 1, 10, tzinfo=UTC)
    assert cy["expires_at"] is None
    # the end of 28 March where each person works: summer time has begun in both zones
    assert (ada["due_date"], ada["due_at"], ada["time_zone"]) == (
        date(2027, 3, 28),
        datetime(2027, 3, 28, 21, tzinfo=UTC),
        "Europe/Helsinki",
    )
    assert (bob["due_date"], bob["due_at"]) == (
        date(2027, 3, 28),
        datetime(2027, 3, 28, 23, tzinfo=UTC),
    )
    assert ada["assigned_on"] == date(2027, 3, 1)
    assert ada["assignment_ids"] == [unit_rule, role_rule]
    assert ada["assignments"] == (
        f"#{unit_rule} org unit =Benefits with sub-units, due 2027-03-28 (Annual); "
        f"#{role_rule} job role CASE_OFF, due 30 days after assignment"
    )
    assert bob["assignment_ids"] == [unit_rule]
    # a month later the fixed date has passed: not started becomes overdue, done stays done
    with freeze_time("2027-04-01 09:00:00"):
        later = {r["employee_number"]: r["status"] for r in _rows()}
    assert later == {"A1": "overdue", "A2": "overdue", "A3": "completed"}


@freeze_time(NOW)
def test_people_nobody_assigned_anything_only_when_asked(app_ctx):
    world = _world()
    rows = _rows(RequirementFilters(include_unassigned=True))
    unassigned = [r for r in rows if r["status"] == "not_assigned"]
    # one row per person (not per course), no item, no dates, no assignments
    assert [r["employee_number"] for r in unassigned] == ["A4", "M1"]
    assert all(
        r["course"] is None and r["due_at"] is None and r["assignment_ids"] == []
        for r in unassigned
    )
    assert [r["employee_number"] for r in rows] == ["A1", "A2", "A3", "A4", "M1"]
    # for one course: the people without that course, named with it
    filters = resolve_filters(course=world["course"].slug, include_unassigned=True)
    by_course = [r for r in _rows(filters) if r["status"] == "not_assigned"]
    assert [(r["employee_number"], r["course"]) for r in by_course] == [
        ("A4", "=Data protection"),
        ("M1", "=Data protection"),
    ]
    # leavers are nobody's concern any more
    world["people"][3].active = False
    db.session.flush()
    rows = _rows(RequirementFilters(include_unassigned=True))
    assert "A4" not in [r["employee_number"] for r in rows]


@freeze_time(NOW)
def test_filters_by_status_org_unit_and_course(app_ctx):
    world = _world()
    done = _rows(resolve_filters(statuses=["completed", "in_progress"]))
    assert [r["employee_number"] for r in done] == ["A1", "A3"]
    sub_unit_only = _rows(resolve_filters(org_unit="CASE"))
    assert [r["employee_number"] for r in sub_unit_only] == ["A1"]
    unit_alone = _rows(resolve_filters(org_unit="BEN", include_sub_units=False))
    assert [r["employee_number"] for r in unit_alone] == ["A2", "A3"]
    other = CourseFactory()
    db.session.flush()
    assert _rows(resolve_filters(course=other.slug)) == []
    assert len(_rows(resolve_filters(course=world["course"].slug))) == 3
    with pytest.raises(ValidationFailed) as refused:
        resolve_filters(course="nope", org_unit="NOPE", statuses=["late"])
    assert [i.where for i in refused.value.errors] == ["course", "org_unit", "status"]


@freeze_time(NOW)
def test_module_requirements_and_removed_assignments(app_ctx):
    course = CourseFactory(title="Security")
    first, second = ModuleFactory(course=course, title="Phishing"), ModuleFactory(course=course)
    person = EmployeeFactory(employee_number="P1")
    assignment = services.create_assignment(
        services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.PEOPLE,
            employee_ids=[person.id],
            module_ids=[second.id, first.id],
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=14,
        ),
        created_by_id=None,
    )
    rows = _rows()
    assert [r["module"] for r in rows] == ["Phishing", second.title]  # by module position
    described = f"#{assignment.id} 1 named person, due 14 days after assignment"
    assert rows[0]["assignments"] == described
    services.remove_assignment(assignment)
    assert _rows() == []


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_api_and_cli_give_the_same_file_audited_in_three_formats(app, tmp_path):
    with freeze_time(NOW), app.app_context():
        _world()
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"], employee_number="H1")
        db.session.commit()
        hr_email, hr_id = hr.email, hr.id
    client = app.test_client()
    with freeze_time(NOW):
        sign_in(client, hr_email, PASSWORD)
        response = client.get("/api/v1/exports/requirements")
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/csv"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="learnhub-requirements-20270301T090000Z.csv"'
        )
        body = response.get_data(as_text=True)
        out = tmp_path / "required.csv"
        result = app.test_cli_runner().invoke(
            args=["reports", "export-requirements", "--out", str(out)]
        )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{out}: 3 rows"
    assert out.read_bytes() == body.encode()
    rows = _csv(body)
    assert rows[0] == HEADER and len(rows) == 4
    ada = dict(zip(HEADER, rows[1], strict=True))
    # formula-like cells neutralised; dates as ISO; instants in UTC with a Z
    assert (ada["course"], ada["name"]) == ("'=Data protection", "Ada @Lovelace")
    assert (ada["due_date"], ada["due_at"]) == ("2027-03-28", "2027-03-28T21:00:00Z")
    assert ada["assignments"].startswith("#") and ";" in ada["assignment_ids"]

    with freeze_time(NOW):
        jsonl = client.get("/api/v1/exports/requirements?format=jsonl&status=not_started")
    assert jsonl.mimetype == "application/x-ndjson"
    [bob] = [json.loads(line) for line in jsonl.get_data(as_text=True).splitlines()]
    assert set(bob) == set(HEADER) and bob["employee_number"] == "A2"
    # JSON Lines is for programs: exact values, typed
    assert bob["course"] == "=Data protection" and isinstance(bob["assignment_ids"], list)
    assert bob["completed_at"] is None and bob["due_at"] == "2027-03-28T23:00:00Z"

    with freeze_time(NOW):
        xlsx = client.get(
            "/api/v1/exports/requirements",
            query_string={"format": "xlsx", "course": "", "include_unassigned": "true"},
        )
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = list(sheet.values)
    assert list(values[0]) == HEADER and len(values) == 7  # 3 assigned; Dee, HR (H1), Mia
    cells = dict(zip(HEADER, values[1], strict=True))
    assert cells["course"] == "'=Data protection"  # text, never a formula
    assert cells["due_date"] == datetime(2027, 3, 28)  # a real date cell
    assert sheet["M2"].number_format == "yyyy-mm-dd"

    with freeze_time(NOW):
        bad = client.get("/api/v1/exports/requirements?course=nope")
    assert bad.status_code == 422 and bad.get_json()["errors"]["issues"][0]["where"] == "course"
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.details)
            .where(AuditEvent.action == "export_requirements")
            .order_by(AuditEvent.id)
        ).all()
    assert [(actor, details["format"]) for actor, details in events] == [
        (hr_id, "csv"),
        (None, "csv"),
        (hr_id, "jsonl"),
        (hr_id, "xlsx"),
    ]
    assert events[1][1]["via"] == "cli" and events[2][1]["statuses"] == ["not_started"]
    assert events[3][1]["include_unassigned"] is True


def test_cli_format_from_the_file_name_and_bad_filters(app, tmp_path):
    with freeze_time(NOW), app.app_context():
        _world()
        db.session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "overdue.jsonl"
    with freeze_time("2027-04-01 09:00:00"):
        result = runner.invoke(
            args=["reports", "export-requirements", "--out", str(out), "--status", "overdue"]
        )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["status"] for line in out.read_text().splitlines()] == [
        "overdue",
        "overdue",
    ]
    result = runner.invoke(
        args=["reports", "export-requirements", "--out", str(out), "--course", "nope"]
    )
    assert result.exit_code == 2 and "course: no course has the slug 'nope'" in result.output


@freeze_time(NOW)
def test_completions_export_lists_assigned_people_who_have_not_started(app_ctx):
    world = _world()
    rows = list(completion_rows())
    header, data = rows[0], rows[1:]
    people = {row[header.index("employee_id")] for row in data}
    # assigned people are enrolled (source "assignment"), so they are listed with every
    # module of the course, not started included; Dee and Mia have nothing and stay out
    assert people == {"A1", "A2", "A3"}
    bob = [row for row in data if row[0] == "A2"]
    assert [row[header.index("status")] for row in bob] == ["not_started", "not_started"]
    assert world["course"].title == "=Data protection"


def test_the_exports_page_form_downloads_the_export(app):
    with freeze_time(NOW), app.app_context():
        world = _world()
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"])
        db.session.commit()
        email, slug = hr.email, world["course"].slug
    client = app.test_client()
    with freeze_time(NOW):
        sign_in(client, email, PASSWORD)
        # the HR page links to the Exports page with this report chosen (issue 13)
        assert 'href="/exports?report=requirements"' in client.get("/hr").get_data(as_text=True)
        page = client.get("/exports?report=requirements").get_data(as_text=True)
        assert 'action="/exports"' in page
        assert 'value="requirements" aria-describedby="report-requirements-hint" checked' in page
        assert f'<option value="{slug}">=Data protection</option>' in page
        assert '<option value="CASE">Casework</option>' in page
        assert 'name="status" value="renewal_due"' in page
        # what the browser sends for "every course, everyone, not started, CSV"
        form = {
            "csrf_token": csrf_from(page),
            "report": "requirements",
            "include_sub_units": "y",
            "course": "",
            "org_unit": "",
            "status": "not_started",
            "format": "csv",
        }
        response = client.post("/exports", data=form)
        response.get_data()  # a streamed body: read before the next request
        refused = client.post("/exports", data=form | {"org_unit": "NOWHERE"})
    assert refused.status_code == 422 and "There is a problem" in refused.get_data(as_text=True)
    assert response.status_code == 200
    assert [row[0] for row in _csv(response.get_data(as_text=True))] == ["employee_number", "A2"]


def test_an_exports_token_downloads_it_and_another_scope_does_not(app):
    with freeze_time(NOW), app.app_context():
        _world()
        db.session.commit()
    runner = app.test_cli_runner()
    secrets = {}
    for scope in ("exports:read", "audit:read"):
        with freeze_time(NOW):
            made = runner.invoke(
                args=[
                    "auth",
                    "create-token",
                    "--name",
                    scope,
                    "--scopes",
                    scope,
                    "--expires-days",
                    9,
                ]
            )
        assert made.exit_code == 0, made.output
        secrets[scope] = made.output.strip().splitlines()[-1]
    client = app.test_client()
    url = "/api/v1/exports/requirements?format=jsonl"
    with freeze_time(NOW):
        ok = client.get(url, headers={"Authorization": f"Bearer {secrets['exports:read']}"})
        lines = ok.get_data(as_text=True).splitlines()  # a streamed body: read it first
        refused = client.get(url, headers={"Authorization": f"Bearer {secrets['audit:read']}"})
    assert ok.status_code == 200 and len(lines) == 3
    assert refused.status_code == 403
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "export_requirements")
        )
    assert event.actor_id is None and event.actor_token_id is not None
