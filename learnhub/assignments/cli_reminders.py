"""``flask assignments remind [--now ISO]`` and ``flask assignments digest [--now ISO]``: the
reminder run and the weekly manager digest for cron-style use (what the beat tasks do). Each
command is one transaction; running one twice sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from learnhub.assignments.cli import assignments_cli

NOW_HELP = "the instant to run as (ISO 8601; no offset: UTC), default now"


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO 8601 instant: {value!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@assignments_cli.command("remind")
@click.option("--now", "now", default=None, help=NOW_HELP)
def remind(now: str | None) -> None:
    """Send the reminders due now (run it hourly: each person's day starts in their zone)."""
    from learnhub.assignments.reminders import send_reminders

    run = send_reminders(_instant(now))
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(run.sent.items()) if n) or "none"
    click.echo(f"Reminders queued in the outbox: {counts}.")


@assignments_cli.command("digest")
@click.option("--now", "now", default=None, help=NOW_HELP)
def digest(now: str | None) -> None:
    """Send this ISO week's manager digests not sent yet (run it weekly, or more: once a week)."""
    from learnhub.assignments.digest import send_digests

    run = send_digests(_instant(now))
    year, week, _ = run.week.isocalendar()
    click.echo(f"Digests queued for week {week} of {year}: {run.managers}.")
