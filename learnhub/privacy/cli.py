"""``flask privacy …``: a subject access export, erase one person on request, set or lift a
legal hold, and the retention run (also run daily by Celery beat)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from learnhub.core.errors import DomainError, NotFound
from learnhub.extensions import db
from learnhub.privacy import erasure, subject_access

privacy_cli = click.Group(
    "privacy", help="Subject access exports, erasure on request, legal holds and retention."
)


@privacy_cli.command("export")
@click.argument("employee_number")
@click.option("--reason", required=True, help="The request's reference (kept in the audit log).")
@with_appcontext
def export(employee_number: str, reason: str) -> None:
    """Produce the subject access export of a person (GDPR articles 15 and 20): a ZIP under
    the instance folder, made by the job privacy.subject_access_export."""
    try:
        row = subject_access.request_export(
            erasure.find_person(employee_number), reason, actor_id=None
        )
    except (DomainError, NotFound) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    request_id = row.id
    db.session.commit()  # the job is queued after this commit (eagerly without a broker)
    row = subject_access.get_request(request_id)
    db.session.refresh(row)
    path = subject_access.file_path(row)
    if row.status.value == "ready" and path is not None:
        click.echo(f"Request {row.id}: {path} ({row.size_bytes} bytes, sha256 {row.sha256}).")
        click.echo(f"It is deleted after {row.expires_at:%Y-%m-%d %H:%M} UTC.")
    else:
        click.echo(f"Request {row.id} is {row.status.value}; a worker produces it.")


@privacy_cli.command("erase")
@click.argument("employee_number")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
@with_appcontext
def erase(employee_number: str, reason: str) -> None:
    """Erase the personal data of a person who has left (GDPR article 17)."""
    try:
        done = erasure.erase_person(erasure.find_person(employee_number), reason, actor_id=None)
    except (DomainError, NotFound) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"Erased person {done.employee_id}: {done.responses} responses cleared, "
        f"{done.statements} xAPI statements pseudonymised, {done.emails} queued emails deleted, "
        f"{done.credentials} credentials revoked."
    )


@privacy_cli.command("hold")
@click.argument("employee_number")
@click.option("--on/--off", "on", default=True, help="Set (default) or lift the hold.")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
@with_appcontext
def hold(employee_number: str, on: bool, reason: str) -> None:
    """Set or lift a legal hold, which stops erasure."""
    try:
        erasure.set_legal_hold(erasure.find_person(employee_number), on, reason, actor_id=None)
    except (DomainError, NotFound) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Legal hold {'set' if on else 'lifted'} for {employee_number}.")


@privacy_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="List who would be erased; change nothing.")
@with_appcontext
def retention(dry_run: bool) -> None:
    """Erase leavers whose retention period (LEARNHUB_RETENTION_YEARS) has ended."""
    due = erasure.due_for_erasure()
    if dry_run:
        for person in due:
            click.echo(f"{person.employee_number}\tleft {person.left_at:%Y-%m-%d}")
        click.echo(f"{len(due)} to erase (dry run: nothing changed).")
        return
    done = erasure.erase_expired()
    db.session.commit()
    click.echo(f"{len(done)} leavers erased.")
