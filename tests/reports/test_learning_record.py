"""The learner's record of learning (learnhub.reports.learning_record): every course enrolled
in or required, its completion; under it each module completed or tested out of with its quiz
result (the grade progress stores under the grading method, pass, attempts) and each module
required; the requirements' statuses; days in the person's own time zone; the CSV of the same,
formula cells neutralised; and three statements whatever the record holds."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from learnhub.assignments.listing import due_day
from learnhub.assignments.models import Requirement
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.time_zones import zone
from learnhub.progress.models import Enrolment, ModuleProgress
from learnhub.quizzes import scoring
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.models import Attempt, Quiz
from learnhub.reports.formats import csv_text
from learnhub.reports.learning_record import HEADER, learning_record, record_rows
from tests.assignments.helpers import assign
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
#: noon UTC on 2 March 2027 is already 3 March in Auckland (UTC+13 then)
NOON_UTC = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)


def _take(quiz: Quiz, employee_id: int, right: int) -> Attempt:
    """Start and submit an attempt answering the first ``right`` questions correctly."""
    attempt = quizzes.start_attempt(quiz.id, employee_id)
    answers = {
        q.id: scoring.score_question(q.spec, None).correct_response or {}
        for q in quiz.questions[:right]
    }
    return quizzes.submit_attempt(attempt, answers)


def _row(employee_id: int, module_id: int) -> ModuleProgress:
    return (
        db.session.query(ModuleProgress)
        .filter_by(employee_id=employee_id, module_id=module_id)
        .one()
    )


@pytest.fixture
def learner(app_ctx):
    """A learner in Auckland with: course A (3 active modules and a retired one): the first
    completed by quiz (average of 1/2 and 1), the second tested out of, the third required
    alone and never opened, the retired one completed; course B required whole (which enrols),
    nothing done; course C enrolled, nothing done. Someone else completed a module of A too."""
    me = EmployeeFactory(timezone="Pacific/Auckland")
    other = EmployeeFactory()
    a = CourseFactory(title="A course")
    quizzed = QuizFactory(
        module=ModuleFactory(course=a), gift=TWO_QUESTIONS, grading_method="average"
    )
    tested, required = ModuleFactory(course=a), ModuleFactory(course=a)
    retired = ModuleFactory(course=a, active=False)
    _take(quizzed, me.id, right=1)  # failed
    _take(quizzed, me.id, right=2)  # passed: completed
    _row(me.id, quizzed.module_id).completed_at = NOON_UTC
    ModuleProgressFactory(employee=me, module=tested, status="waived", waived_at=NOON_UTC)
    ModuleProgressFactory(employee=me, module=retired, completed=True)
    _take(quizzed, other.id, right=2)
    b = CourseFactory(title="B course")
    ModuleFactory(course=b)
    assign(b, [me], date.today() + timedelta(days=10))
    overdue = db.session.query(Requirement).filter_by(employee_id=me.id, course_id=b.id).one()
    overdue.due_at = utcnow() - timedelta(days=2)  # two days late
    assign(a, [me], date.today() + timedelta(days=10), module_ids=[required.id])
    c = CourseFactory(title="C course")
    ModuleFactory(course=c)
    EnrolmentFactory(employee=me, course=c)
    CourseFactory(title="D course")  # neither enrolled nor required: not on the record
    db.session.flush()
    return me, {"a": a, "b": b, "c": c, "quizzed": quizzed, "tested": tested, "required": required}


def test_the_record_lists_courses_modules_results_and_requirements(learner):
    me, made = learner
    record = learning_record(me)
    assert str(record.time_zone) == "Pacific/Auckland"
    assert [c.title for c in record.courses] == ["A course", "B course", "C course"]
    a, b, c = record.courses
    assert (a.enrolled, a.completed_at, a.active_modules) == (True, None, 3)
    # counted as My learning counts: active modules only (the retired one is listed, not counted)
    assert (a.completed_modules, a.tested_out_modules) == (1, 1)
    assert a.requirement is None
    quizzed, tested, retired, required = a.modules
    assert quizzed.module_id == made["quizzed"].module_id
    # the grade progress stored under "average": (1/2 + 1) / 2 = 75%; passed; two attempts
    assert (quizzed.status, str(quizzed.grade_percent), quizzed.passed, quizzed.attempts) == (
        "completed",
        "75.0",
        True,
        2,
    )
    assert quizzed.grading_method == "average"
    # the day in the learner's zone, not UTC's
    assert (quizzed.done_at, quizzed.done_on) == (NOON_UTC, date(2027, 3, 3))
    assert (tested.module_id, tested.status, tested.tested_out) == (
        made["tested"].id,
        "waived",
        True,
    )
    assert (tested.done_on, tested.grade_percent) == (date(2027, 3, 3), None)
    assert retired.status == "completed" and retired.requirement is None
    assert (required.module_id, required.status, required.done_on) == (
        made["required"].id,
        "not_started",
        None,
    )
    assert required.requirement.status == "not_started"
    # an assignment enrols the person: B is theirs, nothing done, required and overdue
    assert (b.enrolled, b.modules, b.requirement.status) == (True, [], "overdue")
    assert (c.enrolled, c.modules, c.requirement) == (True, [], None)


def test_a_completed_course_shows_its_day_in_the_persons_zone(learner):
    me, made = learner
    enrolment = db.session.query(Enrolment).filter_by(employee_id=me.id, course_id=made["a"].id)
    enrolment.one().completed_at = NOON_UTC
    [a] = [c for c in learning_record(me).courses if c.course_id == made["a"].id]
    assert (a.completed_at, a.completed_on) == (NOON_UTC, date(2027, 3, 3))


def test_another_persons_progress_is_never_on_the_record(learner):
    me, made = learner
    other = EmployeeFactory()
    _take(made["quizzed"], other.id, right=2)
    assert learning_record(other).courses[0].modules[0].attempts == 1
    quizzed = learning_record(me).courses[0].modules[0]
    assert quizzed.attempts == 2  # mine only, not the two others'
    assert learning_record(EmployeeFactory()).courses == []


def _csv(record) -> list[dict[str, str]]:
    text = "".join(csv_text(record_rows(record)))
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_holds_the_same_one_row_per_module(learner):
    me, _made = learner
    rows = _csv(learning_record(me))
    assert list(rows[0]) == HEADER
    assert [(r["course"], r["module_status"]) for r in rows] == [
        ("A course", "completed"),
        ("A course", "tested_out"),
        ("A course", "completed"),
        ("A course", "not_started"),
        ("B course", ""),
        ("C course", ""),
    ]
    first = rows[0]
    assert (first["course_status"], first["module_completed_on"]) == ("enrolled", "2027-03-03")
    assert (first["grade_percent"], first["grading_method"], first["result"]) == (
        "75.0",
        "average",
        "passed",
    )
    assert (first["attempts"], first["time_zone"]) == ("2", "Pacific/Auckland")
    assert rows[1]["result"] == "tested_out" and rows[1]["grade_percent"] == ""
    assert rows[3]["module_requirement"] == "not_started" and rows[3]["module_due_on"]
    assert (rows[4]["course_status"], rows[4]["course_requirement"]) == (
        "enrolled",
        "overdue",
    )
    overdue = db.session.query(Requirement).filter_by(employee_id=me.id, module_key=0).one()
    due = due_day(overdue.due_at, zone("Pacific/Auckland"))
    assert rows[4]["course_due_on"] == due.isoformat()


def test_csv_cells_that_read_as_formulas_are_neutralised(app_ctx):
    me = EmployeeFactory()
    module = ModuleFactory(course=CourseFactory(title='=HYPERLINK("http://x")'), title="+1 module")
    EnrolmentFactory(employee=me, course=module.course)
    ModuleProgressFactory(employee=me, module=module, completed=True)
    [row] = _csv(learning_record(me))
    assert row["course"] == '\'=HYPERLINK("http://x")' and row["module"] == "'+1 module"


@pytest.mark.parametrize("courses", [1, 6])
def test_three_statements_whatever_the_record_holds(app_ctx, count_queries, courses):
    me = EmployeeFactory()
    for n in range(courses):
        course = CourseFactory()
        for module in [ModuleFactory(course=course) for _ in range(3)]:
            QuizFactory(module=module)
            ModuleProgressFactory(employee=me, module=module, completed=True)
        EnrolmentFactory(employee=me, course=course)
        if n % 2:
            assign(course, [me], date.today() + timedelta(days=5))
    db.session.flush()
    db.session.expire_all()  # as in a request: nothing loaded yet but the signed-in person
    me = db.session.get(Employee, me.id)
    with count_queries() as queries:
        record = learning_record(me, now=utcnow())
    assert len(record.courses) == courses
    assert sum(len(c.modules) for c in record.courses) == 3 * courses
    # the requirements (with their statuses), the module progress rows (with each module's
    # current quiz), the courses (with their active modules counted)
    assert queries.count == 3, queries
