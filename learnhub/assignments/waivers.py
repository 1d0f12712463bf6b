"""Requirements waived by a test-out (a passed diagnostic quiz, ``learnhub.progress.test_out``).

- A **module** requirement for a module the person tested out of is waived (``waived_at`` =
  the module progress row's ``waived_at``), unless already completed: the person need not take
  it, and its status reads "waived".
- A **course** requirement is waived when every active module of the course is waived; when
  some are waived and the rest completed it is completed (the course completes with waived
  modules: the completion and renewal rule of :mod:`learnhub.assignments.completion`, the
  waiver counting as a pass at its time).
- A regrade that withdraws the waiver (``modules_unwaived``) clears ``waived_at`` on the
  requirements it waived (those whose ``waived_at`` is the waiver's time).

The receivers run inside the transaction of the submit; :func:`apply_waivers` is the
set-based form that :func:`learnhub.assignments.materialise.sync_requirements` runs for new
requirements of people who tested out before they were assigned. Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, update

from learnhub.assignments.completion import renew, validity_months
from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Module
from learnhub.core.db import ids_in
from learnhub.extensions import db
from learnhub.progress.models import ModuleProgress, ProgressStatus
from learnhub.quizzes.models import Attempt, AttemptState, Quiz


def on_modules_waived(
    _sender: object, *, employee_id: int, course_id: int, module_ids: list[int], at: datetime, **_
) -> None:
    """``modules_waived``: waive the person's open requirements for those modules, then settle
    the course requirement (module docstring)."""
    db.session.execute(
        update(Requirement)
        .where(
            Requirement.employee_id == employee_id,
            Requirement.course_id == course_id,
            Requirement.module_key.in_(module_ids),
            Requirement.completed_at.is_(None),
            Requirement.waived_at.is_(None),
        )
        .values(waived_at=at)
        .execution_options(synchronize_session="fetch")
    )
    course_requirement = db.session.scalar(
        select(Requirement).where(
            Requirement.employee_id == employee_id,
            Requirement.course_id == course_id,
            Requirement.module_key == 0,
            Requirement.waived_at.is_(None),
        )
    )
    if course_requirement is not None:
        _settle_course(course_requirement, at)
    db.session.flush()


def _settle_course(requirement: Requirement, now: datetime) -> None:
    """Waive or complete a course requirement whose modules are all waived or passed."""
    active = db.session.scalars(
        select(Module.id).where(Module.course_id == requirement.course_id, Module.active.is_(True))
    ).all()
    waived = dict(
        db.session.execute(
            select(ModuleProgress.module_id, ModuleProgress.waived_at).where(
                ModuleProgress.employee_id == requirement.employee_id,
                ModuleProgress.module_id.in_(active),
                ModuleProgress.status == ProgressStatus.WAIVED,
            )
        ).all()
    )
    passes: dict[Any, datetime] = {
        module_id: at
        for module_id, at in db.session.execute(
            select(Quiz.module_id, func.max(Attempt.submitted_at))
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(
                Attempt.employee_id == requirement.employee_id,
                Attempt.state == AttemptState.SUBMITTED,
                Attempt.passed.is_(True),
                Quiz.module_id.in_(active),
            )
            .group_by(Quiz.module_id)
        ).all()
        if at is not None
    }
    if not active or not all(m in waived or m in passes for m in active):
        return
    if all(m in waived for m in active):
        requirement.waived_at = now
        return
    done = {**passes, **{m: at for m, at in waived.items() if at is not None}}
    latest, oldest = max(done.values()), min(done.values())
    renew(requirement, latest, oldest, validity_months(requirement.course_id, None), now)


def on_modules_unwaived(
    _sender: object, *, employee_id: int, course_id: int, module_ids: list[int], at: datetime, **_
) -> None:
    """``modules_unwaived``: the requirements that waiver waived are required again."""
    db.session.execute(
        update(Requirement)
        .where(
            Requirement.employee_id == employee_id,
            Requirement.course_id == course_id,
            Requirement.module_key.in_([0, *module_ids]),
            Requirement.waived_at == at,
        )
        .values(waived_at=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()


def apply_waivers(
    employee_ids: Sequence[int] | None = None, *, course_ids: Sequence[int] | None = None
) -> int:
    """Waive open module requirements (of ``employee_ids`` / ``course_ids``, None: all) whose
    module the person tested out of, and course requirements whose every active module they
    tested out of (two set-based UPDATEs). Returns how many requirements were waived."""
    conditions: list[ColumnElement[bool]] = [
        Requirement.completed_at.is_(None),
        Requirement.waived_at.is_(None),
    ]
    if employee_ids is not None:
        conditions.append(ids_in(Requirement.employee_id, employee_ids))
    if course_ids is not None:
        conditions.append(Requirement.course_id.in_(course_ids))
    waived_at = (
        select(ModuleProgress.waived_at)
        .where(
            ModuleProgress.employee_id == Requirement.employee_id,
            ModuleProgress.module_id == Requirement.module_key,
            ModuleProgress.status == ProgressStatus.WAIVED,
        )
        .scalar_subquery()
    )
    modules = db.session.execute(
        update(Requirement)
        .where(*conditions, Requirement.module_key != 0, waived_at.is_not(None))
        .values(waived_at=waived_at)
        .execution_options(synchronize_session=False)
    )
    not_waived = (
        select(Module.id)
        .outerjoin(
            ModuleProgress,
            and_(
                ModuleProgress.module_id == Module.id,
                ModuleProgress.employee_id == Requirement.employee_id,
                ModuleProgress.status == ProgressStatus.WAIVED,
            ),
        )
        .where(
            Module.course_id == Requirement.course_id,
            Module.active.is_(True),
            ModuleProgress.id.is_(None),
        )
        .exists()
    )
    last_waiver = (
        select(func.max(ModuleProgress.waived_at))
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(
            ModuleProgress.employee_id == Requirement.employee_id,
            Module.course_id == Requirement.course_id,
            ModuleProgress.status == ProgressStatus.WAIVED,
        )
        .scalar_subquery()
    )
    courses = db.session.execute(
        update(Requirement)
        .where(*conditions, Requirement.module_key == 0, ~not_waived, last_waiver.is_not(None))
        .values(waived_at=last_waiver)
        .execution_options(synchronize_session=False)
    )
    return (getattr(modules, "rowcount", 0) or 0) + (getattr(courses, "rowcount", 0) or 0)
