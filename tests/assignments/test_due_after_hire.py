"""Due N days after hire, for people hired long ago: when hire date + N days has passed before
the assignment reaches them, they are due N days after the assignment instead (Totara's rule
for relative due dates), so they are not overdue at once and their manager is not told."""

from __future__ import annotations

from datetime import UTC, date, datetime

from freezegun import freeze_time

from learnhub.assignments import preview, services
from learnhub.assignments.models import AssignmentTarget, AudienceKind, DueKind
from learnhub.extensions import db
from tests.assignments.helpers import course_with_modules, requirement_of, take_outbox
from tests.assignments.test_reminders import run
from tests.factories import EmployeeFactory


def _spec(course, people) -> services.AssignmentSpec:
    return services.AssignmentSpec(
        course_id=course.id,
        audience=AudienceKind.PEOPLE,
        employee_ids=[p.id for p in people],
        due_kind=DueKind.AFTER_HIRE,
        due_days=10,
    )


def test_people_hired_long_ago_are_due_n_days_after_the_assignment(app_ctx):
    manager = EmployeeFactory()
    old_hand = EmployeeFactory(hire_date=date(2021, 3, 1), manager=manager)
    joiner = EmployeeFactory(hire_date=date(2027, 2, 25), manager=manager)
    course, _, _ = course_with_modules()
    with freeze_time("2027-03-01 09:00:00"):
        shown = preview.preview(_spec(course, [old_hand, joiner]))
        assert (shown.people, shown.to_do, shown.due_from_assignment) == (2, 2, 1)
        services.create_assignment(_spec(course, [old_hand, joiner]), created_by_id=None)
    # the joiner: 10 days after hire; the old hand: 10 days after the assignment
    assert requirement_of(joiner).due_at == datetime(2027, 3, 8, tzinfo=UTC)
    assert requirement_of(old_hand).due_at == datetime(2027, 3, 12, tzinfo=UTC)
    bases = dict(
        db.session.execute(
            db.select(AssignmentTarget.employee_id, AssignmentTarget.base_date)
        ).all()
    )
    assert bases == {joiner.id: date(2027, 2, 25), old_hand.id: date(2027, 3, 1)}
    take_outbox()
    # no overdue reminder, no email to the manager the day it is assigned
    assert run("2027-03-01T10:00") == {"before": 2}
    assert {e.to_address for e in take_outbox()} == {old_hand.email, joiner.email}
    # the joiner is late; the old hand's is due in 2 days (the 3-day window)
    assert run("2027-03-09T09:00") == {"before": 1, "overdue": 1}
    assert {e.subject for e in take_outbox()} == {
        f"“{course.title}” is due in 2 days",
        f"Overdue: “{course.title}” was due on Sunday 7 March 2027",
    }
    assert run("2027-03-13T09:00") == {"overdue": 1}  # the old hand, at their later date
    assert [e.to_address for e in take_outbox()] == [old_hand.email]


def test_no_later_date_when_due_after_the_assignment(app_ctx):
    joiner = EmployeeFactory(hire_date=date(2027, 2, 25))
    course, _, _ = course_with_modules()
    with freeze_time("2027-03-01 09:00:00"):
        assert preview.preview(_spec(course, [joiner])).due_from_assignment == 0
