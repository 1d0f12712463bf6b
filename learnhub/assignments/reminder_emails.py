"""The words of reminder and digest emails: plain English, the item's title, the due date as
the person's own calendar day (their time zone), and a link to the item.

A due instant is the end of the due day (midnight local time), so the day shown is the local
day of one second before it (:mod:`learnhub.org.time_zones`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from learnhub.assignments.reminder_models import ReminderKind
from learnhub.core.dates import day_words
from learnhub.org.time_zones import local_date, zone_named


def due_day(due_at: datetime, zone_name: str | None) -> date:
    """The local calendar day (in the zone stored as ``zone_name``) that ``due_at`` ends."""
    return local_date(due_at - timedelta(seconds=1), zone_named(zone_name))


def spoken_date(day: date) -> str:
    """ "Wednesday 31 March 2027"."""
    return f"{day:%A} {day_words(day)}"


def in_days(days: int) -> str:
    """ "today", "tomorrow", "in 3 days"."""
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


def base_url() -> str:
    return str(current_app.config["LEARNHUB_BASE_URL"])


def item_link(course_id: int, module_id: int | None) -> str:
    """The absolute address of a required course or module page."""
    if module_id is not None:
        return f"{base_url()}/modules/{module_id}"
    return f"{base_url()}/courses/{course_id}"


def item_title(course_title: str, module_title: str | None) -> str:
    """'"Course"' or '"Module" (part of "Course")'."""
    if module_title is None:
        return f"“{course_title}”"
    return f"“{module_title}” (part of “{course_title}”)"


@dataclass
class ReminderLine:
    """One reminder a run inserted, with what its email needs."""

    kind: ReminderKind
    days: int
    due_at: datetime
    course_id: int
    module_id: int | None
    completed_at: datetime | None
    course_title: str
    module_title: str | None
    first_name: str
    last_name: str
    employee_number: str
    zone: str | None
    to_address: str
    recipient_first_name: str
    recipient_zone: str | None


FOOTER = (
    "You get this email because this learning is required of you. Every reminder sent to you "
    "is listed at {url}/reminders."
)


def reminder_email(line: ReminderLine, now: datetime) -> tuple[str, str, str]:
    """``(to_address, subject, body)`` of one reminder at ``now``."""
    what = item_title(line.course_title, line.module_title)
    day = due_day(line.due_at, line.zone)
    when = spoken_date(day)
    link = item_link(line.course_id, line.module_id)
    renewal = line.completed_at is not None  # the effective due is the expiry
    if line.kind == ReminderKind.MANAGER:
        name = f"{line.first_name} {line.last_name}".strip()
        late = (local_date(now, zone_named(line.zone)) - day).days
        subject = f"{name} is {_days(late)} late with required learning"
        verb = "expired on" if renewal else "was due on"
        body = (
            f"Hello {line.recipient_first_name},\n\n"
            f"{name}'s required learning {what} {verb} {when} and is still not done, "
            f"{_days(late)} later.\n\n"
            f"You can see where they stand at {base_url()}/people/{line.employee_number}\n\n"
            "You get this email because you are their manager."
        )
        return line.to_address, subject[:200], body
    greeting = f"Hello {line.first_name},\n\n"
    if line.kind == ReminderKind.OVERDUE:
        if renewal:
            subject = f"Expired: your completion of {what}"
            text = (
                f"Your completion of {what} expired on {when}. It no longer counts until you "
                "complete it again."
            )
        else:
            subject = f"Overdue: {what} was due on {when}"
            text = f"{what} was due on {when} and is not complete yet. Please do it now."
    else:
        left = in_days((day - local_date(now, zone_named(line.zone))).days)
        if renewal:
            subject = f"Renew {what} by {when}"
            text = (
                f"Your completion of {what} expires on {when} ({left}). Complete it again by "
                "then to keep it current: renewing early does not shorten the next period."
            )
        else:
            subject = f"{what} is due {left}"
            text = f"{what} is required learning for you, due on {when} ({left})."
    body = f"{greeting}{text}\n\nGo to it: {link}\n\n{FOOTER.format(url=base_url())}"
    return line.to_address, subject[:200], body


def _days(number: int) -> str:
    return f"{number} day" if number == 1 else f"{number} days"
