"""``flask assignments create|preview|list|change|remove``: HR's assignments from the command
line, through the same services as the API and the pages (checked, materialised, audited).
Each command is one transaction (:class:`learnhub.core.transactions.CommandGroup`): it commits
once when it returns, and a refused or aborted command changes nothing.

The CLI acts as nobody in particular: its audit events have no actor (as every command's) and
its assignments no creator.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click
from sqlalchemy import func, select

from learnhub.assignments import preview as assignment_preview
from learnhub.assignments import services
from learnhub.assignments.cli import assignments_cli
from learnhub.assignments.describe import descriptions
from learnhub.assignments.models import (
    Assignment,
    AssignmentTarget,
    AudienceKind,
    DueKind,
)
from learnhub.catalog.models import Course, Module
from learnhub.core.errors import DomainError
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _spec_options(command: Callable) -> Callable:
    """The options that describe an assignment (create and preview share them)."""
    options = [
        click.argument("course"),
        click.option(
            "--module", "modules", multiple=True, help="A module's slug (repeat); none: all."
        ),
        click.option("--everyone", is_flag=True, help="Audience: every active employee."),
        click.option("--org-unit", "org_unit", help="Audience: the org unit with this code."),
        click.option("--no-sub-units", is_flag=True, help="With --org-unit: not its sub-units."),
        click.option("--job-role", "job_role", help="Audience: the job role with this HR code."),
        click.option(
            "--person", "people", multiple=True, help="Audience: an employee number (repeat)."
        ),
        click.option("--new-joiners", is_flag=True, help="Audience: people hired from today."),
        click.option(
            "--joiners-since", type=DATE, help="With --new-joiners: hired on or after this day."
        ),
        click.option("--due", "due", type=DATE, help="Fixed due date (YYYY-MM-DD)."),
        click.option("--due-days", "due_days", type=int, help="Relative due date: days after…"),
        click.option(
            "--after",
            type=click.Choice(["assignment", "hire"]),
            help="…the day it reaches the person (default) or their hire date "
            "(default with --new-joiners).",
        ),
        click.option("--renewal-window-days", default=30, show_default=True, type=int),
        click.option("--note", default="", help="A short note HR keeps with it."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _one_id(model: Any, column: Any, value: str, what: str) -> int:
    found = db.session.scalar(select(model.id).where(column == value))
    if found is None:
        raise click.UsageError(f"no {what} {value!r}")
    return int(found)


def _spec(options: dict[str, Any]) -> services.AssignmentSpec:
    """The spec from the options; UsageError when they name nothing known or ask for no
    audience, several audiences, or both kinds of due date."""
    audiences = [
        kind
        for kind, given in (
            (AudienceKind.EVERYONE, options["everyone"]),
            (AudienceKind.ORG_UNIT, options["org_unit"]),
            (AudienceKind.JOB_ROLE, options["job_role"]),
            (AudienceKind.PEOPLE, options["people"]),
            (AudienceKind.NEW_JOINERS, options["new_joiners"]),
        )
        if given
    ]
    if len(audiences) != 1:
        raise click.UsageError(
            "give one audience: --everyone, --org-unit, --job-role, --person or --new-joiners"
        )
    if (options["due"] is None) == (options["due_days"] is None):
        raise click.UsageError("give one due date: --due YYYY-MM-DD or --due-days N")
    [audience] = audiences
    course_id = _one_id(Course, Course.slug, options["course"], "course with the slug")
    modules = [
        _module_id(course_id, slug)  # a module's slug is unique within its course
        for slug in options["modules"]
    ]
    if options["due"] is not None:
        due_kind = DueKind.FIXED
    elif options["after"] == "hire" or (
        options["after"] is None and audience == AudienceKind.NEW_JOINERS
    ):
        due_kind = DueKind.AFTER_HIRE
    else:
        due_kind = DueKind.AFTER_ASSIGNMENT
    since = options["joiners_since"]
    return services.AssignmentSpec(
        course_id=course_id,
        audience=audience,
        due_kind=due_kind,
        due_date=options["due"].date() if options["due"] else None,
        due_days=options["due_days"],
        module_ids=modules,
        org_unit_id=(
            _one_id(OrgUnit, OrgUnit.code, options["org_unit"], "org unit with the code")
            if options["org_unit"]
            else None
        ),
        include_sub_units=not options["no_sub_units"],
        job_role_id=(
            _one_id(JobRole, JobRole.code, options["job_role"], "job role with the code")
            if options["job_role"]
            else None
        ),
        employee_ids=[
            _one_id(Employee, Employee.employee_number, n, "employee with the number")
            for n in options["people"]
        ],
        joiners_since=since.date() if since else None,
        renewal_window_days=options["renewal_window_days"],
        note=options["note"],
    )


def _module_id(course_id: int, slug: str) -> int:
    found = db.session.scalar(
        select(Module.id).where(Module.course_id == course_id, Module.slug == slug)
    )
    if found is None:
        raise click.UsageError(f"the course has no module {slug!r}")
    return int(found)


def _refused(error: DomainError) -> click.ClickException:
    lines = [str(error.message), *(f"  {issue}" for issue in getattr(error, "errors", []))]
    return click.ClickException("\n".join(lines))


def _show_preview(spec: services.AssignmentSpec) -> assignment_preview.Preview:
    try:
        shown = assignment_preview.preview(spec)
    except DomainError as error:
        raise _refused(error) from error
    click.echo(
        f"People: {shown.people} (already completed: {shown.already_completed}; already "
        f"required by another assignment: {shown.already_required})"
    )
    click.echo(
        f"To do: {shown.to_do} people x {shown.minutes_each} min = "
        f"{shown.learning_hours} learning hours"
    )
    if shown.due_from_assignment:
        click.echo(
            f"Hired too long ago for the due date: {shown.due_from_assignment} (due the same "
            "number of days after the assignment instead)"
        )
    return shown


@assignments_cli.command("preview")
@_spec_options
def preview(**options: Any) -> None:
    """What assigning COURSE (a slug) would do: people reached, already completed, learning
    hours. Changes nothing."""
    _show_preview(_spec(options))
    db.session.rollback()


@assignments_cli.command("create")
@_spec_options
@click.option("--preview", "only_preview", is_flag=True, help="Show the preview; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def create(only_preview: bool, yes: bool, **options: Any) -> None:
    """Assign COURSE (a slug), or some of its modules, to an audience with a due date. Shows
    the preview first and asks for confirmation (unless --yes)."""
    spec = _spec(options)
    _show_preview(spec)
    if only_preview:
        db.session.rollback()
        click.echo("Preview only: nothing changed.")
        return
    if not yes:
        click.confirm("Create this assignment?", abort=True)
    try:
        assignment = services.create_assignment(spec, created_by_id=None)
    except DomainError as error:
        raise _refused(error) from error
    reached = _reached([assignment.id]).get(assignment.id, 0)
    click.echo(f"Assignment {assignment.id} created: {_describe(assignment.id)}; {reached} people")


def _reached(ids: list[int]) -> dict[int, int]:
    """People each assignment reaches now (one grouped query)."""
    rows = db.session.execute(
        select(AssignmentTarget.assignment_id, func.count())
        .where(AssignmentTarget.assignment_id.in_(ids))
        .group_by(AssignmentTarget.assignment_id)
    )
    return {ident: count for ident, count in rows}


def _describe(assignment_id: int) -> str:
    return descriptions([assignment_id])[assignment_id]


@assignments_cli.command("list")
@click.option("--course", help="Only this course (its slug).")
@click.option("--all", "everything", is_flag=True, help="Removed assignments too.")
def list_(course: str | None, everything: bool) -> None:
    """The assignments, newest first: id, course, modules, audience, due date, people reached
    now, created (and removed) on."""
    query = select(Assignment).order_by(Assignment.created_at.desc(), Assignment.id.desc())
    if course:
        query = query.where(
            Assignment.course_id == _one_id(Course, Course.slug, course, "course with the slug")
        )
    if not everything:
        query = query.where(Assignment.removed_at.is_(None))
    found = list(db.session.scalars(query))
    ids = [a.id for a in found]
    words, reached = descriptions(ids, numbered=False), _reached(ids)
    for a in found:
        modules = f" modules {','.join(map(str, a.module_ids))}" if a.module_ids else ""
        removed = f", removed {a.removed_at:%Y-%m-%d}" if a.removed_at else ""
        click.echo(
            f"{a.id}\t{a.course.slug}{modules}\t{words[a.id]}\t"
            f"{reached.get(a.id, 0)} people\tcreated {a.created_at:%Y-%m-%d}{removed}"
        )
    if not found:
        click.echo("No assignments.")


def _assignment(assignment_id: int) -> Assignment:
    try:
        return services.get_assignment(assignment_id)
    except DomainError as error:
        raise _refused(error) from error


@assignments_cli.command("change")
@click.argument("assignment_id", type=int)
@click.option("--due", "due", type=DATE, help="New fixed due date (a fixed assignment).")
@click.option("--due-days", "due_days", type=int, help="New number of days (a relative one).")
@click.option("--renewal-window-days", type=int)
def change(
    assignment_id: int, due: Any, due_days: int | None, renewal_window_days: int | None
) -> None:
    """Change an assignment's due date or days, or its renewal window: everyone's due date is
    counted again in their own time zone."""
    if due is None and due_days is None and renewal_window_days is None:
        raise click.UsageError("give --due, --due-days or --renewal-window-days")
    assignment = _assignment(assignment_id)
    day: date | None = due.date() if due else None
    try:
        services.change_due(
            assignment, due_date=day, due_days=due_days, renewal_window_days=renewal_window_days
        )
    except DomainError as error:
        raise _refused(error) from error
    click.echo(f"Assignment {assignment.id} changed: {_describe(assignment.id)}")


@assignments_cli.command("remove")
@click.argument("assignment_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove(assignment_id: int, yes: bool) -> None:
    """Remove an assignment: it reaches nobody any more, and the requirements only it gave
    go (completions stay). Removing twice changes nothing."""
    assignment = _assignment(assignment_id)
    if assignment.removed_at is not None:
        click.echo(f"Assignment {assignment.id} was already removed.")
        return
    reached = _reached([assignment.id]).get(assignment.id, 0)
    click.echo(f"Assignment {assignment.id}: {_describe(assignment.id)}; {reached} people")
    if not yes:
        click.confirm("Remove it?", abort=True)
    released = services.remove_assignment(assignment)
    click.echo(f"Assignment {assignment.id} removed: {released} people released")
