"""Enrolments, module progress and course completion, kept current from quiz signals (the
receivers ``on_attempt_*``, connected by :func:`learnhub.progress.init_app`).

Module status: not_started → in_progress (an attempt started) → completed (an attempt passed).
The stored grade follows the quiz's grading method over all submitted attempts, so exports are
a plain join.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import cache

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import lazyload, load_only

from learnhub.catalog import services as catalog
from learnhub.catalog.models import Course, Module
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.progress import xapi
from learnhub.progress.models import Enrolment, EnrolmentSource, ModuleProgress, ProgressStatus
from learnhub.quizzes import services as quiz_services
from learnhub.quizzes.models import Attempt, AttemptState

logger = logging.getLogger(__name__)


def enrol(
    employee_id: int, course_id: int, source: EnrolmentSource = EnrolmentSource.SELF
) -> Enrolment:
    """Enrol once (a repeat returns the enrolment). Raises NotFound for an unknown or
    unpublished course (its page is a 404 too: :func:`learnhub.catalog.services.get_course`)."""
    catalog.get_course(course_id)
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.employee_id == employee_id, Enrolment.course_id == course_id
        )
    )
    if enrolment is None:
        enrolment = Enrolment(employee_id=employee_id, course_id=course_id, source=source)
        db.session.add(enrolment)
        db.session.flush()
    return enrolment


def enrol_many(employee_ids: list[int], course_id: int, source: EnrolmentSource) -> int:
    """Enrol many employees at once; returns how many were new."""
    have = set(
        db.session.scalars(
            select(Enrolment.employee_id).where(
                Enrolment.course_id == course_id, Enrolment.employee_id.in_(employee_ids)
            )
        )
    )
    new = [
        Enrolment(employee_id=e, course_id=course_id, source=source)
        for e in employee_ids
        if e not in have
    ]
    db.session.add_all(new)
    db.session.flush()
    return len(new)


def _progress(employee_id: int, module_id: int) -> ModuleProgress:
    row = db.session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.employee_id == employee_id, ModuleProgress.module_id == module_id
        )
    )
    if row is None:
        # the status is set here, not left to the column default: that applies only at the
        # flush, and the receivers read it before
        row = ModuleProgress(
            employee_id=employee_id, module_id=module_id, status=ProgressStatus.NOT_STARTED
        )
        db.session.add(row)
    return row


def module_opened(employee_id: int, module: Module) -> None:
    """A learner opened a module's lesson: the xAPI ``experienced`` statement, the first time
    only (one SELECT on later visits)."""
    xapi.record_module_experienced(employee_id, module, utcnow())


def on_attempt_started(attempt: Attempt, **_: object) -> None:
    """Receiver of ``attempt_started``: enrol the learner and mark the module in progress (a
    course's diagnostic quiz is :mod:`learnhub.progress.test_out`'s)."""
    if attempt.quiz.module_id is None:
        return
    module = _module_of(attempt.quiz.module_id)
    enrol(attempt.employee_id, module.course_id)
    row = _progress(attempt.employee_id, module.id)
    if row.status == ProgressStatus.NOT_STARTED:
        row.status, row.started_at = ProgressStatus.IN_PROGRESS, attempt.started_at
    db.session.flush()
    xapi.record_attempt_started(attempt, module)


def on_attempt_submitted(attempt: Attempt, **_: object) -> None:
    """Receiver of ``attempt_submitted``: the module's grade, pass and status, the course
    completion and the xAPI statements follow the scored attempt. SQL: the module (with its
    course), the enrolment, the module progress, the learner's attempts at the module (count
    and grade from their scores), the progress UPDATE, the course completion (only while the
    course is not completed yet); for xAPI the questions drawn from banks and their banks'
    names (only when the quiz draws), and one INSERT of the attempt's statements (answers,
    result, and the module's completion when it passed: ``xapi.record_submitted``). The
    module, enrolment and progress are read in one statement (:func:`_module_and_records`).
    Diagnostics: see :mod:`learnhub.progress.test_out`."""
    quiz = attempt.quiz
    if quiz.module_id is None:
        return
    module, enrolment, row = _module_and_records(quiz.module_id, attempt.employee_id)
    submitted, grade = quiz_services.module_record(
        module.id, attempt.employee_id, quiz.grading_method
    )
    row.attempts = submitted
    if grade is not None:
        row.grade_exact = str(grade)
        row.max_points = attempt.max_points
        row.grade_points = _points(grade, attempt.max_points)
    row.passed = bool(row.passed or attempt.passed)
    if row.started_at is None:
        row.started_at = attempt.started_at
    completed = bool(attempt.passed and row.status != ProgressStatus.COMPLETED)
    if completed:
        row.status, row.completed_at = ProgressStatus.COMPLETED, attempt.submitted_at
    elif row.status == ProgressStatus.NOT_STARTED:
        row.status = ProgressStatus.IN_PROGRESS
    db.session.flush()
    xapi.record_submitted(attempt, module, completed)
    _update_course_completion(enrolment, attempt.submitted_at)


def _module_and_records(
    module_id: int, employee_id: int
) -> tuple[Module, Enrolment, ModuleProgress]:
    """The module (as :func:`_module_of` loads it, course joined), the learner's enrolment in
    its course and their progress in it, in one statement: a learner who submits an attempt
    was enrolled and marked in progress when it started. A missing enrolment or progress row
    is made as :func:`enrol` and :func:`_progress` make them (enrol also refuses an
    unpublished course: NotFound, as before)."""
    found = db.session.execute(
        _records_statement(), {"module_id": module_id, "employee_id": employee_id}
    ).one()
    module, enrolment, row = found.Module, found.Enrolment, found.ModuleProgress
    if enrolment is None or not module.course.published:
        enrolment = enrol(employee_id, module.course_id)
    if row is None:
        row = _progress(employee_id, module.id)
    return module, enrolment, row


@cache
def _records_statement() -> Select:
    """:func:`_module_and_records`' statement (``module_id``, ``employee_id``), built once."""
    employee_id = bindparam("employee_id")
    return (
        select(Module, Enrolment, ModuleProgress)
        .outerjoin(
            Enrolment,
            and_(Enrolment.course_id == Module.course_id, Enrolment.employee_id == employee_id),
        )
        .outerjoin(
            ModuleProgress,
            and_(ModuleProgress.module_id == Module.id, ModuleProgress.employee_id == employee_id),
        )
        .where(Module.id == bindparam("module_id"))
        .options(*_MODULE_ONLY)
    )


#: what progress and the xAPI statements read of a module (its course comes joined)
_MODULE_ONLY = (
    load_only(Module.id, Module.course_id, Module.slug, Module.title),
    lazyload(Module.outcomes),
    lazyload(Module.competences),
)


def _module_of(module_id: int) -> Module:
    """The module with its course (joined), without its lesson text, outcomes or competences:
    what progress and the xAPI statement read of it."""
    return db.session.get(Module, module_id, options=_MODULE_ONLY)


def on_attempt_regraded(attempt: Attempt, **_: object) -> None:
    """Receiver of ``attempt_regraded``: a regrade or an essay review changed a score, so
    recompute the module's grade, pass and status from all the employee's attempts (a pass that
    became a fail un-completes the module and, with it, the course). The attempt's xAPI
    statements are stated again: those that changed are voided and replaced, and the
    completions it undid are voided (``learnhub.progress.xapi``). Diagnostics: see
    :mod:`learnhub.progress.test_out`."""
    quiz = attempt.quiz
    if quiz.module_id is None:
        return
    module = db.session.get(Module, quiz.module_id)
    enrolment = enrol(attempt.employee_id, module.course_id)
    row = _progress(attempt.employee_id, module.id)
    history = quiz_services.attempts_of(module.id, attempt.employee_id)
    attempts = [a for a in history if a.state == AttemptState.SUBMITTED]
    row.attempts = len(attempts)
    grade = quiz_services.grade(module.id, attempt.employee_id, quiz.grading_method)
    row.grade_exact = None if grade is None else str(grade)
    row.max_points = attempt.max_points
    row.grade_points = None if grade is None else _points(grade, attempt.max_points)
    passes = sorted(a.submitted_at for a in attempts if a.passed)
    row.passed = bool(passes)
    course_was_completed = enrolment.completed_at is not None
    if passes:
        if row.status != ProgressStatus.COMPLETED:
            row.status, row.completed_at = ProgressStatus.COMPLETED, passes[0]
            xapi.record_module_completed(attempt.employee_id, module, passes[0])
    elif row.status == ProgressStatus.COMPLETED:
        row.status, row.completed_at = ProgressStatus.IN_PROGRESS, None
        enrolment.completed_at = None
        xapi.void_completion("module", attempt.employee_id, module.id)
    db.session.flush()
    # the corrected statements of the attempt (voiding those they replace), and the course's
    xapi.record_regraded(attempt, module)
    _update_course_completion(enrolment, passes[0] if passes else None)
    if course_was_completed and enrolment.completed_at is None:
        xapi.void_completion("course", attempt.employee_id, module.course_id)


def _points(grade: Fraction, max_points: Decimal | None) -> Decimal | None:
    if max_points is None:
        return None
    value = grade * Fraction(max_points)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.0000001"), rounding=ROUND_FLOOR
    )


@cache
def _completion_statement() -> Select:
    """A course's active modules and how many of them a person completed or was waived
    (``employee_id``, ``course_id``), built once: every submit runs it."""
    return (
        select(func.count(Module.id), func.count(ModuleProgress.id))
        .select_from(Module)
        .outerjoin(
            ModuleProgress,
            and_(
                ModuleProgress.module_id == Module.id,
                ModuleProgress.employee_id == bindparam("employee_id"),
                ModuleProgress.status.in_([ProgressStatus.COMPLETED, ProgressStatus.WAIVED]),
            ),
        )
        .where(Module.course_id == bindparam("course_id"), Module.active.is_(True))
    )


def _update_course_completion(enrolment: Enrolment, at: datetime | None) -> None:
    """Complete the enrolment once every active module of its course is completed or waived
    (tested out, :mod:`learnhub.progress.test_out`) (one statement: the active modules and how
    many of them the learner completed or was waived; none when the enrolment is completed
    already)."""
    if enrolment.completed_at is not None:
        return
    total, done = db.session.execute(
        _completion_statement(),
        {"employee_id": enrolment.employee_id, "course_id": enrolment.course_id},
    ).one()
    if total and done == total:
        enrolment.completed_at = at or utcnow()
        xapi.record_course_completed(
            enrolment.employee_id, enrolment.course_id, enrolment.completed_at
        )


@dataclass(frozen=True)
class ModuleStatus:
    module_id: int
    slug: str
    title: str
    position: int
    status: str
    attempts: int
    grade_exact: str | None
    passed: bool | None
    completed_at: datetime | None


@dataclass(frozen=True)
class CourseProgress:
    course_id: int
    slug: str
    title: str
    enrolled: bool
    completed_at: datetime | None
    modules: list[ModuleStatus]

    @property
    def completed_modules(self) -> int:
        return sum(1 for m in self.modules if m.status == ProgressStatus.COMPLETED)

    @property
    def waived_modules(self) -> int:
        """Modules the learner tested out of (not completed, not needed)."""
        return sum(1 for m in self.modules if m.status == ProgressStatus.WAIVED)


def progress_for(employee_id: int) -> list[CourseProgress]:
    """Every published course with the employee's enrolment and per-module status (3 queries)."""
    courses = db.session.scalars(
        select(Course).where(Course.published.is_(True)).order_by(Course.title)
    ).all()
    enrolments = {
        e.course_id: e
        for e in db.session.scalars(select(Enrolment).where(Enrolment.employee_id == employee_id))
    }
    rows = {
        p.module_id: p
        for p in db.session.scalars(
            select(ModuleProgress).where(ModuleProgress.employee_id == employee_id)
        )
    }
    result = []
    for course in courses:
        modules = []
        for module in course.modules:
            if not module.active:
                continue
            row = rows.get(module.id)
            modules.append(
                ModuleStatus(
                    module.id,
                    module.slug,
                    module.title,
                    module.position,
                    row.status if row else ProgressStatus.NOT_STARTED,
                    row.attempts if row else 0,
                    row.grade_exact if row else None,
                    row.passed if row else None,
                    row.completed_at if row else None,
                )
            )
        enrolment = enrolments.get(course.id)
        result.append(
            CourseProgress(
                course.id,
                course.slug,
                course.title,
                enrolment is not None,
                enrolment.completed_at if enrolment else None,
                modules,
            )
        )
    return result


def team_completion(employee_ids: list[int]) -> dict[int, dict[str, int]]:
    """{employee_id: {"enrolled", "completed_courses", "modules_completed"}} in two queries."""
    result = {
        e: {"enrolled": 0, "completed_courses": 0, "modules_completed": 0} for e in employee_ids
    }
    if not employee_ids:
        return result
    for employee_id, enrolled, completed in db.session.execute(
        select(Enrolment.employee_id, func.count(Enrolment.id), func.count(Enrolment.completed_at))
        .where(Enrolment.employee_id.in_(employee_ids))
        .group_by(Enrolment.employee_id)
    ):
        result[employee_id].update(enrolled=enrolled, completed_courses=completed)
    for employee_id, modules in db.session.execute(
        select(ModuleProgress.employee_id, func.count(ModuleProgress.id))
        .where(
            ModuleProgress.employee_id.in_(employee_ids),
            ModuleProgress.status == ProgressStatus.COMPLETED,
        )
        .group_by(ModuleProgress.employee_id)
    ):
        result[employee_id]["modules_completed"] = modules
    return result
