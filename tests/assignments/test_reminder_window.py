"""Late reminders are never back-sent (learnhub.assignments.reminders, "Never back-sent"): the
first run after an install, or a requirement given with a due date long past, emails an
overdue reminder only for what became late within LEARNHUB_REMINDER_LATE_WINDOW_DAYS, and
the manager's only for what reached their 7 days late within it; the rest is in the weekly
manager digest. Without a window every late requirement is reminded, as before."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from freezegun import freeze_time

from learnhub.assignments import services
from learnhub.assignments.digest import send_digests
from learnhub.assignments.models import AudienceKind, DueKind
from learnhub.assignments.reminders import ReminderSettings, send_reminders
from learnhub.config import load_config
from tests.assignments.helpers import assign, course_with_modules, take_outbox
from tests.factories import EmployeeFactory

WINDOW = ReminderSettings(days_before=(7,), manager_after_days=7, hour=8, late_window_days=7)
FIRST_RUN = datetime(2027, 3, 31, 9, tzinfo=UTC)  # a Wednesday, 11:00 in Brussels


def _run(settings: ReminderSettings, at: datetime = FIRST_RUN) -> list[tuple[str, str]]:
    """(kind, recipient's email) of each reminder the run at ``at`` sent."""
    with freeze_time(at):
        send_reminders(at, settings=settings)
    return sorted((e.subject.split(":")[0], e.to_address) for e in take_outbox())


def _late_team():
    """A manager whose four reports were each given a course due, in Brussels, 2, 9, 13 and
    40 days before the first run (assigned back then: an install with history)."""
    boss = EmployeeFactory(first_name="Bo", last_name="Boss")
    people = {}
    course, _, _ = course_with_modules(title="Security basics")
    for days_late, due in (
        (2, date(2027, 3, 29)),
        (9, date(2027, 3, 22)),
        (13, date(2027, 3, 18)),
        (40, date(2027, 2, 19)),
    ):
        person = EmployeeFactory(first_name=f"Late{days_late}", manager=boss)
        with freeze_time(datetime(2027, 1, 4, 9, tzinfo=UTC)):
            assign(course, [person], due)
        people[days_late] = person
    take_outbox()
    return boss, people


def test_the_first_run_reminds_only_what_became_late_within_the_window(app_ctx):
    boss, people = _late_team()
    sent = _run(WINDOW)
    overdue = sorted(to for kind, to in sent if kind == "Overdue")
    assert overdue == [people[2].email]  # 2 days late; 9, 13 and 40 days are too old
    told = sorted(subject for subject, to in sent if to == boss.email)
    # the manager's reminder falls 7 days after the due day: for 9 and 13 days late that was
    # 2 and 6 days ago (within the window), for 40 days late 33 days ago (never sent)
    assert [subject.split()[0] for subject in told] == ["Late13", "Late9"]
    # back after a long outage: the 2-day one's manager reminder fell on 5 April, 15 days
    # before this run: not sent late
    assert _run(WINDOW, datetime(2027, 4, 20, 9, tzinfo=UTC)) == []
    # nothing is lost: the weekly digest lists every late requirement, whatever its age
    with freeze_time(datetime(2027, 4, 5, 6, tzinfo=UTC)):
        send_digests(datetime(2027, 4, 5, 6, tzinfo=UTC), settings=WINDOW)
    [digest] = [e for e in take_outbox() if e.to_address == boss.email]
    for person in people.values():
        assert person.full_name in digest.body


def test_steady_hourly_runs_still_send_every_late_reminder(app_ctx):
    person = EmployeeFactory(manager=EmployeeFactory())
    course, _, _ = course_with_modules()
    with freeze_time("2027-03-01 09:00:00"):
        assign(course, [person], date(2027, 3, 10))
    assert [k for k, _ in _run(WINDOW, datetime(2027, 3, 11, 9, tzinfo=UTC))] == ["Overdue"]
    late = _run(WINDOW, datetime(2027, 3, 17, 9, tzinfo=UTC))  # 7 days after the due day
    assert [to for _, to in late] == [person.manager.email]


def test_a_requirement_given_long_after_its_due_date_is_not_reminded_overdue(app_ctx):
    # a new rule "within 30 days of hiring", to everyone: those hired long ago are late at once
    person = EmployeeFactory(manager=EmployeeFactory(), hire_date=date(2026, 6, 1))
    newcomer = EmployeeFactory(hire_date=date(2027, 3, 20))
    course, _, _ = course_with_modules()
    spec = services.AssignmentSpec(
        course_id=course.id,
        audience=AudienceKind.PEOPLE,
        employee_ids=[person.id, newcomer.id],
        due_kind=DueKind.AFTER_HIRE,
        due_days=30,
    )
    with freeze_time(FIRST_RUN):
        services.create_assignment(spec, created_by_id=None)
    assert _run(WINDOW) == []  # nothing "overdue" about what they were given just now
    # the newcomer's due day (19 April) is reminded as usual: 7 days before, then overdue
    assert [to for _, to in _run(WINDOW, datetime(2027, 4, 12, 9, tzinfo=UTC))] == [newcomer.email]
    assert _run(WINDOW, datetime(2027, 4, 20, 9, tzinfo=UTC)) == [("Overdue", newcomer.email)]


def test_without_a_window_every_late_requirement_is_reminded(app_ctx):
    boss, people = _late_team()
    sent = _run(dataclasses.replace(WINDOW, late_window_days=None))
    assert sorted(to for kind, to in sent if kind == "Overdue") == sorted(
        p.email for p in people.values()
    )
    assert sum(to == boss.email for _, to in sent) == 3  # 9, 13 and 40 days late


def test_the_window_is_read_from_the_environment(app_ctx, monkeypatch, tmp_path):
    for value, expected in (("", None), ("3", 3)):
        monkeypatch.setenv("LEARNHUB_REMINDER_LATE_WINDOW_DAYS", value)
        assert load_config(tmp_path)["LEARNHUB_REMINDER_LATE_WINDOW_DAYS"] == expected
    monkeypatch.delenv("LEARNHUB_REMINDER_LATE_WINDOW_DAYS")
    assert load_config(tmp_path)["LEARNHUB_REMINDER_LATE_WINDOW_DAYS"] == 7
    app_ctx.config["LEARNHUB_REMINDER_LATE_WINDOW_DAYS"] = 3
    try:
        assert ReminderSettings.from_config().late_window_days == 3
    finally:
        app_ctx.config["LEARNHUB_REMINDER_LATE_WINDOW_DAYS"] = 7
