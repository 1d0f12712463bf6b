"""Enrolments, module progress and course completion (learnhub.progress.services), kept
current from quiz attempts, and the xAPI statement each submitted attempt leaves.

Rules: an attempt started puts the module in progress; a passed attempt completes it (and
stays completed after a later fail); the stored grade follows the quiz's grading method over
all submitted attempts; a course is completed when every active module is."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from learnhub.catalog.models import Module
from learnhub.core.errors import NotFound
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.progress import services as progress
from learnhub.progress.models import Enrolment, ModuleProgress, XapiStatement
from learnhub.progress.xapi import VERB_FAILED, VERB_PASSED, iso_duration
from learnhub.quizzes import scoring
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.models import Attempt, Quiz
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    EnrolmentFactory,
    ModuleFactory,
    ModuleProgressFactory,
    QuizFactory,
)

#: two questions of one point each: half marks fail an 80% pass mark
TWO_QUESTIONS = "::Sky:: The sky is blue. {T}\n\n::Sea:: The sea is dry. {F}\n"


def _take(quiz: Quiz, employee_id: int, right: int) -> Attempt:
    """Start and submit an attempt answering the first ``right`` questions correctly."""
    attempt = quizzes.start_attempt(quiz.id, employee_id)
    answers = {
        q.id: scoring.score_question(q.spec, None).correct_response or {}
        for q in quiz.questions[:right]
    }
    return quizzes.submit_attempt(attempt, answers)


def _row(employee_id: int, module_id: int) -> ModuleProgress:
    return db.session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.employee_id == employee_id, ModuleProgress.module_id == module_id
        )
    )


def test_starting_an_attempt_puts_the_module_in_progress(app_ctx):
    quiz = QuizFactory(gift=TWO_QUESTIONS)
    me = EmployeeFactory()
    started = quizzes.start_attempt(quiz.id, me.id)
    row = _row(me.id, quiz.module_id)
    assert (row.status, row.started_at, row.attempts) == ("in_progress", started.started_at, 0)


def test_fail_pass_then_fail_again(app_ctx):
    quiz = QuizFactory(gift=TWO_QUESTIONS, grading_method="highest")
    me = EmployeeFactory()
    started = quizzes.start_attempt(quiz.id, me.id)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.employee_id == me.id))
    assert enrolment.source == "self"  # starting a quiz enrols in its course

    quizzes.submit_attempt(started, {})  # nothing answered: failed
    row = _row(me.id, quiz.module_id)
    assert (row.status, row.started_at) == ("in_progress", started.started_at)
    assert (row.attempts, row.passed, row.grade_exact) == (1, False, "0")
    passed = _take(quiz, me.id, right=2)
    assert (row.status, row.completed_at, row.attempts) == ("completed", passed.submitted_at, 2)
    assert (row.grade_exact, row.grade_points, row.max_points) == ("1", Decimal(2), Decimal(2))

    _take(quiz, me.id, right=1)  # a later fail keeps the completion and the highest grade
    assert (row.status, row.completed_at, row.passed) == ("completed", passed.submitted_at, True)
    assert (row.attempts, row.grade_exact) == (3, "1")


@pytest.mark.parametrize(
    ("method", "grade", "points"),
    [("highest", "1", "2"), ("last", "1/2", "1"), ("first", "1", "2"), ("average", "3/4", "1.5")],
)
def test_stored_grade_follows_the_grading_method(app_ctx, method, grade, points):
    quiz = QuizFactory(gift=TWO_QUESTIONS, grading_method=method)
    me = EmployeeFactory()
    _take(quiz, me.id, right=2)
    _take(quiz, me.id, right=1)
    row = _row(me.id, quiz.module_id)
    assert (row.grade_exact, row.grade_points) == (grade, Decimal(points))


def test_course_completes_when_every_active_module_is_completed(app_ctx):
    course = CourseFactory()
    first = QuizFactory(module=ModuleFactory(course=course), gift=TWO_QUESTIONS)
    second = QuizFactory(module=ModuleFactory(course=course), gift=TWO_QUESTIONS)
    ModuleFactory(course=course, active=False)  # a retired module does not count
    me = EmployeeFactory()
    _take(first, me.id, right=2)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.employee_id == me.id))
    assert enrolment.completed_at is None
    last = _take(second, me.id, right=2)
    assert enrolment.completed_at == last.submitted_at
    [mine] = [c for c in progress.progress_for(me.id) if c.course_id == course.id]
    assert (mine.enrolled, mine.completed_at, mine.completed_modules) == (
        True,
        last.submitted_at,
        2,
    )
    assert len(mine.modules) == 2


def test_progress_for_lists_published_courses_with_active_modules(app_ctx):
    me = EmployeeFactory()
    module = ModuleFactory()
    ModuleFactory(course=module.course, active=False)
    hidden = ModuleFactory(course=CourseFactory(published=False))
    ModuleProgressFactory(employee=me, module=module, completed=True)
    courses = {c.course_id: c for c in progress.progress_for(me.id)}
    assert hidden.course_id not in courses
    titles = [c.title for c in courses.values()]
    assert titles == sorted(titles)
    mine = courses[module.course_id]
    assert mine.enrolled is False and mine.completed_at is None  # progress, no enrolment
    [status] = mine.modules  # the inactive module is left out
    assert (status.module_id, status.status, status.attempts, status.passed) == (
        module.id,
        "completed",
        1,
        True,
    )
    assert mine.completed_modules == 1


def test_enrol_is_idempotent_and_refuses_an_unknown_course(app_ctx):
    me, other = EmployeeFactory(), EmployeeFactory()
    course = CourseFactory()
    first = progress.enrol(me.id, course.id)
    assert progress.enrol(me.id, course.id, source="assignment") is first
    assert first.source == "self"
    with pytest.raises(NotFound):
        progress.enrol(me.id, 999_999)
    assert progress.enrol_many([me.id, other.id], course.id, "assignment") == 1
    assert progress.enrol_many([me.id, other.id], course.id, "assignment") == 0


def test_team_completion_counts_enrolments_completed_courses_and_modules(app_ctx):
    me, idle = EmployeeFactory(), EmployeeFactory()
    done, started = ModuleFactory(), ModuleFactory()
    EnrolmentFactory(employee=me, course=done.course, completed_at=utcnow())
    EnrolmentFactory(employee=me, course=started.course)
    ModuleProgressFactory(employee=me, module=done, completed=True)
    ModuleProgressFactory(employee=me, module=started)
    assert progress.team_completion([me.id, idle.id]) == {
        me.id: {"enrolled": 2, "completed_courses": 1, "modules_completed": 1},
        idle.id: {"enrolled": 0, "completed_courses": 0, "modules_completed": 0},
    }
    assert progress.team_completion([]) == {}


def test_each_submitted_attempt_leaves_an_xapi_statement(app_ctx):
    quiz = QuizFactory(gift=TWO_QUESTIONS)
    me = EmployeeFactory(first_name="Ada", last_name="Lovelace", email="ada@example.test")
    failed = _take(quiz, me.id, right=1)
    passed = _take(quiz, me.id, right=2)
    statements = db.session.scalars(
        select(XapiStatement)
        .where(
            XapiStatement.employee_id == me.id,
            XapiStatement.verb.in_([VERB_FAILED, VERB_PASSED]),
        )
        .order_by(XapiStatement.timestamp)
    ).all()
    assert [s.verb for s in statements] == [VERB_FAILED, VERB_PASSED]
    first, second = (s.statement for s in statements)
    assert first["actor"] == {
        "objectType": "Agent",
        "name": "Ada Lovelace",
        "mbox": "mailto:ada@example.test",
    }
    module = db.session.get(Module, quiz.module_id)
    assert first["object"]["id"] == (
        f"{app_ctx.config['LEARNHUB_BASE_URL']}/xapi/activities/courses/{module.course.slug}"
        f"/modules/{module.slug}/quiz/v{quiz.version}"
    )
    assert first["result"]["score"] == {"scaled": 0.5, "raw": 1.0, "min": 0, "max": 2.0}
    assert first["result"]["success"] is False and second["result"]["success"] is True
    assert first["result"]["duration"].startswith("PT0H0M")
    assert first["timestamp"] == failed.submitted_at.isoformat().replace("+00:00", "Z")
    assert second["timestamp"].endswith("Z") and passed.passed is True


@pytest.mark.parametrize(
    ("seconds", "duration"),
    [
        (0, "PT0H0M0S"),
        (59.5, "PT0H0M59.5S"),
        (61.25, "PT0H1M1.25S"),
        (3600.1, "PT1H0M0.1S"),
        (-5, "PT0H0M0S"),  # a clock step back never gives a negative duration
    ],
)
def test_iso_durations(seconds, duration):
    assert iso_duration(seconds) == duration
