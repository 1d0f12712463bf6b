"""What was sent to a person: their reminders (and, for a manager, the escalations and weekly
digests they received), newest first (issue 10: "people can see what was sent to them")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from learnhub.assignments.models import Requirement
from learnhub.assignments.reminder_emails import due_day
from learnhub.assignments.reminder_models import SentDigest, SentReminder
from learnhub.catalog.models import Course, Module
from learnhub.extensions import db
from learnhub.org.models import Employee

#: the kind of a digest in the list (reminders use :class:`ReminderKind` values)
DIGEST = "digest"

KIND_LABELS = {
    "before": "Before the due date",
    "due_today": "On the due date",
    "overdue": "Overdue",
    "manager": "Overdue, to you as manager",
    DIGEST: "Weekly team digest",
}


@dataclass
class SentItem:
    """One email sent to the person: ``kind`` (a :class:`ReminderKind` value or "digest"),
    what it was about (``title``; ``course_id``/``module_id``, None for a digest; ``about``:
    the person concerned when it was not the recipient), when it was queued (``sent_at``,
    UTC) and the due date it reminded of (``due_at`` UTC instant; ``due_on``: that day in
    the concerned person's zone; both None for a digest, whose ``week_of`` is set)."""

    kind: str
    label: str
    title: str
    course_id: int | None
    module_id: int | None
    about: str | None
    sent_at: datetime
    due_at: datetime | None
    due_on: date | None
    week_of: date | None = None


def sent_to(employee_id: int, *, limit: int = 100) -> list[SentItem]:
    """The ``limit`` latest emails of reminders and digests sent to ``employee_id``, newest
    first (two queries)."""
    person = aliased(Employee)
    rows = db.session.execute(
        select(
            SentReminder.kind,
            SentReminder.sent_at,
            SentReminder.due_at,
            Requirement.employee_id,
            Requirement.course_id,
            Requirement.module_id,
            Course.title,
            Module.title,
            person.first_name,
            person.last_name,
            person.timezone,
        )
        .join(Requirement, Requirement.id == SentReminder.requirement_id)
        .join(Course, Course.id == Requirement.course_id)
        .outerjoin(Module, Module.id == Requirement.module_id)
        .join(person, person.id == Requirement.employee_id)
        .where(SentReminder.recipient_id == employee_id)
        .order_by(SentReminder.sent_at.desc(), SentReminder.id.desc())
        .limit(limit)
    ).all()
    items = [
        SentItem(
            kind=str(kind),
            label=KIND_LABELS[str(kind)],
            title=course if module is None else f"{module} ({course})",
            course_id=course_id,
            module_id=module_id,
            about=None if owner == employee_id else f"{first} {last}",
            sent_at=sent_at,
            due_at=due_at,
            due_on=due_day(due_at, zone),
        )
        for (
            kind,
            sent_at,
            due_at,
            owner,
            course_id,
            module_id,
            course,
            module,
            first,
            last,
            zone,
        ) in rows
    ]
    digests = db.session.execute(
        select(SentDigest.sent_at, SentDigest.week_of, SentDigest.people)
        .where(SentDigest.manager_id == employee_id)
        .order_by(SentDigest.sent_at.desc())
        .limit(limit)
    ).all()
    for sent_at, week, people in digests:
        year, number, _ = week.isocalendar()
        items.append(
            SentItem(
                kind=DIGEST,
                label=KIND_LABELS[DIGEST],
                title=f"Week {number} of {year}: {people} "
                f"{'person' if people == 1 else 'people'} to follow up",
                course_id=None,
                module_id=None,
                about=None,
                sent_at=sent_at,
                due_at=None,
                due_on=None,
                week_of=week,
            )
        )
    items.sort(key=lambda item: item.sent_at, reverse=True)
    return items[:limit]
