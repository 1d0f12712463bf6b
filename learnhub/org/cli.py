"""``flask org import FILE``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db

org_cli = click.Group("org", help="The organisation: HR imports.")


@org_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON file {field: column header}; default: a preset recognised from the header.",
)
@click.option(
    "--source",
    default="hr",
    show_default=True,
    help="Import profile name (which HR source these people come from).",
)
@click.option("--dry-run", is_flag=True, help="Validate and say what would change; change nothing.")
@with_appcontext
def import_(file: Path, mapping: Path | None, source: str, dry_run: bool) -> None:
    """Import employees, departments, job roles and reporting lines from an HR CSV export."""
    from learnhub.core.audit import audit
    from learnhub.org.hr_import import apply_import, plan_import
    from learnhub.org.signals import people_changed

    try:
        plan = plan_import(file.read_bytes(), source=source, mapping_file=mapping)
    except ValidationFailed as error:
        raise click.ClickException(f"{file}: {error}") from error
    summary = plan.summary()
    click.echo(
        f"{file}: {summary['rows']} rows; added {summary['added']}, updated "
        f"{summary['updated']}, unchanged {summary['unchanged']}"
    )
    if dry_run:
        click.echo("Dry run: nothing changed.")
        return
    old_managers = _managers_of(plan.updated)
    apply_import(plan)
    changed = plan.added + plan.updated
    if changed:
        people_changed.send(None, employee_ids=_ids(changed), manager_ids=old_managers)
        audit("org_import", target=str(file.name), source=source, **summary)
    db.session.commit()


def _ids(numbers: list[str]) -> list[int]:
    from sqlalchemy import select

    from learnhub.org.models import Employee

    return list(
        db.session.scalars(select(Employee.id).where(Employee.employee_number.in_(numbers)))
    )


def _managers_of(numbers: list[str]) -> list[int]:
    from sqlalchemy import select

    from learnhub.org.models import Employee
    from learnhub.org.services import manager_chain_ids

    if not numbers:
        return []
    ids = db.session.scalars(select(Employee.id).where(Employee.employee_number.in_(numbers)))
    return sorted(manager_chain_ids(ids))
