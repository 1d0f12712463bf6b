"""Reminder emails of required learning: before the due date, on the day, when overdue, and to
the direct manager after some days overdue (issue 10), each sent once.

**When** (every date in the person's own time zone, :mod:`learnhub.org.time_zones`; ``E`` is
the requirement's *effective* due instant, :func:`status.effective_due_expression`: the expiry
of a completion being renewed, else the assigned due instant; ``D`` is the local day ``E``
ends, ``T`` the local day of the run):

- ``before`` N, for each N of LEARNHUB_REMINDER_DAYS_BEFORE (e.g. 14 and 3): open, not yet
  due, and ``D - N <= T < D - N'`` (N' the next smaller N, or 0). One per window: a requirement
  assigned 2 days before its due date gets the 3-day reminder only, never two at once.
- ``due_today``: open, not yet due, ``D == T``.
- ``overdue``: status overdue or expired.
- ``manager``, to the direct manager: overdue or expired and ``T >= D + M``
  (M: LEARNHUB_REMINDER_MANAGER_AFTER_DAYS).

**Never back-sent** (LEARNHUB_REMINDER_LATE_WINDOW_DAYS, W, default 7): an ``overdue``
reminder goes only while ``E`` is less than W days before the run, a ``manager`` one while
``E + M`` days is. Reminders are events: one that was due long ago is not sent late, as
Moodle's own crons do not mail events older than their window (mod_assign: "only ever send
a max of one days worth of updates"). This matters on the first run after an install or an
outage (every requirement already late would be emailed at once, and every manager) and for
a new requirement whose due date had already passed (a rule "within 30 days of hiring" for
everyone): those people are not told "overdue" about something they have just been given.
They are not lost: the learner's page lists them overdue, and the weekly manager digest
(:mod:`learnhub.assignments.digest`) lists every overdue requirement whatever its age. A new
due date (a changed assignment, an exemption withdrawn within W days of it) is reminded as
usual; W empty: no limit.

"Open" is a status of :data:`UPCOMING` (not started, in progress, renewal due); statuses come
from :func:`status.status_expression`, the rule the pages use. A zone's reminders wait until
LEARNHUB_REMINDER_HOUR there (8: nobody is emailed at midnight); the run is hourly, so each
zone is served within the hour it reaches that time.

**Once**: reminders are recorded by ``INSERT INTO sent_reminders … SELECT … ON CONFLICT DO
NOTHING`` keyed (requirement, kind, days, E) (one for the people's reminders, whichever kind
is due, one for the managers'), in the transaction that queues the outbox emails, and the
emails are built only from the rows this run inserted (its ``run_id``). A second run (another
beat process, a retried task) inserts nothing and sends nothing; on PostgreSQL the runs also
take a transaction advisory lock so they queue instead of racing on the same keys. A new due
date (a changed assignment, the next renewal cycle) is a new key: its reminders go again.

Set-based: a handful of statements whatever the number of requirements; only the email texts
are built in Python, from the rows returned.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from learnhub.assignments.models import Requirement
from learnhub.assignments.reminder_emails import ReminderLine, reminder_email
from learnhub.assignments.reminder_models import ReminderKind, SentReminder
from learnhub.assignments.status import (
    RequirementStatus,
    effective_due_expression,
    status_expression,
)
from learnhub.catalog.models import Course, Module
from learnhub.core.db import dialect_insert
from learnhub.core.mail import queue_emails
from learnhub.core.models import UTCDateTime, utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.time_zones import end_of_day, zone_named

logger = logging.getLogger(__name__)

#: statuses that still ask for a completion before the due instant
UPCOMING = (
    RequirementStatus.NOT_STARTED.value,
    RequirementStatus.IN_PROGRESS.value,
    RequirementStatus.RENEWAL_DUE.value,
)
#: statuses past the due instant without a (valid) completion
LATE = (RequirementStatus.OVERDUE.value, RequirementStatus.EXPIRED.value)


def advisory_lock(name: str) -> None:
    """On PostgreSQL, wait for and hold until the end of the transaction the advisory lock
    ``name`` (two runs of one job queue instead of racing); nothing on SQLite, whose writers
    are serialised anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(name.encode())  # a stable 32-bit key (Python's hash() is salted)
        db.session.execute(select(func.pg_advisory_xact_lock(key)))


@dataclass(frozen=True)
class ReminderSettings:
    """The reminder and digest settings (config names in :mod:`learnhub.config`)."""

    #: LEARNHUB_REMINDER_DAYS_BEFORE, largest first
    days_before: tuple[int, ...] = (7,)
    #: LEARNHUB_REMINDER_MANAGER_AFTER_DAYS (None: managers are never told)
    manager_after_days: int | None = 7
    #: LEARNHUB_REMINDER_HOUR: local hour (0 to 23) from which a day's reminders go
    hour: int = 8
    #: LEARNHUB_REMINDER_LATE_WINDOW_DAYS: a late reminder older than this is never sent
    #: (None: no limit; module docstring)
    late_window_days: int | None = 7
    #: LEARNHUB_DIGEST_LIMIT: people-and-items lines a digest lists before "and N more"
    digest_limit: int = 20

    @classmethod
    def from_config(cls) -> ReminderSettings:
        config = current_app.config
        return cls(
            days_before=tuple(sorted(set(config["LEARNHUB_REMINDER_DAYS_BEFORE"]), reverse=True)),
            manager_after_days=config["LEARNHUB_REMINDER_MANAGER_AFTER_DAYS"],
            hour=config["LEARNHUB_REMINDER_HOUR"],
            late_window_days=config["LEARNHUB_REMINDER_LATE_WINDOW_DAYS"],
            digest_limit=config["LEARNHUB_DIGEST_LIMIT"],
        )


@dataclass
class ReminderRun:
    """What one run sent: ``run_id``, and the number of reminders by kind."""

    run_id: str
    sent: Counter[str] = field(default_factory=Counter)

    @property
    def emails(self) -> int:
        return sum(self.sent.values())


def _calendar(now: datetime, settings: ReminderSettings) -> tuple[Subquery, datetime] | None:
    """One row per stored time-zone value of active people whose local time at ``now`` is
    past the sending hour: the instants bounding today and each reminder's window there
    (columns ``zone``, ``day_start``, ``day_end``, ``before_<N>``, ``manager_by``), and the
    latest of them (nothing due after it is reminded now); None when no zone is due. The zone
    arithmetic is zoneinfo's, a few rows per run."""
    names = db.session.scalars(
        select(func.coalesce(Employee.timezone, "")).where(Employee.active.is_(True)).distinct()
    ).all()
    instant = UTCDateTime()
    late_days = settings.manager_after_days or 0
    rows: list[Select] = []
    horizon = now
    for name in sorted(names):
        where = zone_named(name)
        local = now.astimezone(where)
        if local.hour < settings.hour:
            continue
        today = local.date()
        columns: dict[str, Any] = {
            "day_start": end_of_day(today - timedelta(days=1), where),
            "day_end": end_of_day(today, where),
            # M days late in local days: the due day ended at least M days before today began
            "manager_by": end_of_day(today - timedelta(days=late_days), where),
        }
        for days in settings.days_before:
            columns[f"before_{days}"] = end_of_day(today + timedelta(days=days), where)
        horizon = max(horizon, *(v for k, v in columns.items() if k != "manager_by"))
        rows.append(
            select(
                literal(name).label("zone"),
                *(literal(value, instant).label(key) for key, value in columns.items()),
            )
        )
    if not rows:
        return None
    table = rows[0] if len(rows) == 1 else union_all(*rows)
    return table.subquery("reminder_calendar"), horizon


def _requirements(now: datetime, horizon: datetime) -> Subquery:
    """Requirements of active people due (effectively) by ``horizon``, with their effective
    due instant and status at ``now``."""
    due = effective_due_expression()
    return (
        select(
            Requirement.id.label("requirement_id"),
            Requirement.employee_id,
            Employee.manager_id,
            func.coalesce(Employee.timezone, "").label("zone"),
            due.label("due_at"),
            status_expression(now).label("status"),
        )
        .join(Employee, Employee.id == Requirement.employee_id)
        .where(
            Employee.active.is_(True),
            Requirement.waived_at.is_(None),
            due <= literal(horizon, UTCDateTime()),
        )
        .subquery("open_requirements")
    )


def _not_stale(
    due_at: ColumnElement, now: datetime, settings: ReminderSettings, after_days: int = 0
) -> ColumnElement[bool]:
    """Whether a late reminder falling ``after_days`` after the due instant ``due_at`` is
    still within LEARNHUB_REMINDER_LATE_WINDOW_DAYS of ``now`` (always, with no window)."""
    if settings.late_window_days is None:
        return true()
    oldest = now - timedelta(days=settings.late_window_days + after_days)
    return due_at > literal(oldest, UTCDateTime())


def _insert(
    kind: Any, days: Any, recipient: Any, source: Select, run_id: str, now: datetime
) -> None:
    """INSERT the reminders ``source`` selects (its FROM and WHERE; ``kind``, ``days`` and
    ``recipient`` are columns or values of it) unless already sent. The rows this run added
    carry its ``run_id`` (an INSERT … ON CONFLICT's rowcount is -1 with psycopg)."""
    columns = [
        source.selected_columns.requirement_id,
        kind,
        days,
        source.selected_columns.due_at,
        recipient,
        literal(run_id),
        literal(now, UTCDateTime()),
    ]
    statement = (
        dialect_insert(SentReminder)
        .from_select(
            ["requirement_id", "kind", "days", "due_at", "recipient_id", "run_id", "sent_at"],
            source.with_only_columns(*columns),
        )
        .on_conflict_do_nothing(index_elements=["requirement_id", "kind", "days", "due_at"])
    )
    db.session.execute(statement)


def send_reminders(
    now: datetime | None = None, *, settings: ReminderSettings | None = None
) -> ReminderRun:
    """Queue in the outbox every reminder due at ``now`` (aware; default: the current time)
    and not sent before (module docstring: which and when). Two INSERT … SELECTs over the
    requirements (the person's reminder, whichever kind is due, then the managers'), one
    SELECT of what they added and one multi-row INSERT of emails; a late reminder older than
    ``settings.late_window_days`` is never sent (module docstring). Flushes, never commits: the
    rows and the emails are committed together by the caller (the task or the CLI command),
    and the emails go after that commit. Returns the counts by kind."""
    now = now or utcnow()
    settings = settings or ReminderSettings.from_config()
    run = ReminderRun(run_id=uuid.uuid4().hex)
    advisory_lock("learnhub.assignments.reminders")
    found = _calendar(now, settings)
    if found is None:
        return run
    calendar, horizon = found
    reqs = _requirements(now, horizon)
    base = select(reqs.c.requirement_id, reqs.c.due_at).join(
        calendar, calendar.c.zone == reqs.c.zone
    )
    upcoming = and_(reqs.c.status.in_(UPCOMING), reqs.c.due_at > now)
    late = and_(reqs.c.status.in_(LATE), reqs.c.due_at <= now)
    # each requirement is in one of these (disjoint) cases at most: one reminder a run
    cases: list[tuple[ColumnElement[bool], ReminderKind, int]] = []
    windows = list(settings.days_before)
    for index, days in enumerate(windows):
        # the window of N closes where the next smaller one (or the due day) begins
        closes = (
            calendar.c[f"before_{windows[index + 1]}"]
            if index + 1 < len(windows)
            else calendar.c.day_end
        )
        window = and_(reqs.c.due_at > closes, reqs.c.due_at <= calendar.c[f"before_{days}"])
        cases.append((and_(upcoming, window), ReminderKind.BEFORE, days))
    today = and_(reqs.c.due_at > calendar.c.day_start, reqs.c.due_at <= calendar.c.day_end)
    cases.append((and_(upcoming, today), ReminderKind.DUE_TODAY, 0))
    cases.append((and_(late, _not_stale(reqs.c.due_at, now, settings)), ReminderKind.OVERDUE, 0))
    kind_of = case(*((when, which.value) for when, which, _ in cases))
    days_of = case(*((when, n) for when, _, n in cases))
    person = base.add_columns(
        kind_of.label("kind"), days_of.label("days"), reqs.c.employee_id
    ).subquery("due_reminders")
    _insert(
        person.c.kind,
        person.c.days,
        person.c.employee_id,
        select(person).where(person.c.kind.is_not(None)),
        run.run_id,
        now,
    )
    if settings.manager_after_days is not None:
        manager = aliased(Employee)
        told = (
            base.join(manager, manager.id == reqs.c.manager_id)
            .where(
                late,
                _not_stale(reqs.c.due_at, now, settings, settings.manager_after_days),
                manager.active.is_(True),
                reqs.c.due_at <= calendar.c.manager_by,
            )
            .add_columns(reqs.c.manager_id)
        )
        _insert(
            literal(ReminderKind.MANAGER.value),
            literal(settings.manager_after_days),
            reqs.c.manager_id,
            told,
            run.run_id,
            now,
        )
    lines = _lines(run.run_id)
    run.sent.update(str(line.kind) for line in lines)
    queue_emails([reminder_email(line, now) for line in lines])
    logger.info("reminders run %s: %s", run.run_id, dict(run.sent))
    return run


def _lines(run_id: str) -> list[ReminderLine]:
    """The reminders run ``run_id`` inserted, with what their emails say."""
    person, recipient = aliased(Employee), aliased(Employee)
    rows = db.session.execute(
        select(
            SentReminder.kind,
            SentReminder.days,
            SentReminder.due_at,
            Requirement.course_id,
            Requirement.module_id,
            Requirement.completed_at,
            Course.title,
            Module.title,
            person.first_name,
            person.last_name,
            person.employee_number,
            person.timezone,
            recipient.email,
            recipient.first_name,
            recipient.timezone,
        )
        .join(Requirement, Requirement.id == SentReminder.requirement_id)
        .join(Course, Course.id == Requirement.course_id)
        .outerjoin(Module, Module.id == Requirement.module_id)
        .join(person, person.id == Requirement.employee_id)
        .join(recipient, recipient.id == SentReminder.recipient_id)
        .where(SentReminder.run_id == run_id)
        .order_by(SentReminder.id)
    )
    return [ReminderLine(*row) for row in rows]  # type: ignore[call-arg]


def delete_with_requirements(statement: Any) -> None:
    """REQUIREMENT_DELETE_HOOKS: the sent reminders of the requirements the DELETE
    ``statement`` is about to remove go first (SQLite does not cascade)."""
    doomed = select(Requirement.id)
    if statement.whereclause is not None:
        doomed = doomed.where(statement.whereclause)
    db.session.execute(
        SentReminder.__table__.delete().where(SentReminder.requirement_id.in_(doomed))
    )
