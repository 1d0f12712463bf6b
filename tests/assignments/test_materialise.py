"""Assignments materialised into targets and requirements: audiences, due dates in each
person's time zone (across daylight-saving changes), one requirement per person and item, prior
completions, rules following joiners, movers and leavers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import event, select

from learnhub.assignments import materialise, services
from learnhub.assignments import preview as assignment_preview
from learnhub.assignments.models import (
    AssignmentTarget,
    AudienceKind,
    DueKind,
    Requirement,
)
from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.progress.models import Enrolment, EnrolmentSource
from tests.assignments.helpers import passed_attempt
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    ModuleFactory,
    OrgUnitFactory,
    QuizFactory,
)


def _course(modules: int = 2, validity: int | None = None, minutes: int = 10):
    course = CourseFactory()
    made = [
        ModuleFactory(course=course, validity_months=validity, minutes=minutes)
        for _ in range(modules)
    ]
    quizzes = [QuizFactory(module=m) for m in made]
    return course, made, quizzes


def _requirements(employee) -> list[Requirement]:
    return list(
        db.session.scalars(select(Requirement).where(Requirement.employee_id == employee.id))
    )


@freeze_time("2027-03-01 09:00:00")
def test_fixed_due_date_ends_at_local_midnight_across_the_dst_change(app_ctx):
    # the EU changes clocks on Sunday 28 March 2027: London goes to UTC+1, Helsinki to UTC+3
    course, _, _ = _course()
    london = EmployeeFactory(timezone="Europe/London")
    helsinki = EmployeeFactory(timezone="Europe/Helsinki")
    spec = services.AssignmentSpec(
        course_id=course.id,
        audience=AudienceKind.PEOPLE,
        employee_ids=[london.id, helsinki.id],
        due_kind=DueKind.FIXED,
        due_date=date(2027, 3, 28),
    )
    services.create_assignment(spec, created_by_id=None)
    [in_london], [in_helsinki] = _requirements(london), _requirements(helsinki)
    # the end of 28 March is midnight on the 29th, summer time
    assert in_london.due_at == datetime(2027, 3, 28, 23, 0, tzinfo=UTC)
    assert in_helsinki.due_at == datetime(2027, 3, 28, 21, 0, tzinfo=UTC)


@freeze_time("2027-03-01 09:00:00")
def test_relative_due_date_counts_days_in_the_persons_zone(app_ctx):
    course, _, _ = _course()
    london = EmployeeFactory(timezone="Europe/London")
    helsinki = EmployeeFactory(timezone="Europe/Helsinki")
    services.create_assignment(
        services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.EVERYONE,
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=30,
        ),
        created_by_id=None,
    )
    # 1 March + 30 days = 31 March, which ends after the change to summer time
    [in_london], [in_helsinki] = _requirements(london), _requirements(helsinki)
    assert in_london.due_at == datetime(2027, 3, 31, 23, 0, tzinfo=UTC)
    assert in_helsinki.due_at == datetime(2027, 3, 31, 21, 0, tzinfo=UTC)
    # winter time on the day the assignment was made is not carried over: 1 November, after
    # the change back, ends at 00:00 UTC in London
    assert in_london.assigned_at == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@freeze_time("2027-01-10 12:00:00")
def test_after_hire_due_date_and_enrolment(app_ctx):
    course, _, _ = _course()
    joiner = EmployeeFactory(timezone="Europe/Helsinki", hire_date=date(2027, 1, 4))
    nodate = EmployeeFactory(timezone="Europe/Helsinki", hire_date=None)
    services.create_assignment(
        services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.EVERYONE,
            due_kind=DueKind.AFTER_HIRE,
            due_days=30,
        ),
        created_by_id=None,
    )
    # hired 4 January + 30 days = 3 February, winter time (UTC+2)
    assert _requirements(joiner)[0].due_at == datetime(2027, 2, 3, 22, 0, tzinfo=UTC)
    # no hire date: counted from the day it reached them, 10 January
    assert _requirements(nodate)[0].due_at == datetime(2027, 2, 9, 22, 0, tzinfo=UTC)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.employee_id == joiner.id))
    assert enrolment.course_id == course.id and enrolment.source == EnrolmentSource.ASSIGNMENT


@freeze_time("2027-01-10 12:00:00")
def test_two_assignments_give_one_requirement_due_at_the_earliest(app_ctx):
    course, _, _ = _course()
    unit = OrgUnitFactory()
    person = EmployeeFactory(org_unit=unit)
    later = services.AssignmentSpec(
        course_id=course.id,
        audience=AudienceKind.EVERYONE,
        due_kind=DueKind.FIXED,
        due_date=date(2027, 6, 30),
    )
    sooner = services.AssignmentSpec(
        course_id=course.id,
        audience=AudienceKind.ORG_UNIT,
        org_unit_id=unit.id,
        due_kind=DueKind.FIXED,
        due_date=date(2027, 2, 28),
    )
    services.create_assignment(later, created_by_id=None)
    second = services.create_assignment(sooner, created_by_id=None)
    [requirement] = _requirements(person)
    # the end of 28 February in UTC, the person's zone
    assert requirement.due_at == datetime(2027, 3, 1, tzinfo=UTC)
    # removing the sooner one leaves the later due date, not a second requirement
    services.remove_assignment(second)
    [requirement] = _requirements(person)
    db.session.refresh(requirement)
    assert requirement.due_at == datetime(2027, 7, 1, tzinfo=UTC)


@freeze_time("2027-01-10 12:00:00")
def test_prior_completion_counts_and_the_preview_says_so(app_ctx):
    course, _, quizzes = _course(modules=2, validity=12)
    done, half, fresh = EmployeeFactory(), EmployeeFactory(), EmployeeFactory()
    for quiz in quizzes:
        passed_attempt(done, quiz, datetime(2026, 6, 1, tzinfo=UTC))
    passed_attempt(half, quizzes[0], datetime(2026, 6, 1, tzinfo=UTC))
    stale = EmployeeFactory()
    for quiz in quizzes:  # passed too long ago: expired after 12 months
        passed_attempt(stale, quiz, datetime(2025, 12, 1, tzinfo=UTC))
    spec = services.AssignmentSpec(
        course_id=course.id,
        audience=AudienceKind.EVERYONE,
        due_kind=DueKind.AFTER_ASSIGNMENT,
        due_days=30,
    )
    preview = assignment_preview.preview(spec)
    assert (preview.people, preview.already_completed, preview.to_do) == (4, 1, 3)
    assert preview.learning_hours == pytest.approx(3 * 20 / 60, abs=0.05)
    assert db.session.scalar(select(Requirement.id)) is None  # the preview changed nothing

    services.create_assignment(spec, created_by_id=None)
    [mine] = _requirements(done)
    assert mine.completed_at == datetime(2026, 6, 1, tzinfo=UTC)
    assert mine.expires_at == datetime(2027, 6, 1, tzinfo=UTC)
    assert mine.renewal_opens_at == datetime(2027, 5, 2, tzinfo=UTC)
    assert _requirements(half)[0].completed_at is None
    assert _requirements(stale)[0].completed_at is None
    assert _requirements(fresh)[0].completed_at is None


@freeze_time("2027-01-10 12:00:00")
def test_rules_follow_joiners_movers_and_leavers(app_ctx):
    course, _, _ = _course()
    benefits, finance = OrgUnitFactory(), OrgUnitFactory()
    team = OrgUnitFactory(parent_id=None)
    team.parent_id = benefits.id
    stays = EmployeeFactory(org_unit=team)
    mover = EmployeeFactory(org_unit=benefits)
    leaver = EmployeeFactory(org_unit=benefits)
    services.create_assignment(
        services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.ORG_UNIT,
            org_unit_id=benefits.id,
            include_sub_units=True,
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=30,
        ),
        created_by_id=None,
    )
    assert all(len(_requirements(p)) == 1 for p in (stays, mover, leaver))
    with freeze_time("2027-02-01 08:00:00"):
        joiner = EmployeeFactory(org_unit=benefits, timezone="UTC")
        mover.org_unit = finance
        leaver.active = False
        db.session.flush()
        materialise.refresh_for_people([joiner.id, mover.id, leaver.id])
    [joined] = _requirements(joiner)
    # a joiner's relative due date counts from the day the rule reached them
    assert joined.due_at == datetime(2027, 3, 4, tzinfo=UTC)
    assert _requirements(mover) == [] and _requirements(leaver) == []
    assert len(_requirements(stays)) == 1


def test_manager_assigns_only_inside_their_subtree(app_ctx):
    course, modules, _ = _course()
    manager = EmployeeFactory()
    report = EmployeeFactory(manager=manager)
    outsider = EmployeeFactory()
    db.session.flush()
    spec = services.AssignmentSpec(
        course_id=course.id,
        audience=AudienceKind.PEOPLE,
        employee_ids=[report.id, outsider.id],
        module_ids=[modules[0].id],
        due_kind=DueKind.AFTER_ASSIGNMENT,
        due_days=14,
    )
    with pytest.raises(ValidationFailed) as refused:
        services.create_assignment(spec, created_by_id=manager.id, manager_id=manager.id)
    # an outsider and an unknown id answer alike (tester's finding 8)
    assert [i.where for i in refused.value.errors] == ["employee_ids"]
    spec.employee_ids = [report.id, 987654]
    with pytest.raises(ValidationFailed) as unknown:
        services.create_assignment(spec, created_by_id=manager.id, manager_id=manager.id)
    assert [i.message for i in unknown.value.errors] == [
        m.replace(str(outsider.id), "987654") for m in [i.message for i in refused.value.errors]
    ]
    assert db.session.scalar(select(AssignmentTarget.employee_id)) is None
    spec.employee_ids = [report.id]
    services.create_assignment(spec, created_by_id=manager.id, manager_id=manager.id)
    [requirement] = _requirements(report)
    assert requirement.module_id == modules[0].id


@freeze_time("2027-01-10 12:00:00")
def test_bad_input_names_each_field_and_changes_nothing(app_ctx):
    course, _, _ = _course()
    spec = services.AssignmentSpec(
        course_id=course.id,
        audience=AudienceKind.ORG_UNIT,
        org_unit_id=999_999,
        module_ids=[888_888],
        due_kind=DueKind.FIXED,
        due_date=date(2027, 1, 9),
    )
    with pytest.raises(ValidationFailed) as refused:
        services.create_assignment(spec, created_by_id=None)
    assert sorted(i.where for i in refused.value.errors) == [
        "due_date",
        "module_ids",
        "org_unit_id",
    ]
    unknown = services.AssignmentSpec(
        course_id=777_777, audience=AudienceKind.EVERYONE, due_kind=DueKind.AFTER_HIRE, due_days=-1
    )
    with pytest.raises(ValidationFailed) as refused:
        assignment_preview.preview(unknown)
    assert sorted(i.where for i in refused.value.errors) == ["course_id", "due_days"]


def test_a_changed_relative_due_date_counts_from_each_persons_own_day(app_ctx):
    course, _, _ = _course()
    with freeze_time("2027-01-10 12:00:00"):
        first = EmployeeFactory(timezone="UTC")
        assignment = services.create_assignment(
            services.AssignmentSpec(
                course_id=course.id,
                audience=AudienceKind.EVERYONE,
                due_kind=DueKind.AFTER_ASSIGNMENT,
                due_days=30,
            ),
            created_by_id=None,
        )
    with freeze_time("2027-01-20 12:00:00"):
        joiner = EmployeeFactory(timezone="UTC")
        materialise.refresh_for_people([joiner.id])
        services.change_due(assignment, due_days=40)
    # 10 January + 40 days = 19 February, ends at midnight; the joiner's counts from 20 January
    assert _requirements(first)[0].due_at == datetime(2027, 2, 20, tzinfo=UTC)
    assert _requirements(joiner)[0].due_at == datetime(2027, 3, 2, tzinfo=UTC)


def test_a_preview_writes_no_statements_or_enrolments_even_for_a_moment(app_ctx, count_queries):
    """The preview materialises in a savepoint it rolls back; the xAPI "was assigned" rows
    and the enrolments are left out of that rehearsal (no preview figure reads them), while
    the real run writes both."""
    course, _, _ = _course(modules=1)
    EmployeeFactory(), EmployeeFactory()
    spec = services.AssignmentSpec(
        course_id=course.id,
        audience=AudienceKind.EVERYONE,
        due_kind=DueKind.AFTER_ASSIGNMENT,
        due_days=30,
    )
    with count_queries() as queries:
        preview = assignment_preview.preview(spec)
    assert preview.people == 2
    written = " ".join(queries.statements)
    assert "INSERT INTO requirements" in written  # the rehearsal is real
    assert "INSERT INTO xapi_statements" not in written
    assert "INSERT INTO enrolments" not in written

    with count_queries() as queries:
        services.create_assignment(spec, created_by_id=None)
    written = " ".join(queries.statements)
    assert "INSERT INTO xapi_statements" in written
    assert "INSERT INTO enrolments" in written


@freeze_time("2027-01-10 12:00:00")
def test_rules_follow_a_list_of_people_as_one_parameter(app_ctx):
    """Applying the rules again to a list of people (an HR import's delta) reaches exactly
    them: joiners get the rule's requirement, a leaver loses it, someone who moved but is
    not in the list is left as they were. On PostgreSQL the ids go as one array parameter
    (``= ANY``), never a parameter per person in every statement (issue 13)."""
    course, _, _ = _course()
    unit, other = OrgUnitFactory(), OrgUnitFactory()
    leaver = EmployeeFactory(org_unit=unit)
    unlisted = EmployeeFactory(org_unit=unit)
    services.create_assignment(
        services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.ORG_UNIT,
            org_unit_id=unit.id,
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=30,
        ),
        created_by_id=None,
    )
    joiners = [EmployeeFactory(org_unit=unit) for _ in range(40)]
    leaver.active = False
    unlisted.org_unit = other
    db.session.flush()
    widest = []

    def params(_conn, _cursor, _statement, parameters, *_args) -> None:
        widest.append(len(parameters) if isinstance(parameters, dict | list | tuple) else 0)

    event.listen(db.engine, "before_cursor_execute", params)
    try:
        materialise.refresh_for_people([p.id for p in joiners] + [leaver.id])
    finally:
        event.remove(db.engine, "before_cursor_execute", params)
    assert all(len(_requirements(p)) == 1 for p in joiners)
    assert _requirements(leaver) == []
    assert len(_requirements(unlisted)) == 1  # not in the list: not re-evaluated
    if db.engine.dialect.name == "postgresql":
        assert max(widest) < 40
