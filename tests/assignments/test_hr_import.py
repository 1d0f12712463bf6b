"""Rules through a real HR import (issue 10: "rule materialisation after an HR import (joiner,
mover, leaver)"): ``flask org import`` of a file in the learnhub preset, full sync. The joiner
gets the requirements of the rules that reach them, with their own due dates; the mover drops
the old unit's and role's and gets the new unit's; the leaver drops out; all of it in the
import's one transaction, so a failing import changes nothing, requirements included. And the
audit events of assignments: who, what, for whom, when."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from flask_login import login_user
from freezegun import freeze_time
from sqlalchemy import select

from learnhub.assignments import services
from learnhub.assignments.models import AssignmentTarget, AudienceKind, DueKind, Requirement
from learnhub.auth import services as auth
from learnhub.catalog.models import Course
from learnhub.core.audit import AuditEvent
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit
from learnhub.org.signals import people_left
from learnhub.reports.requirements import HEADER, RequirementFilters, requirement_records
from tests.factories import CourseFactory, EmployeeFactory, ModuleFactory

HEADER_ROW = (
    "employee_number,first_name,last_name,email,job_code,job_title,org_unit,org_unit_parent,"
    "manager_employee_number,hire_date\n"
)
# Benefits Casework sits below Benefits, which sits below the Directorate, as does Finance
BEFORE = (
    "1,Ann,Head,ann@x.org,SVC_MGR,Head of service,Directorate,,,2015-03-01\n"
    "2,Bob,Stays,bob@x.org,CASE_OFF,Case officer,Benefits Casework,Benefits,1,2020-05-01\n"
    "3,Cy,Moves,cy@x.org,CASE_OFF,Case officer,Benefits Casework,Benefits,1,2021-06-01\n"
    "4,Di,Leaves,di@x.org,CASE_OFF,Case officer,Benefits,Directorate,1,2019-01-01\n"
    "5,Ed,Counts,ed@x.org,ACCT,Accountant,Finance,Directorate,1,2018-01-01\n"
)
# Fay joins Benefits Casework (hired 25 January); Cy moves to Finance as an accountant; Di
# is missing from the file, so this full sync makes her a leaver
AFTER = (
    BEFORE.replace(
        "3,Cy,Moves,cy@x.org,CASE_OFF,Case officer,Benefits Casework,Benefits,1,2021-06-01",
        "3,Cy,Moves,cy@x.org,ACCT,Accountant,Finance,Directorate,1,2021-06-01",
    ).replace("4,Di,Leaves,di@x.org,CASE_OFF,Case officer,Benefits,Directorate,1,2019-01-01\n", "")
    + "6,Fay,Joins,fay@x.org,CASE_OFF,Case officer,Benefits Casework,Benefits,1,2027-01-25\n"
)


def _import(app, tmp_path: Path, body: str, name: str):
    path = tmp_path / name
    path.write_text(HEADER_ROW + body, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["org", "import", str(path), "--mode", "full"])


def _id(model, column, value) -> int:
    return db.session.scalar(select(model.id).where(column == value))


def _rules(app, tmp_path: Path) -> dict[str, int]:
    """The organisation as HR imports it, three courses and four rules:
    data protection for Benefits with its sub-units (30 days after assignment) and for every
    new joiner (30 days after hire); security for every case officer (fixed 30 June); finance
    rules for Finance (fixed 30 April)."""
    with freeze_time("2027-01-10 12:00:00"):
        first = _import(app, tmp_path, BEFORE, "before.csv")
        assert first.exit_code == 0, first.output
        with app.app_context():
            courses = {}
            for slug in ("data-protection", "security", "finance-rules"):
                course = CourseFactory(slug=f"{slug}-hr")
                ModuleFactory(course=course)
                courses[slug] = course.id
            benefits = _id(OrgUnit, OrgUnit.name, "Benefits")
            finance = _id(OrgUnit, OrgUnit.name, "Finance")
            case_officer = _id(JobRole, JobRole.code, "CASE_OFF")
            specs = {
                "unit": services.AssignmentSpec(
                    course_id=courses["data-protection"],
                    audience=AudienceKind.ORG_UNIT,
                    org_unit_id=benefits,
                    include_sub_units=True,
                    due_kind=DueKind.AFTER_ASSIGNMENT,
                    due_days=30,
                ),
                "joiners": services.AssignmentSpec(
                    course_id=courses["data-protection"],
                    audience=AudienceKind.NEW_JOINERS,
                    due_kind=DueKind.AFTER_HIRE,
                    due_days=30,
                ),
                "role": services.AssignmentSpec(
                    course_id=courses["security"],
                    audience=AudienceKind.JOB_ROLE,
                    job_role_id=case_officer,
                    due_kind=DueKind.FIXED,
                    due_date=date(2027, 6, 30),
                ),
                "finance": services.AssignmentSpec(
                    course_id=courses["finance-rules"],
                    audience=AudienceKind.ORG_UNIT,
                    org_unit_id=finance,
                    due_kind=DueKind.FIXED,
                    due_date=date(2027, 4, 30),
                ),
            }
            ids = {
                k: services.create_assignment(s, created_by_id=None).id for k, s in specs.items()
            }
            db.session.commit()
    return ids | {f"course:{k}": v for k, v in courses.items()}


def _required_now() -> dict[str, dict[str, datetime]]:
    """{employee number: {course slug: due instant}} of every requirement, in this session."""
    rows = db.session.execute(
        select(Employee.employee_number, Course.slug, Requirement.due_at)
        .join(Employee, Employee.id == Requirement.employee_id)
        .join(Course, Course.id == Requirement.course_id)
    ).all()
    found: dict[str, dict[str, datetime]] = {}
    for number, slug, due in rows:
        found.setdefault(number, {})[slug.removesuffix("-hr")] = due
    return found


def _required(app) -> dict[str, dict[str, datetime]]:
    with app.app_context():
        return _required_now()


def test_joiner_mover_and_leaver_through_a_real_import(app, tmp_path):
    ids = _rules(app, tmp_path)
    # the end of 9 February in Brussels (the organisation's zone: no zone in the HR file)
    in_30_days = datetime(2027, 2, 9, 23, tzinfo=UTC)
    june, april = datetime(2027, 6, 30, 22, tzinfo=UTC), datetime(2027, 4, 30, 22, tzinfo=UTC)
    assert _required(app) == {
        "2": {"data-protection": in_30_days, "security": june},
        "3": {"data-protection": in_30_days, "security": june},
        "4": {"data-protection": in_30_days, "security": june},
        "5": {"finance-rules": april},
    }

    with freeze_time("2027-02-01 08:00:00"):
        second = _import(app, tmp_path, AFTER, "after.csv")
    assert second.exit_code == 0, second.output
    assert "added 1, updated 1, unchanged 3, left 1" in second.output
    required = _required(app)
    # Fay: data protection from two rules, due at the earlier (25 January + 30 days, before
    # 1 February + 30 days), and security as a case officer
    assert required["6"] == {
        "data-protection": datetime(2027, 2, 24, 23, tzinfo=UTC),
        "security": june,
    }
    # Cy moved to Finance: Benefits' and case officers' requirements gone, Finance's added
    assert required["3"] == {"finance-rules": april}
    assert "4" not in required  # Di left
    assert required["2"] == {"data-protection": in_30_days, "security": june}  # Bob: unchanged
    with app.app_context():
        di = db.session.scalar(select(Employee).where(Employee.employee_number == "4"))
        assert di.active is False
        assert (
            db.session.scalar(
                select(AssignmentTarget.assignment_id).where(AssignmentTarget.employee_id == di.id)
            )
            is None
        )
        # the export names both rules on Fay's one data-protection row
        rows = [
            dict(zip(HEADER, row, strict=True))
            for row in list(requirement_records(RequirementFilters(), utcnow()))[1:]
        ]
    fay = [r for r in rows if r["employee_number"] == "6"]
    by_ids = {tuple(r["assignment_ids"]): r for r in fay}
    assert set(by_ids) == {(ids["unit"], ids["joiners"]), (ids["role"],)}
    joined = by_ids[(ids["unit"], ids["joiners"])]
    assert (joined["due_date"], joined["time_zone"]) == (date(2027, 2, 24), "Europe/Brussels")
    assert joined["assigned_on"] == date(2027, 2, 1)
    assert [r["employee_number"] for r in rows].count("4") == 0


def test_a_failing_import_changes_nothing_requirements_included(app, tmp_path):
    _rules(app, tmp_path)
    before = _required(app)

    inside: list[dict] = []

    def fails(_sender, **_kwargs):  # the last receiver of the import's signals
        inside.append(_required_now())
        raise RuntimeError("the import fails after the rules were applied")

    with freeze_time("2027-02-01 08:00:00"), people_left.connected_to(fails):
        failed = _import(app, tmp_path, AFTER, "after.csv")
    assert failed.exit_code == 1 and isinstance(failed.exception, RuntimeError)
    # inside the import's transaction the rules had followed Fay, Cy and Di …
    assert "6" in inside[0] and "4" not in inside[0] and inside[0]["3"].keys() == {"finance-rules"}
    # … and the failure took all of it back with the import
    assert _required(app) == before
    with app.app_context():
        numbers = db.session.scalars(select(Employee.employee_number).order_by(Employee.id))
        assert list(numbers) == ["1", "2", "3", "4", "5"]  # no Fay; Di still there
        assert db.session.scalar(select(Employee.active).where(Employee.employee_number == "4"))
    # the same file, once nothing fails, applies everything
    with freeze_time("2027-02-01 08:00:00"):
        assert _import(app, tmp_path, AFTER, "after.csv").exit_code == 0
    assert set(_required(app)) == {"2", "3", "5", "6"}


@freeze_time("2027-01-10 12:00:00")
def test_audit_events_name_who_what_for_whom_and_when(app):
    with app.app_context():
        hr = EmployeeFactory(password="a-test-password", roles=["hr"])
        person = EmployeeFactory()
        course = CourseFactory()
        module = ModuleFactory(course=course)
        db.session.commit()
        hr_id, person_id, course_id, module_id = hr.id, person.id, course.id, module.id
    with app.test_request_context("/api/v1/assignments", method="POST"):
        login_user(auth.account_for(db.session.get(Employee, hr_id)))
        assignment = services.create_assignment(
            services.AssignmentSpec(
                course_id=course_id,
                audience=AudienceKind.PEOPLE,
                employee_ids=[person_id],
                module_ids=[module_id],
                due_kind=DueKind.FIXED,
                due_date=date(2027, 3, 31),
            ),
            created_by_id=hr_id,
        )
        services.change_due(assignment, due_date=date(2027, 4, 30))
        services.remove_assignment(assignment)
        db.session.commit()
        target = f"assignment:{assignment.id}"
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [
        "assignment.create",
        "assignment.change",
        "assignment.remove",
    ]
    whom = {
        "course_id": course_id,
        "audience": "people",
        "module_ids": [module_id],
        "employee_ids": [person_id],
        "org_unit_id": None,
        "job_role_id": None,
    }
    for event in events:
        # who (the signed-in HR officer), when, which assignment, what and for whom
        assert (event.actor_id, event.at, event.target) == (
            hr_id,
            datetime(2027, 1, 10, 12, tzinfo=UTC),
            target,
        )
        assert {k: event.details[k] for k in whom} == whom
    create, change, remove = (e.details for e in events)
    assert (create["due"], create["people_reached"]) == ("fixed 2027-03-31", 1)
    assert change["before"]["due"] == "fixed 2027-03-31"
    assert change["after"]["due"] == "fixed 2027-04-30"
    assert remove["people_released"] == 1


def test_people_reached_is_counted_on_every_database(app_ctx):
    course = CourseFactory()
    ModuleFactory(course=course)
    EmployeeFactory.create_batch(2)
    with freeze_time("2027-01-10 12:00:00"):
        spec = services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.EVERYONE,
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=10,
        )
        assignment = services.create_assignment(spec, created_by_id=None)
        assert services.remove_assignment(assignment) == 2
    details = db.session.scalars(select(AuditEvent.details).order_by(AuditEvent.id)).all()
    assert [d.get("people_reached", d.get("people_released")) for d in details] == [2, 2]
