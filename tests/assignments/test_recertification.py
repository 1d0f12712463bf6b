"""Recertification with a frozen clock (issue 10): a course whose module is valid 12 months,
completed through the ``attempt_submitted`` receiver, read by ``status_of`` and by
``status_expression`` (which must agree at every step), and reminded by its expiry.

Rule (README, learnhub.assignments.completion): the renewal window opens
``renewal_window_days`` before the expiry; renewed inside it, the next expiry counts from the
previous expiry; renewed after the expiry, from the completion; a pass before the window opens
renews nothing; an expired completion reads "expired" and is reminded as such."""

from __future__ import annotations

from datetime import UTC, date, datetime

from freezegun import freeze_time
from sqlalchemy import select

from learnhub.assignments import completion
from learnhub.assignments.models import Requirement
from learnhub.assignments.reminder_models import SentReminder
from learnhub.assignments.reminders import ReminderSettings, send_reminders
from learnhub.assignments.status import (
    RequirementStatus,
    started_expression,
    status_expression,
    status_of,
)
from learnhub.extensions import db
from tests.assignments.helpers import (
    assign,
    course_with_modules,
    passed_attempt,
    requirement_of,
    take_outbox,
)
from tests.factories import EmployeeFactory

SETTINGS = ReminderSettings(days_before=(7,), manager_after_days=7, hour=8)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def status(requirement: Requirement, now: str) -> RequirementStatus:
    """The status at ``now`` by both rules, checked to agree."""
    moment = at(now)
    mine = Requirement.id == requirement.id
    started = db.session.scalar(select(started_expression()).where(mine))
    in_python = status_of(requirement, moment, started=bool(started))
    in_sql = db.session.scalar(select(status_expression(moment)).where(mine))
    assert in_python.value == in_sql, (now, in_python, in_sql)
    return in_python


def pass_quiz(employee, quiz, when: str) -> None:
    """A passed attempt at ``when``, announced as the quiz engine does (the receiver)."""
    completion.on_attempt_submitted(passed_attempt(employee, quiz, at(when)))


def reminders(now: str) -> dict[str, int]:
    moment = at(now)
    with freeze_time(moment):
        return {k: n for k, n in send_reminders(moment, settings=SETTINGS).sent.items() if n}


def _setup(**people):
    course, _, [quiz] = course_with_modules(modules=1, validity=12, title="Information security")
    with freeze_time("2027-01-10 09:00:00"):
        assign(course, list(people.values()), date(2027, 2, 28), renewal_window_days=30)
    return course, quiz


def test_renewed_inside_the_window_counts_from_the_previous_expiry(app_ctx):
    person = EmployeeFactory()
    _, quiz = _setup(person=person)
    requirement = requirement_of(person)
    assert status(requirement, "2027-01-15T09:00") == RequirementStatus.NOT_STARTED

    pass_quiz(person, quiz, "2027-02-01T10:00")
    assert requirement.completed_at == at("2027-02-01T10:00")
    assert requirement.expires_at == at("2028-02-01T10:00")
    assert requirement.renewal_opens_at == at("2028-01-02T10:00")
    assert status(requirement, "2027-06-01T09:00") == RequirementStatus.COMPLETED
    assert reminders("2027-02-22T09:00") == {}  # completed before its first due date

    pass_quiz(person, quiz, "2027-12-01T10:00")  # before the window opens: renews nothing
    assert requirement.expires_at == at("2028-02-01T10:00")
    assert status(requirement, "2028-01-01T09:00") == RequirementStatus.COMPLETED
    assert status(requirement, "2028-01-02T11:00") == RequirementStatus.RENEWAL_DUE

    # the window is open: reminders count to the expiry, not to the first due date
    assert reminders("2028-01-20T09:00") == {}
    assert reminders("2028-01-25T09:00") == {"before": 1}
    [email] = take_outbox()
    assert email.subject == "Renew “Information security” by Tuesday 1 February 2028"
    assert "expires on Tuesday 1 February 2028 (in 7 days)" in email.body
    assert db.session.scalar(select(SentReminder.due_at)) == at("2028-02-01T10:00")

    pass_quiz(person, quiz, "2028-01-28T10:00")  # renewed inside the window
    assert requirement.completed_at == at("2028-01-28T10:00")
    assert requirement.expires_at == at("2029-02-01T10:00")  # from the previous expiry
    assert requirement.renewal_opens_at == at("2029-01-02T10:00")
    assert status(requirement, "2028-02-02T09:00") == RequirementStatus.COMPLETED
    assert reminders("2028-02-02T09:00") == {}  # nothing overdue: renewed in time
    assert status(requirement, "2029-01-10T09:00") == RequirementStatus.RENEWAL_DUE
    assert reminders("2029-01-25T09:00") == {"before": 1}  # the next cycle's own reminder
    assert status(requirement, "2029-02-01T10:00") == RequirementStatus.EXPIRED


def test_renewed_after_the_expiry_counts_from_the_completion(app_ctx):
    manager = EmployeeFactory()
    person = EmployeeFactory(manager=manager)
    _, quiz = _setup(person=person)
    requirement = requirement_of(person)
    pass_quiz(person, quiz, "2027-02-01T10:00")
    assert status(requirement, "2028-01-31T09:00") == RequirementStatus.RENEWAL_DUE
    assert status(requirement, "2028-02-01T10:00") == RequirementStatus.EXPIRED
    assert status(requirement, "2028-03-01T09:00") == RequirementStatus.EXPIRED

    assert reminders("2028-02-02T09:00") == {"overdue": 1}
    [email] = take_outbox()
    assert email.subject == "Expired: your completion of “Information security”"
    assert "expired on Tuesday 1 February 2028" in email.body
    assert reminders("2028-02-08T09:00") == {"manager": 1}  # 7 days after the expiry day
    assert "expired on Tuesday 1 February 2028" in take_outbox()[0].body

    pass_quiz(person, quiz, "2028-02-10T10:00")  # renewed after the expiry
    assert requirement.expires_at == at("2029-02-10T10:00")  # from the completion
    assert status(requirement, "2028-02-11T09:00") == RequirementStatus.COMPLETED
    assert reminders("2028-02-11T09:00") == {}


def test_a_prior_completion_is_current_and_renewed_by_its_own_expiry(app_ctx):
    # completed before the assignment existed: it counts while valid (count_prior_completions)
    person = EmployeeFactory()
    course, _, [quiz] = course_with_modules(modules=1, validity=12)
    passed_attempt(person, quiz, at("2026-03-15T08:00"))
    with freeze_time("2027-01-10 09:00:00"):
        assign(course, [person], date(2027, 6, 30), renewal_window_days=60)
    requirement = requirement_of(person)
    assert requirement.expires_at == at("2027-03-15T08:00")
    assert requirement.renewal_opens_at == at("2027-01-14T08:00")  # 60 days before
    assert status(requirement, "2027-01-10T10:00") == RequirementStatus.COMPLETED
    assert status(requirement, "2027-01-14T09:00") == RequirementStatus.RENEWAL_DUE
    # due again by the expiry (15 March), long before the assignment's own 30 June
    assert reminders("2027-03-08T09:00") == {"before": 1}
    assert reminders("2027-03-15T09:00") == {"overdue": 1}
    assert status(requirement, "2027-03-15T09:00") == RequirementStatus.EXPIRED
