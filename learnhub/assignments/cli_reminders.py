"""``flask assignments remind [--now ISO] [--dry-run]`` and ``flask assignments digest [--now ISO]
[--dry-run]``: the reminder run and the weekly manager digest for cron-style use (what the beat
tasks do). Each command is one transaction; running one twice sends nothing twice.

``--now`` replays a run at a past instant (a missed hourly run, an outage). A ``--now`` later
than the clock (by more than :data:`CLOCK_SKEW`, for a cron host a little ahead) is refused:
each reminder and digest goes once (keyed), so a run "as of" next week sends next week's
emails today, worded for a date that has not come ("Overdue" about a course due tomorrow),
and the real run on the day finds them sent and skips them (a fresh tester's finding).
``--dry-run`` says what a run would queue and changes nothing; with it any ``--now`` is allowed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from learnhub.assignments.cli import assignments_cli
from learnhub.core.models import utcnow
from learnhub.extensions import db

NOW_HELP = (
    "the instant to run as (ISO 8601; no offset: UTC), default now; only a past instant "
    "(a missed run replayed), or any with --dry-run"
)
DRY_RUN_HELP = "Say what the run would queue; queue and record nothing."
#: how far ahead of this machine's clock ``--now`` may be (another host's clock, a slow start)
CLOCK_SKEW = timedelta(minutes=5)


def _instant(value: str | None, *, dry_run: bool, sends: str) -> datetime | None:
    """``value`` as an aware instant (no offset: UTC), None for "now". Raises
    click.BadParameter for text that is not ISO 8601, and for an instant more than
    :data:`CLOCK_SKEW` ahead of the clock unless ``dry_run`` (``sends``: what goes once, for
    the message)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(
            f"not an ISO 8601 instant: {value!r}", param_hint="--now"
        ) from error
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    clock = utcnow()
    if moment > clock + CLOCK_SKEW and not dry_run:
        raise click.BadParameter(
            f"{value} is later than the time now ({clock:%Y-%m-%d %H:%M} UTC). {sends} "
            "once each: a run at a future time would send them early, worded for that time, "
            "and the real run then would skip them. Use --now only to replay a missed run "
            "(a past time), or add --dry-run to see what a future run would send.",
            param_hint="--now",
        )
    return moment


@assignments_cli.command("remind")
@click.option("--now", "now", default=None, help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
def remind(now: str | None, dry_run: bool) -> None:
    """Send the reminders due now (run it hourly: each person's day starts in their zone)."""
    from learnhub.assignments.reminders import send_reminders

    run = send_reminders(_instant(now, dry_run=dry_run, sends="Reminders are sent"))
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(run.sent.items()) if n) or "none"
    if dry_run:
        db.session.rollback()  # before the command's commit point: nothing queued or recorded
        click.echo(f"Dry run: reminders that would be queued: {counts}. Nothing was sent.")
        return
    click.echo(f"Reminders queued in the outbox: {counts}.")


@assignments_cli.command("digest")
@click.option("--now", "now", default=None, help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
def digest(now: str | None, dry_run: bool) -> None:
    """Send this ISO week's manager digests not sent yet (run it weekly, or more: once a week)."""
    from learnhub.assignments.digest import send_digests

    run = send_digests(_instant(now, dry_run=dry_run, sends="Digests are sent"))
    year, week, _ = run.week.isocalendar()
    if dry_run:
        db.session.rollback()
        click.echo(
            f"Dry run: digests that would be queued for week {week} of {year}: {run.managers}. "
            "Nothing was sent."
        )
        return
    click.echo(f"Digests queued for week {week} of {year}: {run.managers}.")
