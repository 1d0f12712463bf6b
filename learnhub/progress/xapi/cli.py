"""``flask xapi ...``: the forwarding backlog, sending it now, and the statement export.
Each command commits once, or not at all on error."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import current_app

from learnhub.core.audit import audit
from learnhub.core.errors import DomainError
from learnhub.core.models import utcnow
from learnhub.core.transactions import CommandGroup
from learnhub.progress.xapi.export import resolve_filter, statements_jsonl
from learnhub.progress.xapi.forwarding import backlog, send_due

xapi_cli = CommandGroup("xapi", help="xAPI statements: forwarding to the LRS and export.")


@xapi_cli.command("status")
def status_command() -> None:
    """Say where the LRS forwarding stands: the LRS, statements waiting, the oldest's age,
    how many failed at least once and the last error."""
    state = backlog()
    url = current_app.config.get("LEARNHUB_LRS_URL")
    age = None if state.oldest is None else round((utcnow() - state.oldest).total_seconds(), 1)
    click.echo(f"LRS: {url or 'not configured (statements are kept in LearnHub only)'}")
    click.echo(f"pending: {state.pending}")
    click.echo(f"oldest_age_seconds: {age if age is not None else '-'}")
    click.echo(f"failing: {state.failing}")
    if state.last_error:
        click.echo(f"last_error: {state.last_error}")


@xapi_cli.command("send")
def send_command() -> None:
    """Send one round of due statements to the LRS now (what the worker does)."""
    done = send_due()
    if done is None:
        click.echo("nothing due (or no LRS configured)")
        return
    click.echo(
        f"sent {done.sent}, failed {done.failed}" + (f": {done.error}" if done.error else "")
    )


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise click.BadParameter(
            "give a time with its offset (e.g. 2026-01-01T00:00:00Z)", param_hint=name
        )
    return value


@xapi_cli.command("export")
@click.option("--since", type=datetime.fromisoformat, default=None, help="ISO 8601 with offset")
@click.option("--until", type=datetime.fromisoformat, default=None, help="ISO 8601 with offset")
@click.option("--employee", default=None, help="one person's employee number")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export_command(
    since: datetime | None, until: datetime | None, employee: str | None, output
) -> None:
    """Write the stored xAPI statements as JSON Lines (audited, as every export)."""
    try:
        selection = resolve_filter(_aware(since, "--since"), _aware(until, "--until"), employee)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    audit("export_xapi_statements", target="xapi-statements.jsonl", **selection.as_audit())
    lines = 0
    for chunk in statements_jsonl(selection):
        output.write(chunk)
        lines += chunk.count("\n")
    if output is not sys.stdout:
        click.echo(f"{lines} statement(s) written", err=True)
