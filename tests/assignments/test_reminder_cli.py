"""``flask assignments remind|digest --now``: a past instant replays a missed run; a future one
(beyond a few minutes of clock skew) is refused, saying why, since each reminder and digest
goes once and an early one would take the real one's place (a fresh tester: "Overdue" sent on
7 December about a course due on the 8th, and the real one skipped); ``--dry-run`` shows any
instant's run and changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from learnhub.assignments.reminder_models import SentDigest, SentReminder
from learnhub.core.mail import OutboxEmail
from learnhub.extensions import db
from tests.assignments.helpers import assign, course_with_modules
from tests.factories import EmployeeFactory

#: Monday 7 December 2026, 09:00 in UTC, the zone of the factory's people
TODAY = "2026-12-07 09:00:00"


@pytest.fixture
def due_tomorrow(app):
    """Evan, whose manager is Maria, must do a course by the end of 8 December 2026."""
    with app.app_context(), freeze_time("2026-12-01 09:00:00"):
        maria = EmployeeFactory(first_name="Maria")
        evan = EmployeeFactory(first_name="Evan", manager=maria)
        course, _, _ = course_with_modules()
        assign(course, [evan], date(2026, 12, 8))
        db.session.commit()


def _flask(app, *args: str):
    with freeze_time(TODAY):
        return app.test_cli_runner().invoke(args=["assignments", *args])


def _sent(app) -> tuple[int, int, int]:
    """(reminders recorded, digests recorded, emails in the outbox)."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (SentReminder, SentDigest, OutboxEmail)
        )


def test_a_future_now_is_refused_and_sends_nothing(app, due_tomorrow):
    result = _flask(app, "remind", "--now", "2026-12-10T09:00:00+01:00")
    assert result.exit_code == 2, result.output
    assert "is later than the time now (2026-12-07 09:00 UTC)" in result.output
    assert "Reminders are sent once each" in result.output and "--dry-run" in result.output
    digest = _flask(app, "digest", "--now", "2026-12-14T07:00:00")
    assert digest.exit_code == 2 and "Digests are sent once each" in digest.output
    assert _sent(app) == (0, 0, 0)
    # the real run today sends the reminder of today: 7 days before (not "Overdue")
    today = _flask(app, "remind")
    assert today.exit_code == 0 and "Reminders queued in the outbox: 1 before." in today.output
    with app.app_context():
        assert db.session.scalars(select(SentReminder.kind)).all() == ["before"]


def test_a_past_now_replays_a_missed_run_and_a_little_clock_skew_is_allowed(app, due_tomorrow):
    replay = _flask(app, "remind", "--now", "2026-12-07T09:30:00+01:00")  # 08:30 UTC
    assert replay.exit_code == 0, replay.output
    assert "1 before" in replay.output
    skewed = _flask(app, "digest", "--now", "2026-12-07T09:04:00Z")
    assert skewed.exit_code == 0 and "week 50 of 2026: 1" in skewed.output
    assert _sent(app) == (1, 1, 2)


def test_dry_run_takes_any_now_and_changes_nothing(app, due_tomorrow):
    ahead = _flask(app, "remind", "--now", "2026-12-10T09:00:00+01:00", "--dry-run")
    assert ahead.exit_code == 0, ahead.output
    assert "would be queued: 1 overdue. Nothing was sent." in ahead.output
    digest = _flask(app, "digest", "--now", "2026-12-14T07:00:00", "--dry-run")
    assert digest.exit_code == 0 and "week 51 of 2026: 1. Nothing" in digest.output
    assert _sent(app) == (0, 0, 0)
    # nothing recorded: the real run on the day still sends it
    with freeze_time("2026-12-10 08:00:00"):
        late = app.test_cli_runner().invoke(args=["assignments", "remind"])
    assert "Reminders queued in the outbox: 1 overdue." in late.output
