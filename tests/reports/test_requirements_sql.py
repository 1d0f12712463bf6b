"""The required-learning CSV is the same bytes whichever path writes it: PostgreSQL with each
line built in SQL (learnhub.reports.requirements_sql) or the Python writer (SQLite's path), on
data chosen to catch differences: formula-leading cells ("=cmd", "@", "-", "+", tab), quotes,
commas, newlines, unicode and Python-only whitespace in names, NULLs (no unit, role, title or
manager), time zones (the person's, an unknown one, none, zones ahead and behind UTC across a
daylight-saving change, a 45-minute one), every status (waived, overdue, completed, renewal
due, expired, in progress, not started), a requirement two assignments reach, a module-only
one, people nobody assigned anything, and the filters."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from learnhub.assignments import services
from learnhub.assignments.models import AudienceKind, DueKind, Requirement
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.reports import requirements_sql, sql_export
from learnhub.reports.requirements import HEADER, RequirementFilters
from learnhub.reports.requirements_sql import csv_bytes, requirements_lines_query
from learnhub.reports.sql_export import Tally, sql_export_available
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    ModuleFactory,
    ModuleProgressFactory,
    OrgUnitFactory,
)

NOW = datetime(2027, 3, 27, 23, 30, tzinfo=UTC)


def _at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _tricky_world() -> dict:
    """Seven people and a manager, two courses (the first whole, the second's first module
    only), three assignments; then each requirement's dates set for one status."""
    unit = OrgUnitFactory(name='+Unit, "split"\r\nline', code="U1")
    plain = OrgUnitFactory(name="Żółw 日本", code="U2")
    boss = EmployeeFactory(
        employee_number="=B0", first_name="\t=cmd", last_name="Boss\u3000", org_unit=unit
    )
    specs = [
        # first, last, zone, unit, manager, job title, job role code
        ("=cmd", "Lovelace", "Europe/Helsinki", unit, boss, '-Lead, "x"', "=ROLE"),
        ("Zoë", "Ōtsuka\u00a0", "America/New_York", plain, boss, None, None),
        ("", "Solo", "Asia/Kathmandu", None, None, "@title", "ROLE2"),
        ("@at", "", "Mars/Olympus_Mons", unit, None, "", None),
        ("\u2003Ann", "Lee", None, plain, boss, "Ünïcode\u00a0", None),
        ("-neg", "x", "Pacific/Chatham", unit, boss, "+plus", None),
    ]
    people = [
        EmployeeFactory(
            employee_number=f"P{n}",
            first_name=first,
            last_name=last,
            timezone=zone,
            org_unit=org,
            manager=manager,
            job_title=title,
            job_code=job,
        )
        for n, (first, last, zone, org, manager, title, job) in enumerate(specs, start=1)
    ]
    leftover = EmployeeFactory(employee_number="P7", first_name="No", last_name="Requirement")
    whole = CourseFactory(title='=Data, "protection"', slug="data-x")
    ModuleFactory(course=whole, title="Part 1")
    partial = CourseFactory(title="@Course\nB", slug="course-b")
    first = ModuleFactory(course=partial, title="+Module\tone")
    ModuleFactory(course=partial, title="Two")
    db.session.flush()
    common = {"created_by_id": None}
    services.create_assignment(
        services.AssignmentSpec(
            course_id=whole.id, audience=AudienceKind.ORG_UNIT, org_unit_id=unit.id,
            due_kind=DueKind.FIXED, due_date=date(2027, 3, 28), note="=Annual; \"q\"",
        ),
        **common,
    )  # fmt: skip
    services.create_assignment(
        services.AssignmentSpec(
            course_id=whole.id, audience=AudienceKind.PEOPLE,
            employee_ids=[people[n].id for n in (0, 1, 2, 4)],
            due_kind=DueKind.AFTER_ASSIGNMENT, due_days=30,
        ),
        **common,
    )  # fmt: skip
    services.create_assignment(
        services.AssignmentSpec(
            course_id=partial.id, audience=AudienceKind.PEOPLE,
            employee_ids=[people[0].id, people[2].id, people[4].id], module_ids=[first.id],
            due_kind=DueKind.FIXED, due_date=date(2027, 1, 10),
        ),
        **common,
    )  # fmt: skip
    leftover.active = True
    db.session.flush()
    # one status each on the whole course (people 1-6), microseconds in some instants
    rows = {
        r.employee_id: r
        for r in db.session.scalars(select(Requirement).where(Requirement.course_id == whole.id))
    }
    ids = [p.id for p in people]
    rows[ids[0]].waived_at = _at(2027, 3, 1)
    rows[ids[1]].due_at = _at(2027, 3, 1, 4, 59, 59, 999999)  # overdue
    rows[ids[2]].completed_at = _at(2027, 2, 1, 10, 0, 0, 500000)  # completed, no expiry
    rows[ids[3]].completed_at = _at(2026, 4, 1)  # renewal due
    rows[ids[3]].expires_at = _at(2027, 4, 1)
    rows[ids[3]].renewal_opens_at = _at(2027, 3, 2)
    rows[ids[4]].completed_at = _at(2025, 1, 1)  # expired
    rows[ids[4]].expires_at = _at(2026, 1, 1, 0, 0, 0, 1)
    rows[ids[4]].renewal_opens_at = _at(2025, 12, 1)
    rows[ids[5]].due_at = NOW + timedelta(days=2)  # in progress
    ModuleProgressFactory(employee=people[5], module=whole.modules[0], status="in_progress")
    db.session.flush()
    return {"whole": whole.id, "partial": partial.id, "unit": unit.id, "boss": boss.id}


def _bytes(filters: RequirementFilters, *, in_sql: bool, app) -> bytes:
    app.config["LEARNHUB_EXPORT_IN_SQL"] = in_sql
    try:
        return b"".join(csv_bytes(filters, NOW))
    finally:
        app.config["LEARNHUB_EXPORT_IN_SQL"] = True


@pytest.fixture
def postgresql(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the SQL path is PostgreSQL's")
    return app_ctx


def _filters(world: dict) -> list[RequirementFilters]:
    everyone = RequirementFilters()
    return [
        everyone,
        replace(everyone, include_unassigned=True),
        replace(everyone, course_id=world["partial"], include_unassigned=True),
        replace(everyone, statuses=frozenset({"waived", "overdue", "not_started"})),
        replace(everyone, org_unit_ids=(world["unit"],), include_unassigned=True),
        replace(everyone, manager_id=world["boss"]),
    ]


def test_sql_path_gives_the_python_writers_bytes(postgresql):
    world = _tricky_world()
    assert sql_export_available()
    # the session's zone must not matter: days are the person's, instants UTC
    db.session.execute(text("SET LOCAL TIME ZONE 'Pacific/Chatham'"))
    for filters in _filters(world):
        assert requirements_lines_query(filters, NOW) is not None
        by_sql = _bytes(filters, in_sql=True, app=postgresql)
        by_python = _bytes(filters, in_sql=False, app=postgresql)
        assert by_sql == by_python, filters
    everything = _bytes(_filters(world)[1], in_sql=True, app=postgresql).decode()
    rows = [dict(zip(HEADER, r, strict=True)) for r in csv.reader(io.StringIO(everything))][1:]
    by_person = {(r["employee_number"], r["course"][:6]): r for r in rows}
    ada = by_person[("P1", "'=Data")]
    assert ada["name"] == "'=cmd Lovelace" and ada["status"] == "waived"
    assert ada["manager_employee_number"] == "'=B0" and ada["manager_name"] == "'=cmd Boss"
    assert ada["assignments"].startswith("#") and ada["assignment_ids"].count(";") == 1
    assert ada["time_zone"] == "Europe/Helsinki"
    assert by_person[("P2", "'=Data")]["status"] == "overdue"
    assert by_person[("P2", "'=Data")]["due_at"] == "2027-03-01T04:59:59.999999Z"
    assert by_person[("P2", "'=Data")]["due_date"] == "2027-02-28"  # New York's day
    assert by_person[("P3", "'=Data")]["completed_at"] == "2027-02-01T10:00:00.500000Z"
    assert by_person[("P4", "'=Data")]["status"] == "renewal_due"
    assert by_person[("P4", "'=Data")]["time_zone"] == "Europe/Brussels"  # unknown: the org's
    assert by_person[("P5", "'=Data")]["status"] == "expired"
    assert by_person[("P6", "'=Data")]["status"] == "in_progress"
    assert by_person[("P1", "'@Cour")]["module"] == "'+Module\tone"
    assert by_person[("P7", "")]["status"] == "not_assigned"


def test_a_requirement_three_or_four_assignments_reach_names_them_all(postgresql):
    # the SQL path writes one or two ids from the folded first and last, more by a look-up
    world = _tricky_world()
    ada, zoe = (
        db.session.scalar(select(Employee.id).where(Employee.employee_number == n))
        for n in ("P1", "P2")
    )
    for people in ([ada, zoe], [ada]):
        services.create_assignment(
            services.AssignmentSpec(
                course_id=world["whole"], audience=AudienceKind.PEOPLE, employee_ids=people,
                due_kind=DueKind.AFTER_ASSIGNMENT, due_days=10, note='"x"; =y',
            ),
            created_by_id=None,
        )  # fmt: skip
    db.session.flush()
    for filters in _filters(world):
        by_sql = _bytes(filters, in_sql=True, app=postgresql)
        assert by_sql == _bytes(filters, in_sql=False, app=postgresql), filters
    rows = list(
        csv.DictReader(
            io.StringIO(_bytes(RequirementFilters(), in_sql=True, app=postgresql).decode())
        )
    )
    whole = {r["employee_number"]: r for r in rows if r["course"].startswith("'=Data")}
    assert whole["P1"]["assignment_ids"].count(";") == 3  # unit, people, two more
    assert whole["P1"]["assignments"].count("; #") == 3
    assert whole["P2"]["assignment_ids"].count(";") == 1  # people, one more
    assert whole["P3"]["assignment_ids"].count(";") == 0


def test_sql_path_chunks_are_whole_rows_and_counted(postgresql, monkeypatch):
    world = _tricky_world()
    monkeypatch.setattr(sql_export, "BATCH_ROWS", 1)
    tally = Tally()
    filters = _filters(world)[1]
    chunks = list(csv_bytes(filters, NOW, tally, excel=True))
    assert chunks[0] == sql_export.BOM and all(c.endswith(b'"\r\n') for c in chunks[1:])
    assert tally.rows == len(chunks) - 2  # the BOM and the header
    assert b"".join(chunks[1:]) == _bytes(filters, in_sql=False, app=postgresql)


def test_a_zone_postgresql_reads_as_an_abbreviation_goes_to_the_python_writer(postgresql):
    world = _tricky_world()
    # Python's "CET" keeps daylight saving; PostgreSQL's abbreviation is always +01:00
    db.session.execute(text("UPDATE employees SET timezone = 'CET' WHERE employee_number = 'P2'"))
    requirements_sql._ZONE_IS_SAFE.pop("CET", None)
    assert requirements_lines_query(RequirementFilters(), NOW) is None
    by_default = _bytes(_filters(world)[0], in_sql=True, app=postgresql)
    assert by_default == _bytes(_filters(world)[0], in_sql=False, app=postgresql)
    assert b'"CET"' in by_default


def test_python_path_on_any_database_writes_the_same_rows_as_the_records(app_ctx):
    world = _tricky_world()
    written = b"".join(csv_bytes(_filters(world)[1], NOW)).decode()
    rows = list(csv.reader(io.StringIO(written)))
    assert rows[0] == HEADER and len(rows) == 1 + 7 + 3 + 1  # whole, partial, nothing
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])


def test_the_cells_built_before_the_sort_can_be_built_by_parallel_workers(postgresql):
    # PostgreSQL 15 evaluates an expression holding a correlated subquery (the status's
    # "started", three or more assignments) above the Gather, in the leader: with one among
    # the cells built before the sort, every line was built by the leader alone. Asked to
    # run a parallel-safe query in a worker (force_parallel_mode), it puts a Gather on top
    # only when the whole query is parallel-safe
    _tricky_world()
    # the setting is force_parallel_mode up to PostgreSQL 15, debug_parallel_query from 16
    version = int(db.session.execute(text("SHOW server_version_num")).scalar_one())
    setting = "debug_parallel_query" if version >= 160000 else "force_parallel_mode"
    db.session.execute(text(f"SET LOCAL {setting} = on"))
    db.session.execute(text("SET LOCAL jit = off"))
    query = requirements_lines_query(RequirementFilters(), NOW)
    assert query is not None
    (sorted_rows,) = query.get_final_froms()
    before_sort = select(sorted_rows.c.head, sorted_rows.c.middle)
    connection = db.session.connection()
    compiled = before_sort.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw = connection.connection.dbapi_connection
    plan = raw.execute(
        "EXPLAIN (VERBOSE, FORMAT JSON) " + compiled.string, compiled.params
    ).fetchone()[0][0]["Plan"]
    assert plan["Node Type"] == "Gather", plan["Node Type"]


def test_copys_escapes_come_back_as_the_characters(postgresql):
    # COPY's text format writes backslashes and control characters as escapes; a title with
    # each of them (and a backslash and "n" that are not a line end) must come out as the
    # Python writer writes it
    _tricky_world()
    title = 'a\\b \\n\x08\x0b\x0c\tend\r\n"q"\\'
    db.session.execute(
        text("UPDATE employees SET job_title = :title WHERE employee_number = 'P1'"),
        {"title": title},
    )
    filters = RequirementFilters(include_unassigned=True)
    by_sql = _bytes(filters, in_sql=True, app=postgresql)
    assert by_sql == _bytes(filters, in_sql=False, app=postgresql)
    assert title.replace('"', '""').encode() in by_sql


def test_an_export_stopped_early_leaves_the_session_usable(postgresql, monkeypatch):
    # a client that goes away (or a cancelled job) closes the stream in the middle of COPY
    _tricky_world()
    monkeypatch.setattr(sql_export, "BATCH_ROWS", 1)
    chunks = csv_bytes(RequirementFilters(), NOW)
    next(chunks), next(chunks)
    chunks.close()
    assert db.session.scalar(select(Employee.id).where(Employee.employee_number == "P1"))
