"""Test-out: what a course's diagnostic quiz (``learnhub.quizzes.diagnostic``) does to
progress. Receivers of the attempt signals for diagnostic attempts, connected by
:func:`learnhub.progress.init_app` (the module receivers ignore diagnostics).

- Starting it enrols the learner in the course; it marks no module in progress.
- Passing it **waives** each module it covers that the learner has not completed: status
  ``waived`` with ``waived_at`` = the submit, not ``completed`` (the learner did not take the
  module; exports and requirements say "waived"). A module completed already stays completed;
  a waived module the learner later passes becomes completed.
- The course completes when every active module is completed or waived (even when all are
  waived: the course's outcomes were shown by the diagnostic); see
  ``services._update_course_completion``.
- Failing it changes no progress (its tagged questions may still give evidence).
- A regrade that leaves the learner no passed diagnostic attempt withdraws the waiver: the
  modules waived at that time go back to in progress (or not started), and the course is
  completed no longer unless its modules are.

``modules_waived`` / ``modules_unwaived`` (:mod:`learnhub.progress.signals`) tell assignments;
each waived module gets an xAPI ``waived`` statement, voided when the waiver is withdrawn.
Flushes, never commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select

from learnhub.catalog.models import Module
from learnhub.extensions import db
from learnhub.progress.models import Enrolment, ModuleProgress, ProgressStatus
from learnhub.progress.services import _progress, _update_course_completion, enrol
from learnhub.progress.signals import modules_unwaived, modules_waived
from learnhub.progress.xapi.statements import record_module_waived, void_waiver
from learnhub.quizzes.models import Attempt, AttemptState, Quiz

logger = logging.getLogger(__name__)


def on_attempt_started(attempt: Attempt, **_: object) -> None:
    """Receiver of ``attempt_started`` for a diagnostic: enrol the learner in the course."""
    if attempt.quiz.course_id is not None:
        enrol(attempt.employee_id, attempt.quiz.course_id)


def on_attempt_submitted(attempt: Attempt, **_: object) -> None:
    """Receiver of ``attempt_submitted`` for a diagnostic: a pass waives the covered modules."""
    quiz = attempt.quiz
    if quiz.course_id is None:
        return
    enrolment = enrol(attempt.employee_id, quiz.course_id)
    if attempt.passed and attempt.submitted_at is not None:
        waive(enrolment, list(quiz.covers or []), attempt.submitted_at)


def on_attempt_regraded(attempt: Attempt, **_: object) -> None:
    """Receiver of ``attempt_regraded`` for a diagnostic: the waiver follows whether any of
    the learner's diagnostic attempts at the course still passes."""
    quiz = attempt.quiz
    if quiz.course_id is None:
        return
    enrolment = enrol(attempt.employee_id, quiz.course_id)
    first_pass = db.session.scalar(
        select(func.min(Attempt.submitted_at))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(
            Quiz.course_id == quiz.course_id,
            Attempt.employee_id == attempt.employee_id,
            Attempt.state == AttemptState.SUBMITTED,
            Attempt.passed.is_(True),
        )
    )
    if first_pass is not None:
        waive(enrolment, list(quiz.covers or []), first_pass)
    else:
        unwaive(enrolment)


def waive(enrolment: Enrolment, module_ids: list[int], at: datetime) -> list[int]:
    """Waive ``module_ids`` (of the enrolment's course, active) for the enrolled learner unless
    completed or waived already; then the course completion follows and ``modules_waived`` is
    sent. Returns the module ids waived now."""
    active = set(
        db.session.scalars(
            select(Module.id).where(
                Module.course_id == enrolment.course_id,
                Module.active.is_(True),
                Module.id.in_(module_ids),
            )
        )
    )
    waived = []
    for module_id in sorted(active):
        row = _progress(enrolment.employee_id, module_id)
        if row.status in (ProgressStatus.COMPLETED, ProgressStatus.WAIVED):
            continue
        row.status, row.waived_at = ProgressStatus.WAIVED, at
        waived.append(module_id)
    db.session.flush()
    if waived:  # one learner's few modules: a statement each
        for module in db.session.scalars(select(Module).where(Module.id.in_(waived))):
            record_module_waived(enrolment.employee_id, module, at)
    if waived:
        _update_course_completion(enrolment, at)
        modules_waived.send(
            None,
            employee_id=enrolment.employee_id,
            course_id=enrolment.course_id,
            module_ids=waived,
            at=at,
        )
        logger.info("employee %s tested out of modules %s", enrolment.employee_id, waived)
    return waived


def unwaive(enrolment: Enrolment) -> list[int]:
    """Withdraw the learner's waivers in the enrolment's course: each waived module goes back
    to in progress (an attempt was started) or not started; the course is completed no longer
    unless its modules are; ``modules_unwaived`` is sent per waiver time. Returns the ids."""
    rows = db.session.scalars(
        select(ModuleProgress)
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(
            ModuleProgress.employee_id == enrolment.employee_id,
            Module.course_id == enrolment.course_id,
            ModuleProgress.status == ProgressStatus.WAIVED,
        )
    ).all()
    if not rows:
        return []
    by_time: dict[datetime, list[int]] = {}
    for row in rows:
        if row.waived_at is not None:
            by_time.setdefault(row.waived_at, []).append(row.module_id)
        started = row.attempts or row.started_at is not None
        row.status = ProgressStatus.IN_PROGRESS if started else ProgressStatus.NOT_STARTED
        row.waived_at = None
        void_waiver(enrolment.employee_id, row.module_id)
    enrolment.completed_at = None
    db.session.flush()
    _update_course_completion(enrolment, None)
    for at, module_ids in by_time.items():
        modules_unwaived.send(
            None,
            employee_id=enrolment.employee_id,
            course_id=enrolment.course_id,
            module_ids=module_ids,
            at=at,
        )
    return [row.module_id for row in rows]
