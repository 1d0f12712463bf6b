"""The weekly manager digest: every active manager with someone in their subtree (direct or
indirect reports, :class:`learnhub.org.models.ReportingLine`) whose required learning is
overdue, expired, or due in the next :data:`SOON_DAYS` days gets one email per ISO week
listing them, soonest due first, up to LEARNHUB_DIGEST_LIMIT lines and "and N more".

Once per week and manager: ``sent_digests`` is keyed (manager, Monday of the ISO week, UTC)
and filled by one ``INSERT … SELECT … GROUP BY … ON CONFLICT DO NOTHING`` in the transaction
that queues the emails; only the rows this run inserted (``run_id``) get an email, so a second
beat, a retried task or ``flask assignments digest`` the same week sends nothing. The lines
come from one windowed SELECT (``row_number() OVER (PARTITION BY manager …)``), so a director
above 100,000 people costs ``limit`` rows, not 100,000.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import groupby

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from learnhub.assignments.models import Requirement
from learnhub.assignments.reminder_emails import (
    base_url,
    due_day,
    item_title,
    spoken_date,
)
from learnhub.assignments.reminder_models import SentDigest
from learnhub.assignments.reminders import (
    LATE,
    UPCOMING,
    ReminderSettings,
    advisory_lock,
)
from learnhub.assignments.status import effective_due_expression, status_expression
from learnhub.catalog.models import Course, Module
from learnhub.core.db import dialect_insert
from learnhub.core.mail import queue_emails
from learnhub.core.models import UTCDateTime, utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine

logger = logging.getLogger(__name__)

#: "due soon": due within this many days of the run
SOON_DAYS = 7


def week_of(now: datetime) -> date:
    """The Monday (UTC) of the ISO week ``now`` falls in: a digest's key."""
    day = now.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


@dataclass
class DigestRun:
    """What one digest run sent: ``managers`` emails for the week of ``week``."""

    run_id: str
    week: date
    managers: int = 0


def send_digests(
    now: datetime | None = None, *, settings: ReminderSettings | None = None
) -> DigestRun:
    """Queue this ISO week's digest for every manager who has one due and has not had it
    (module docstring). Flushes, never commits (the caller's one commit sends the emails).
    Returns the run's counts."""
    now = now or utcnow()
    settings = settings or ReminderSettings.from_config()
    run = DigestRun(run_id=uuid.uuid4().hex, week=week_of(now))
    advisory_lock("learnhub.assignments.digest")
    flagged = (
        select(
            Requirement.id.label("requirement_id"),
            Requirement.employee_id,
            Requirement.course_id,
            Requirement.module_id,
            effective_due_expression().label("due_at"),
            status_expression(now).label("status"),
        )
        .join(Employee, Employee.id == Requirement.employee_id)
        .where(Employee.active.is_(True), Requirement.waived_at.is_(None))
        .subquery("flagged")
    )
    soon = literal(now + timedelta(days=SOON_DAYS), UTCDateTime())
    listed = or_(
        flagged.c.status.in_(LATE),
        and_(flagged.c.status.in_(UPCOMING), flagged.c.due_at <= soon),
    )
    manager = aliased(Employee)
    per_manager = (
        select(
            ReportingLine.ancestor_id,
            literal(run.week),
            func.count(func.distinct(flagged.c.employee_id)),
            func.count(),
            literal(run.run_id),
            literal(now, UTCDateTime()),
        )
        .join(flagged, flagged.c.employee_id == ReportingLine.descendant_id)
        .join(manager, manager.id == ReportingLine.ancestor_id)
        .where(manager.active.is_(True), listed)
        .group_by(ReportingLine.ancestor_id)
    )
    db.session.execute(
        dialect_insert(SentDigest)
        .from_select(["manager_id", "week_of", "people", "items", "run_id", "sent_at"], per_manager)
        .on_conflict_do_nothing(index_elements=["manager_id", "week_of"])
    )
    # the rows this run inserted (an INSERT … ON CONFLICT's rowcount is -1 with psycopg)
    heads = db.session.execute(
        select(
            SentDigest.manager_id,
            SentDigest.people,
            SentDigest.items,
            Employee.email,
            Employee.first_name,
        )
        .join(Employee, Employee.id == SentDigest.manager_id)
        .where(SentDigest.run_id == run.run_id)
    ).all()
    run.managers = len(heads)
    if heads:
        # rank first on narrow rows (a director above 100,000 people has as many), then name
        # only the rows listed
        ranked = (
            select(
                ReportingLine.ancestor_id.label("manager_id"),
                flagged.c.employee_id,
                flagged.c.course_id,
                flagged.c.module_id,
                flagged.c.due_at,
                flagged.c.status,
                func.row_number()
                .over(
                    partition_by=ReportingLine.ancestor_id,
                    order_by=(flagged.c.due_at, flagged.c.employee_id, flagged.c.requirement_id),
                )
                .label("rank"),
            )
            .join(flagged, flagged.c.employee_id == ReportingLine.descendant_id)
            .join(
                SentDigest,
                and_(
                    SentDigest.manager_id == ReportingLine.ancestor_id,
                    SentDigest.run_id == run.run_id,
                ),
            )
            .where(listed)
            .subquery("ranked")
        )
        lines = db.session.execute(
            select(
                ranked.c.manager_id,
                ranked.c.due_at,
                ranked.c.status,
                Employee.first_name,
                Employee.last_name,
                Employee.timezone,
                Course.title.label("course_title"),
                Module.title.label("module_title"),
            )
            .join(Employee, Employee.id == ranked.c.employee_id)
            .join(Course, Course.id == ranked.c.course_id)
            .outerjoin(Module, Module.id == ranked.c.module_id)
            .where(ranked.c.rank <= settings.digest_limit)
            .order_by(ranked.c.manager_id, ranked.c.rank)
        ).all()
        by_manager = {key: list(rows) for key, rows in groupby(lines, key=lambda r: r.manager_id)}
        queue_emails([_email(head, by_manager.get(head.manager_id, []), run) for head in heads])
    logger.info("digest run %s for the week of %s: %d managers", run.run_id, run.week, run.managers)
    return run


def _email(head, lines: list, run: DigestRun) -> tuple[str, str, str]:
    year, week, _ = run.week.isocalendar()
    listed = []
    for line in lines:
        when = spoken_date(due_day(line.due_at, line.timezone))
        state = {
            "overdue": f"overdue, was due on {when}",
            "expired": f"expired on {when}",
            "renewal_due": f"to renew by {when}",
        }.get(line.status, f"due on {when}")
        what = item_title(line.course_title, line.module_title)
        listed.append(f"- {line.first_name} {line.last_name}: {what}, {state}")
    more = head.items - len(lines)
    if more > 0:
        listed.append(f"…and {more} more.")
    people = "1 person" if head.people == 1 else f"{head.people} people"
    subject = f"Your team's required learning, week {week} of {year}: {people} to follow up"
    body = (
        f"Hello {head.first_name},\n\n"
        f"In your team, {people} have required learning overdue or due in the next "
        f"{SOON_DAYS} days:\n\n" + "\n".join(listed) + "\n\n"
        f"See everyone on your team page: {base_url()}/team\n\n"
        "You get this weekly digest because people report to you."
    )
    if head.people == 1:
        body = body.replace("1 person have", "1 person has")
    return head.email, subject[:200], body
