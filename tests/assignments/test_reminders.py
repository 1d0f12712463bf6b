"""Reminders of required learning with a frozen clock: each kind at its moment (before, on the
day, overdue, the manager after N days), once each, in each person's time zone; the weekly
manager digest once per ISO week; the rows going with their requirements."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from learnhub.assignments import services
from learnhub.assignments.digest import send_digests
from learnhub.assignments.reminder_models import SentDigest, SentReminder
from learnhub.assignments.reminders import ReminderSettings, send_reminders
from learnhub.extensions import db
from tests.assignments.helpers import (
    assign,
    course_with_modules,
    outbox,
    requirement_of,
    take_outbox,
)
from tests.factories import EmployeeFactory

SETTINGS = ReminderSettings(days_before=(14, 3), manager_after_days=7, hour=8, digest_limit=20)
BASE = "http://127.0.0.1:5000"


def run(at: str, settings: ReminderSettings = SETTINGS) -> dict[str, int]:
    """The reminder run at the UTC instant ``at``; its counts by kind (none left out)."""
    moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
    with freeze_time(moment):
        return {k: n for k, n in send_reminders(moment, settings=settings).sent.items() if n}


def test_each_reminder_goes_once_at_its_moment(app_ctx):
    manager = EmployeeFactory(first_name="Maria", last_name="Boss")
    person = EmployeeFactory(first_name="Ana", last_name="Lopes", manager=manager)
    course, _, _ = course_with_modules(title="Data protection basics")
    with freeze_time("2027-03-01 09:00:00"):
        assign(course, [person], date(2027, 3, 31))  # ends 1 April 00:00 UTC

    assert run("2027-03-10T09:00") == {}  # 21 days before: no window open
    assert run("2027-03-17T09:00") == {"before": 1}  # 14 days before
    [email] = take_outbox()
    assert email.to_address == person.email
    assert email.subject == "“Data protection basics” is due in 14 days"
    assert "due on Wednesday 31 March 2027 (in 14 days)" in email.body
    assert f"{BASE}/courses/{course.id}" in email.body
    assert f"{BASE}/reminders" in email.body
    assert run("2027-03-17T10:00") == {}  # the next hourly run: already sent
    assert run("2027-03-20T09:00") == {}  # still the 14-day window
    assert run("2027-03-28T09:00") == {"before": 1}  # 3 days before
    assert "in 3 days" in take_outbox()[0].subject
    assert run("2027-03-31T07:00") == {}  # the due day, before 08:00 in the person's zone
    assert run("2027-03-31T09:00") == {"due_today": 1}
    assert take_outbox()[0].subject == "“Data protection basics” is due today"
    assert run("2027-03-31T23:00") == {}
    assert run("2027-04-01T09:00") == {"overdue": 1}
    [late] = take_outbox()
    assert late.subject == "Overdue: “Data protection basics” was due on Wednesday 31 March 2027"
    assert run("2027-04-06T09:00") == {}  # 6 days late: the manager is not told yet
    assert run("2027-04-07T09:00") == {"manager": 1}  # 7 days after the due day
    [told] = take_outbox()
    assert told.to_address == manager.email
    assert told.subject == "Ana Lopes is 7 days late with required learning"
    assert "Hello Maria" in told.body and f"{BASE}/people/{person.employee_number}" in told.body
    assert run("2027-05-01T09:00") == {}  # never again for this due date
    kinds = db.session.scalars(select(SentReminder.kind).order_by(SentReminder.id)).all()
    assert kinds == ["before", "before", "due_today", "overdue", "manager"]


def test_a_late_assignment_gets_the_nearest_window_only(app_ctx):
    person = EmployeeFactory()
    course, modules, _ = course_with_modules(modules=2)
    with freeze_time("2027-03-29 09:00:00"):
        assign(course, [person], date(2027, 3, 31), module_ids=[modules[1].id])
    assert run("2027-03-29T10:00") == {"before": 1}  # the 3-day reminder, not the 14-day one too
    [email] = take_outbox()
    assert "in 2 days" in email.body
    assert f"/modules/{modules[1].id}" in email.body
    assert f"“{modules[1].title}” (part of “{course.title}”)" in email.subject
    days = db.session.scalar(select(SentReminder.days))
    assert days == 3


def test_on_the_day_in_each_persons_time_zone(app_ctx):
    # Helsinki is UTC+3 after 28 March 2027, New York UTC-4 (since 14 March)
    helsinki = EmployeeFactory(timezone="Europe/Helsinki")
    new_york = EmployeeFactory(timezone="America/New_York")
    nowhere = EmployeeFactory(timezone=None)  # the organisation's zone, Europe/Brussels
    course, _, _ = course_with_modules()
    with freeze_time("2027-03-20 12:00:00"):
        assign(course, [helsinki, new_york, nowhere], date(2027, 3, 31))
    quiet = ReminderSettings(days_before=(), manager_after_days=None, hour=8)
    # 04:30 UTC: 07:30 in Helsinki, before the sending hour; nobody else is on the 31st yet
    assert run("2027-03-31T04:30", quiet) == {}
    assert run("2027-03-31T05:30", quiet) == {"due_today": 1}  # 08:30 in Helsinki
    assert take_outbox()[0].to_address == helsinki.email
    assert run("2027-03-31T06:30", quiet) == {"due_today": 1}  # 08:30 in Brussels
    assert take_outbox()[0].to_address == nowhere.email
    assert run("2027-03-31T11:30", quiet) == {}  # 07:30 in New York
    assert run("2027-03-31T12:30", quiet) == {"due_today": 1}
    [email] = take_outbox()
    assert email.to_address == new_york.email
    assert "due on Wednesday 31 March 2027 (today)" in email.body
    # Helsinki's day ended at 21:00 UTC: overdue from 08:00 there on 1 April (05:00 UTC)
    assert run("2027-03-31T22:00", quiet) == {}
    assert run("2027-04-01T05:00", quiet) == {"overdue": 1}
    assert take_outbox()[0].to_address == helsinki.email


def test_the_manager_is_told_only_when_there_is_an_active_one(app_ctx):
    gone = EmployeeFactory(active=True)
    alone = EmployeeFactory()
    reporting = EmployeeFactory(manager=gone)
    course, _, _ = course_with_modules()
    with freeze_time("2027-03-01 09:00:00"):
        assign(course, [alone, reporting], date(2027, 3, 10))
    gone.active = False
    db.session.flush()
    assert run("2027-03-17T09:00") == {"overdue": 2}  # 7 days after the due day
    never = ReminderSettings(days_before=(7,), manager_after_days=None)
    assert run("2027-03-18T09:00", never) == {}


def test_completed_and_waived_requirements_get_nothing(app_ctx):
    done, waived = EmployeeFactory(), EmployeeFactory()
    course, _, _ = course_with_modules()
    with freeze_time("2027-03-01 09:00:00"):
        assign(course, [done, waived], date(2027, 3, 31))
    requirement_of(done).completed_at = datetime(2027, 3, 2, tzinfo=UTC)
    requirement_of(waived).waived_at = datetime(2027, 3, 2, tzinfo=UTC)
    db.session.flush()
    for at in ("2027-03-17T09:00", "2027-03-31T09:00", "2027-04-20T09:00"):
        assert run(at) == {}


def test_a_changed_due_date_is_reminded_again(app_ctx):
    person = EmployeeFactory()
    course, _, _ = course_with_modules()
    with freeze_time("2027-03-01 09:00:00"):
        assignment = assign(course, [person], date(2027, 3, 31))
    assert run("2027-03-29T09:00") == {"before": 1}
    with freeze_time("2027-03-29 10:00:00"):
        services.change_due(assignment, due_date=date(2027, 4, 30))
    assert run("2027-03-29T11:00") == {}
    assert run("2027-04-27T09:00") == {"before": 1}  # the new due date's own reminders


def test_sent_reminders_go_with_their_requirement(app_ctx):
    person = EmployeeFactory()
    course, _, _ = course_with_modules()
    with freeze_time("2027-03-01 09:00:00"):
        assignment = assign(course, [person], date(2027, 3, 10))
    assert run("2027-03-11T09:00") == {"overdue": 1}
    with freeze_time("2027-03-11 10:00:00"):
        services.remove_assignment(assignment)
    assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 0


def test_the_weekly_digest_goes_once_per_manager_and_week(app_ctx):
    director = EmployeeFactory(first_name="Dana", last_name="Director")
    lead = EmployeeFactory(first_name="Lee", last_name="Lead", manager=director)
    late = EmployeeFactory(first_name="Ana", last_name="Late", manager=lead)
    soon = EmployeeFactory(first_name="Sam", last_name="Soon", manager=lead)
    later = EmployeeFactory(first_name="Luc", last_name="Later", manager=lead)
    course, _, _ = course_with_modules(title="Security basics")
    with freeze_time("2027-03-01 09:00:00"):
        assign(course, [late], date(2027, 3, 5))
        assign(course, [soon], date(2027, 3, 10))
        assign(course, [later], date(2027, 4, 30))
    monday = datetime(2027, 3, 8, 6, 30, tzinfo=UTC)
    assert send_digests(monday, settings=SETTINGS).managers == 2  # the lead and the director
    emails = {e.to_address: e for e in take_outbox()}
    assert set(emails) == {director.email, lead.email}
    body = emails[lead.email].body
    assert "2 people have required learning overdue or due in the next 7 days" in body
    assert "- Ana Late: “Security basics”, overdue, was due on Friday 5 March 2027" in body
    assert "- Sam Soon: “Security basics”, due on Wednesday 10 March 2027" in body
    assert "Luc" not in body and "more." not in body  # due in 53 days; nothing left out
    assert emails[lead.email].subject.startswith("Your team's required learning, week 10 of 2027")
    # the same week again (a second beat, the CLI): nothing; the next week: again
    assert send_digests(datetime(2027, 3, 12, 9, tzinfo=UTC), settings=SETTINGS).managers == 0
    assert outbox() == []
    capped = ReminderSettings(digest_limit=1)
    assert send_digests(datetime(2027, 3, 15, 6, 30, tzinfo=UTC), settings=capped).managers == 2
    lead_email = next(e for e in take_outbox() if e.to_address == lead.email)
    assert "…and 1 more." in lead_email.body and "Ana Late" in lead_email.body
    weeks = db.session.scalars(
        select(SentDigest.week_of).where(SentDigest.manager_id == lead.id).order_by("week_of")
    ).all()
    assert weeks == [date(2027, 3, 8), date(2027, 3, 15)]


def test_no_digest_without_anyone_to_follow_up(app_ctx):
    lead = EmployeeFactory()
    EmployeeFactory(manager=lead)
    assert send_digests(datetime(2027, 3, 8, 6, 30, tzinfo=UTC), settings=SETTINGS).managers == 0
    assert outbox() == []


@pytest.mark.parametrize("value, expected", [("7", (7,)), ("14, 3,14", (14, 3)), ("", ())])
def test_days_before_setting(value, expected):
    from learnhub.config import _days

    assert _days(value) == expected


def test_the_audit_says_how_many_people_an_assignment_reached(app_ctx):
    # on PostgreSQL an INSERT's rowcount is -1 unless preserve_rowcount is asked for
    from learnhub.core.audit import AuditEvent

    course, _, _ = course_with_modules()
    people = [EmployeeFactory(), EmployeeFactory()]
    with freeze_time("2027-03-01 09:00:00"):
        assign(course, people, date(2027, 3, 31))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.create"))
    assert event.details["people_reached"] == 2
