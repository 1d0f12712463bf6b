"""When a requirement counts as completed, and when that completion expires (recertification).

- A **module** item is completed by a passed attempt of its quiz; a **course** item when every
  active module of the course has a passed attempt or was waived by a test-out
  (:mod:`learnhub.assignments.waivers`). A completion made before the assignment
  counts while it is valid (issue 10).
- **Validity**: a module's ``validity_months`` (content/courses/*/course.yaml); a course's is
  the shortest of its modules', counted from the oldest of their latest passes, so a course
  never reads as current while the evidence of one of its modules has expired (DESIGN.md: such
  evidence stops counting). No validity: a completion never expires.
- **Renewal** (Totara's certification rule, stated in the README): the renewal window opens
  ``renewal_window_days`` before the expiry, and the requirement is then due again by the
  expiry. Renewed inside the window (before the expiry), the next expiry is counted from the
  previous expiry, so renewing early never shortens the cycle; renewed after the expiry, from
  the completion. Passes before the window opens do not renew anything.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CursorResult,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)

from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Module
from learnhub.core.db import ids_in
from learnhub.core.sqltime import add_months, sql_add_days, sql_add_months
from learnhub.extensions import db
from learnhub.progress.models import ModuleProgress, ProgressStatus
from learnhub.quizzes.models import Attempt, AttemptState, Quiz

logger = logging.getLogger(__name__)


def _last_passes(employee_ids_query: Select) -> Select:
    """(employee_id, module_id, at): each person's latest passed attempt per module."""
    return (
        select(
            Attempt.employee_id.label("employee_id"),
            Quiz.module_id.label("module_id"),
            func.max(Attempt.submitted_at).label("at"),
        )
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(
            Attempt.state == AttemptState.SUBMITTED,
            Attempt.passed.is_(True),
            Attempt.employee_id.in_(employee_ids_query),
        )
        .group_by(Attempt.employee_id, Quiz.module_id)
    )


def _open(employee_ids: Sequence[int] | None, course_ids: Sequence[int] | None):
    conditions: list[ColumnElement[bool]] = [Requirement.completed_at.is_(None)]
    if employee_ids is not None:
        conditions.append(ids_in(Requirement.employee_id, employee_ids))
    if course_ids is not None:
        conditions.append(Requirement.course_id.in_(course_ids))
    return conditions


def count_prior_completions(
    employee_ids: Sequence[int] | None = None,
    *,
    course_ids: Sequence[int] | None = None,
    now: datetime,
) -> int:
    """Requirements not yet completed (of ``employee_ids`` / ``course_ids``, None: all) whose
    item the person already completed, with that completion still valid at ``now``, become
    completed (two set-based UPDATEs: module items, course items). Returns how many."""
    conditions = _open(employee_ids, course_ids)
    people = select(Requirement.employee_id).where(*conditions).distinct()
    passes = _last_passes(people).subquery()
    expires = sql_add_months(passes.c.at, Module.validity_months)
    modules = (
        update(Requirement)
        .where(
            *conditions,
            Requirement.module_key != 0,
            Requirement.employee_id == passes.c.employee_id,
            Requirement.module_key == passes.c.module_id,
            Module.id == passes.c.module_id,
            or_(Module.validity_months.is_(None), expires > now),
        )
        .values(
            completed_at=passes.c.at,
            expires_at=expires,
            renewal_opens_at=sql_add_days(expires, -Requirement.renewal_window_days),
        )
        .execution_options(synchronize_session=False)
    )
    counted = cast(CursorResult, db.session.execute(modules)).rowcount or 0

    totals = (
        select(Module.course_id, func.count(Module.id).label("modules"))
        .where(Module.active.is_(True))
        .group_by(Module.course_id)
        .subquery()
    )
    courses = (
        select(
            passes.c.employee_id,
            Module.course_id,
            func.count(Module.id).label("passed"),
            func.max(passes.c.at).label("completed_at"),
            func.min(passes.c.at).label("oldest"),
            func.min(Module.validity_months).label("months"),
        )
        .join(Module, and_(Module.id == passes.c.module_id, Module.active.is_(True)))
        .group_by(passes.c.employee_id, Module.course_id)
        .subquery()
    )
    course_expires = sql_add_months(courses.c.oldest, courses.c.months)
    whole = (
        update(Requirement)
        .where(
            *conditions,
            Requirement.module_key == 0,
            Requirement.employee_id == courses.c.employee_id,
            Requirement.course_id == courses.c.course_id,
            totals.c.course_id == courses.c.course_id,
            courses.c.passed == totals.c.modules,
            or_(courses.c.months.is_(None), course_expires > now),
        )
        .values(
            completed_at=courses.c.completed_at,
            expires_at=course_expires,
            renewal_opens_at=sql_add_days(course_expires, -Requirement.renewal_window_days),
        )
        .execution_options(synchronize_session=False)
    )
    counted += cast(CursorResult, db.session.execute(whole)).rowcount or 0
    return counted


def validity_months(course_id: int, module_id: int | None) -> int | None:
    """The item's validity period in months (None: never expires); see the module docstring."""
    if module_id is not None:
        return db.session.scalar(select(Module.validity_months).where(Module.id == module_id))
    return db.session.scalar(
        select(func.min(Module.validity_months)).where(
            Module.course_id == course_id, Module.active.is_(True)
        )
    )


def renew(
    requirement: Requirement,
    completed_at: datetime,
    oldest_pass: datetime,
    months: int | None,
    now: datetime,
) -> bool:
    """Apply the completion and renewal rule (module docstring) to ``requirement`` for an item
    last completed at ``completed_at`` whose oldest counting pass is ``oldest_pass``; returns
    whether anything changed. Idempotent: a completion already counted changes nothing."""
    if requirement.completed_at is not None and completed_at <= requirement.completed_at:
        return False
    if months is None:
        if requirement.completed_at is not None:
            return False
        requirement.completed_at = completed_at
        return True
    previous = requirement.expires_at
    if previous is None:
        expires = add_months(oldest_pass, months)
        if expires <= now:
            return False
    else:
        opens = requirement.renewal_opens_at or previous
        if oldest_pass < opens:
            return False  # passes before the window renew nothing
        if completed_at <= previous:
            expires = add_months(previous, months)  # inside the window: from the expiry
        else:
            expires = add_months(oldest_pass, months)  # after the expiry: from the completion
    requirement.completed_at = completed_at
    requirement.expires_at = expires
    requirement.renewal_opens_at = expires - timedelta(days=requirement.renewal_window_days)
    return True


@cache
def _requirements_statement() -> Select:
    """The person's open requirements for a module or its course (``employee_id``,
    ``module_id``; a course requirement's module_key is 0), built once: every pass runs it."""
    module_id: BindParameter[int] = bindparam("module_id")
    course_of_module = select(Module.course_id).where(Module.id == module_id).scalar_subquery()
    return select(Requirement).where(
        Requirement.employee_id == bindparam("employee_id"),
        Requirement.course_id == course_of_module,
        or_(Requirement.module_key == 0, Requirement.module_key == module_id),
        Requirement.waived_at.is_(None),
    )


def on_attempt_submitted(attempt: Attempt, **_: object) -> None:
    """Receiver of ``attempt_submitted``: a passed attempt completes (or renews) the person's
    requirements for its module and, once every module is passed, for its course. One query
    when the person has no requirement for them."""
    if not attempt.passed or attempt.submitted_at is None:
        return
    module_id = attempt.quiz.module_id
    # one statement, the module not loaded: most passes complete no requirement
    requirements = db.session.scalars(
        _requirements_statement(), {"employee_id": attempt.employee_id, "module_id": module_id}
    ).all()
    if not requirements:
        return
    module = db.session.get_one(Module, module_id)
    now = attempt.submitted_at
    for requirement in requirements:
        if requirement.module_key == module.id:
            renew(requirement, now, now, module.validity_months, now)
            continue
        passes: dict[int, datetime] = dict(
            db.session.execute(  # type: ignore[arg-type]
                select(Quiz.module_id, func.max(Attempt.submitted_at))
                .join(Quiz, Quiz.id == Attempt.quiz_id)
                .join(Module, Module.id == Quiz.module_id)
                .where(
                    Attempt.employee_id == attempt.employee_id,
                    Attempt.state == AttemptState.SUBMITTED,
                    Attempt.passed.is_(True),
                    Module.course_id == module.course_id,
                    Module.active.is_(True),
                )
                .group_by(Quiz.module_id)
            ).all()
        )
        passes[module.id] = now
        active = db.session.scalars(
            select(Module.id).where(Module.course_id == module.course_id, Module.active.is_(True))
        ).all()
        # a module the person tested out of counts as passed at its waiver (waivers.py)
        waived = db.session.execute(
            select(ModuleProgress.module_id, ModuleProgress.waived_at).where(
                ModuleProgress.employee_id == attempt.employee_id,
                ModuleProgress.module_id.in_(active),
                ModuleProgress.status == ProgressStatus.WAIVED,
            )
        ).all()
        passes = {**{m: at for m, at in waived if at is not None}, **passes}
        if all(module_id in passes for module_id in active):
            oldest = min(passes[module_id] for module_id in active)
            renew(requirement, now, oldest, validity_months(module.course_id, None), now)
    db.session.flush()
