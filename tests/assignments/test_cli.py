"""``flask assignments create|preview|list|change|remove``: the services from the command line,
one transaction per command (a refused or unconfirmed command changes nothing), audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from learnhub.assignments.models import Assignment, AssignmentTarget, Requirement
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from tests.factories import CourseFactory, EmployeeFactory, ModuleFactory, OrgUnitFactory

NOW = "2027-01-10 12:00:00"


@pytest.fixture
def world(app):
    """A course of two modules; Benefits (code BEN) with the sub-unit Casework: Ann in
    Benefits, Bo in Casework; Cy in Finance with job role CASE_OFF."""
    with app.app_context():
        course = CourseFactory(slug="data-protection-cli")
        first = ModuleFactory(course=course, slug="basics", minutes=30)
        ModuleFactory(course=course, slug="advanced", minutes=15)
        benefits = OrgUnitFactory(code="BEN", name="Benefits")
        casework = OrgUnitFactory(code="CASEWORK", name="Casework", parent_id=benefits.id)
        finance = OrgUnitFactory(code="FIN", name="Finance")
        ann = EmployeeFactory(employee_number="E1", org_unit=benefits)
        bo = EmployeeFactory(employee_number="E2", org_unit=casework)
        cy = EmployeeFactory(employee_number="E3", org_unit=finance, job_code="CASE_OFF")
        db.session.commit()
        return {"course": course.slug, "module": first.id, "ids": (ann.id, bo.id, cy.id)}


def _run(app, *args: str, input: str | None = None):
    with freeze_time(NOW):
        return app.test_cli_runner().invoke(args=["assignments", *args], input=input)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_previews_asks_and_creates_once(app, world):
    unit = [world["course"], "--org-unit", "BEN", "--due", "2027-03-31"]
    shown = _run(app, "create", *unit, "--preview")
    assert shown.exit_code == 0, shown.output
    assert "People: 2 (already completed: 0;" in shown.output
    assert "To do: 2 people x 45 min = 1.5 learning hours" in shown.output
    assert shown.output.strip().endswith("Preview only: nothing changed.")
    assert _count(app, Assignment) == 0

    declined = _run(app, "create", *unit, input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert _count(app, Assignment) == 0 and _count(app, Requirement) == 0

    made = _run(app, "create", *unit, "--module", "basics", "--yes")
    assert made.exit_code == 0, made.output
    with app.app_context():
        assignment = db.session.scalar(select(Assignment))
        requirements = db.session.scalars(select(Requirement)).all()
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("assignment.%")))
        assert made.output.strip().endswith(
            f"Assignment {assignment.id} created: #{assignment.id} org unit Benefits with "
            "sub-units, due 2027-03-31; 2 people"
        )
        assert sorted(r.employee_id for r in requirements) == sorted(world["ids"][:2])
        assert {r.module_id for r in requirements} == {world["module"]}
        # the CLI commits once; its audit event has no actor, and says what and for whom
        assert (event.action, event.actor_id, event.target) == (
            "assignment.create",
            None,
            f"assignment:{assignment.id}",
        )
        assert event.details["module_ids"] == [world["module"]]
        assert event.at == datetime(2027, 1, 10, 12, tzinfo=UTC)


def test_preview_command_and_other_audiences(app, world):
    shown = _run(app, "preview", world["course"], "--job-role", "CASE_OFF", "--due-days", "30")
    assert shown.exit_code == 0, shown.output
    assert "People: 1 (already completed: 0;" in shown.output
    assert _count(app, Assignment) == 0
    people = _run(
        app, "create", world["course"], "--person", "E1", "--person", "E3", "--due-days", "7"
    )
    assert people.exit_code == 1 and "Aborted" in people.output  # no input: not confirmed
    joiners = _run(app, "create", world["course"], "--new-joiners", "--due-days", "30", "--yes")
    assert joiners.exit_code == 0, joiners.output
    assert "new joiners hired from 2027-01-10, due 30 days after hire" in joiners.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--everyone", "--due-days", "3"], "no course with the slug 'nope'"),
        (["{course}", "--due-days", "3"], "give one audience"),
        (["{course}", "--everyone", "--org-unit", "BEN", "--due-days", "3"], "give one audience"),
        (["{course}", "--everyone"], "give one due date"),
        (["{course}", "--org-unit", "NOPE", "--due-days", "3"], "no org unit with the code"),
        (["{course}", "--person", "E404", "--due-days", "3"], "no employee with the number"),
        (["{course}", "--everyone", "--module", "x", "--due-days", "3"], "no module 'x'"),
    ],
)
def test_options_that_name_nothing_are_usage_errors(app, world, args, message):
    result = _run(app, "create", *[a.format(course=world["course"]) for a in args], "--yes")
    assert result.exit_code == 2 and message in result.output
    assert _count(app, Assignment) == 0


def test_a_refused_assignment_names_the_field_and_changes_nothing(app, world):
    result = _run(app, "create", world["course"], "--everyone", "--due", "2027-01-01", "--yes")
    assert result.exit_code == 1
    assert "due_date: 2027-01-01 is in the past (today: 2027-01-10)" in result.output
    assert _count(app, Assignment) == 0 and _count(app, AuditEvent) == 0


def test_list_change_and_remove(app, world):
    assert _run(app, "list").output.strip() == "No assignments."
    _run(
        app,
        "create",
        world["course"],
        "--everyone",
        "--due-days",
        "30",
        "--note",
        "Yearly",
        "--yes",
    )
    with app.app_context():
        ident = db.session.scalar(select(Assignment.id))
    listed = _run(app, "list").output
    assert listed.startswith(
        f"{ident}\t{world['course']}\teveryone, due 30 days after assignment (Yearly)\t3 people"
    )
    changed = _run(app, "change", str(ident), "--due-days", "45")
    assert changed.exit_code == 0, changed.output
    assert "due 45 days after assignment" in changed.output
    wrong = _run(app, "change", str(ident), "--due", "2027-05-01")
    assert wrong.exit_code == 1 and "due_date: this assignment's due date is relative" in (
        wrong.output
    )
    with app.app_context():
        due = db.session.scalars(select(Requirement.due_at)).all()
    assert set(due) == {datetime(2027, 2, 25, tzinfo=UTC)}  # 10 January + 45 days, UTC people

    kept = _run(app, "remove", str(ident), input="n\n")
    assert kept.exit_code == 1 and _count(app, Requirement) == 3
    removed = _run(app, "remove", str(ident), "--yes")
    assert removed.output.strip().endswith(f"Assignment {ident} removed: 3 people released")
    assert _count(app, Requirement) == 0 and _count(app, AssignmentTarget) == 0
    assert "already removed" in _run(app, "remove", str(ident), "--yes").output
    assert _run(app, "list").output.strip() == "No assignments."
    assert ", removed 2027-01-10" in _run(app, "list", "--all").output
    missing = _run(app, "remove", "999999", "--yes")
    assert missing.exit_code == 1 and "no assignment has id 999999" in missing.output
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["assignment.create", "assignment.change", "assignment.remove"]
