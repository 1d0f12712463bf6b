"""The two ways an HR import writes (PostgreSQL's bulk COPY path and the portable Core path that
SQLite uses) leave the same organisation: the same files run through both on PostgreSQL, and
the resulting tables are compared (by employee number: the ids differ by design)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import aliased

import learnhub.org.hr_import.apply as apply_module
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import, staging
from learnhub.org.models import Employee, JobRole, OrgUnit, ReportingLine

HEADER = (
    "employee_number,first_name,last_name,email,job_code,job_title,org_unit,org_unit_parent,"
    "manager_employee_number,hire_date\n"
)
FIRST = (
    "1,Ann,Top,ann@x.org,SVC_MGR,Head,Office,,,2001-02-03\n"
    "2,Bob,Mid,bob@x.org,CASE_OFF,Officer,North,Office,1,2010-01-01\n"
    "3,Cy,Mid,cy@x.org,CASE_OFF,,South,Office,1,\n"
    "4,Di,Low,di@x.org,DATA_AN,Analyst,North,Office,2,2020-12-31\n"
    "5,Ed,Low,ed@x.org,DATA_AN,Analyst,North,Office,4,2021-06-30\n"
    "6,Fay,Low,fay@x.org,CASE_OFF,Officer,South,Office,3,2022-07-01\n"
    "7,Gus,Low,Gus@X.org,CASE_OFF,Officer,South,Office,6,\n"
)
#: 7 leaves; 4 (with 5 below) moves from Bob to Cy; Bob and Cy swap emails; Fay renamed and
#: re-titled; South moves under North; two new people, one reporting to the other
SECOND = (
    "1,Ann,Top,ann@x.org,SVC_MGR,Head,Office,,,2001-02-03\n"
    "2,Bob,Mid,cy@x.org,CASE_OFF,Officer,North,Office,1,2010-01-01\n"
    "3,Cy,Mid,bob@x.org,CASE_OFF,,South,North,1,\n"
    "4,Di,Low,di@x.org,DATA_AN,Analyst,North,Office,3,2020-12-31\n"
    "5,Ed,Low,ed@x.org,DATA_AN,Analyst,North,Office,4,2021-06-30\n"
    "6,Fay,Wed,fay@x.org,HR_OFF,HR Officer,South,North,3,2022-07-01\n"
    "9,Ivy,New,ivy@x.org,NEW_CODE,Newcomer,East,Office,8,2026-01-05\n"
    "8,Hal,New,hal@x.org,CASE_OFF,Officer,East,Office,1,2026-01-04\n"
)
#: a delta file without the optional columns: only names and managers change
DELTA_HEADER = "employee_number,first_name,last_name,email,manager_employee_number\n"
DELTA = "5,Ed,Low-Smith,ed@x.org,2\n10,Jo,Newer,jo@x.org,9\n"


def _state() -> dict:
    manager = aliased(Employee)
    people = {
        row[0]: tuple(row[1:])
        for row in db.session.execute(
            select(
                Employee.employee_number,
                Employee.first_name,
                Employee.last_name,
                Employee.email,
                Employee.job_title,
                JobRole.code,
                OrgUnit.name,
                manager.employee_number,
                Employee.hire_date,
                Employee.active,
                Employee.left_at.is_not(None),
                Employee.source,
            )
            .outerjoin(JobRole, Employee.job_role_id == JobRole.id)
            .outerjoin(OrgUnit, Employee.org_unit_id == OrgUnit.id)
            .outerjoin(manager, Employee.manager_id == manager.id)
        )
    }
    above, below = aliased(Employee), aliased(Employee)
    lines = set(
        db.session.execute(
            select(above.employee_number, below.employee_number, ReportingLine.depth)
            .join(above, above.id == ReportingLine.ancestor_id)
            .join(below, below.id == ReportingLine.descendant_id)
        ).all()
    )
    parent = aliased(OrgUnit)
    units = set(
        db.session.execute(
            select(OrgUnit.name, OrgUnit.code, parent.name).outerjoin(
                parent, OrgUnit.parent_id == parent.id
            )
        ).all()
    )
    roles = set(db.session.execute(select(JobRole.code, JobRole.title)).all())
    return {"people": people, "lines": lines, "units": units, "roles": roles}


def _run_all(monkeypatch: pytest.MonkeyPatch, *, bulk: bool) -> list[tuple[dict, dict]]:
    """Every file in turn in one transaction (rolled back by the caller): each one's summary
    and the tables after it."""
    with monkeypatch.context() as patched:
        if not bulk:
            patched.setattr(apply_module, "is_postgresql", lambda: False)
            patched.setattr(staging, "enabled", lambda: False)
        steps = []
        for header, body, mode, source in (
            (HEADER, FIRST, "full", "hr"),
            (HEADER, FIRST, "full", "hr"),
            (HEADER, SECOND, "full", "hr"),
            (DELTA_HEADER, DELTA, "delta", "hr"),
            # an empty source name is stored as "" (never NULL) by both
            (HEADER, "11,Kim,Solo,kim@x.org,,,,,,\n", "delta", ""),
        ):
            plan = plan_import((header + body).encode(), mode=mode, source=source)
            summary = apply_import(plan)
            db.session.flush()
            db.session.expire_all()
            steps.append((summary, _state()))
        return steps


def test_the_bulk_and_the_portable_path_leave_the_same_tables(app_ctx, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the bulk path is PostgreSQL's (LEARNHUB_TEST_DATABASE_URL)")
    bulk = _run_all(monkeypatch, bulk=True)
    db.session.rollback()
    portable = _run_all(monkeypatch, bulk=False)
    db.session.rollback()
    for number, ((bulk_summary, bulk_state), (summary, state)) in enumerate(
        zip(bulk, portable, strict=True), start=1
    ):
        assert bulk_summary == summary, f"file {number}"
        for table in ("people", "lines", "units", "roles"):
            assert bulk_state[table] == state[table], f"file {number}: {table}"
    # the files did what they say (so the comparison is not of two empty results)
    people = bulk[-1][1]["people"]
    assert people["7"][8:10] == (False, True)  # Gus left
    assert people["2"][2] == "cy@x.org" and people["3"][2] == "bob@x.org"
    assert people["5"][1] == "Low-Smith" and people["5"][6] == "2"
    assert people["5"][4:6] == ("DATA_AN", "North")  # absent columns stay as they were
    assert ("8", "10", 2) in bulk[-1][1]["lines"]
    assert ("North", "north", "Office") in bulk[-1][1]["units"]
    assert ("South", "south", "North") in bulk[-1][1]["units"]
    assert [summary for summary, _state in bulk] == [
        {"rows": 7, "added": 7, "updated": 0, "unchanged": 0, "left": 0},
        {"rows": 7, "added": 0, "updated": 0, "unchanged": 7, "left": 0},
        {"rows": 8, "added": 2, "updated": 4, "unchanged": 2, "left": 1},
        {"rows": 2, "added": 1, "updated": 1, "unchanged": 0, "left": 0},
        {"rows": 1, "added": 1, "updated": 0, "unchanged": 0, "left": 0},
    ]
    assert people["11"][3:] == (None, None, None, None, None, True, False, "")
