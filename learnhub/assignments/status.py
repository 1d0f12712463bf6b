"""A requirement's status, computed from its dates and the person's progress, never stored.

| status | when |
| --- | --- |
| waived | HR waived it |
| completed | completed, and the completion does not expire or its renewal window is not open |
| renewal_due | completed, the renewal window is open, not yet expired: due again by the expiry |
| expired | the completion expired and was not renewed |
| overdue | never completed and past the due date |
| in_progress | never completed, not past due, started (a module attempted) |
| not_started | otherwise |

The same rule twice: :func:`status_of` for one requirement on a page and
:func:`status_expression` for a set-based query (exports, reminders, the 100k benchmark);
tests check that they agree.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, FromClause, and_, case, exists, or_
from sqlalchemy.orm import aliased

from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Module
from learnhub.progress.models import ModuleProgress, ProgressStatus


class RequirementStatus(StrEnum):
    """Where a person stands with one requirement (DESIGN.md's statuses)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    OVERDUE = "overdue"
    RENEWAL_DUE = "renewal_due"
    EXPIRED = "expired"
    WAIVED = "waived"


#: statuses that ask something of the person (their "To do")
OPEN_STATUSES = frozenset(
    {
        RequirementStatus.NOT_STARTED,
        RequirementStatus.IN_PROGRESS,
        RequirementStatus.OVERDUE,
        RequirementStatus.RENEWAL_DUE,
        RequirementStatus.EXPIRED,
    }
)


def effective_due(requirement: Requirement) -> datetime:
    """When the requirement is (next) due: the expiry of a completion that expires, else the
    assigned due instant (UTC)."""
    if requirement.completed_at is not None and requirement.expires_at is not None:
        return requirement.expires_at
    return requirement.due_at


def status_of(requirement: Requirement, now: datetime, *, started: bool) -> RequirementStatus:
    """The status of ``requirement`` at ``now`` (aware); ``started``: the person attempted a
    module of the item (only read when it was never completed)."""
    if requirement.waived_at is not None:
        return RequirementStatus.WAIVED
    if requirement.completed_at is not None:
        if requirement.expires_at is None:
            return RequirementStatus.COMPLETED
        if requirement.expires_at <= now:
            return RequirementStatus.EXPIRED
        opens = requirement.renewal_opens_at
        if opens is not None and opens <= now:
            return RequirementStatus.RENEWAL_DUE
        return RequirementStatus.COMPLETED
    if requirement.due_at < now:
        return RequirementStatus.OVERDUE
    return RequirementStatus.IN_PROGRESS if started else RequirementStatus.NOT_STARTED


def started_expression(requirement: FromClause | None = None) -> ColumnElement[bool]:
    """True when the requirement's person has module progress past not started in its item.

    Correlated to ``requirements`` only, with its own aliases: a query that also selects
    from ``modules`` or ``module_progress`` (an export naming the requirement's module) must
    not have its rows taken for the subquery's. ``requirement``: another FROM whose columns
    ``employee_id``, ``course_id`` and ``module_key`` stand for the requirement's (a subquery
    that carried them, see :func:`status_expression`); None: the ``requirements`` table."""
    source = requirement if requirement is not None else Requirement.__table__
    row = source.c
    progress, module = aliased(ModuleProgress), aliased(Module)
    return (
        exists()
        .where(
            progress.employee_id == row.employee_id,
            progress.status != ProgressStatus.NOT_STARTED,
            module.id == progress.module_id,
            module.course_id == row.course_id,
            or_(row.module_key == 0, row.module_key == module.id),
        )
        .correlate(source)
    )


def status_expression(now: datetime, requirement: FromClause | None = None) -> ColumnElement[str]:
    """SQL CASE giving :class:`RequirementStatus` values for rows of ``requirements`` at
    ``now``, by the same rule as :func:`status_of`. ``requirement``: another FROM (e.g. a
    subquery, read after a sort) with the requirement's columns under their own names
    (``waived_at``, ``completed_at``, ``expires_at``, ``renewal_opens_at``, ``due_at``,
    ``employee_id``, ``course_id``, ``module_key``); None: the ``requirements`` table."""
    row = (requirement if requirement is not None else Requirement.__table__).c
    return case(
        (row.waived_at.is_not(None), RequirementStatus.WAIVED.value),
        (
            and_(row.completed_at.is_not(None), row.expires_at.is_(None)),
            RequirementStatus.COMPLETED.value,
        ),
        (
            and_(row.completed_at.is_not(None), row.expires_at <= now),
            RequirementStatus.EXPIRED.value,
        ),
        (
            and_(row.completed_at.is_not(None), row.renewal_opens_at <= now),
            RequirementStatus.RENEWAL_DUE.value,
        ),
        (row.completed_at.is_not(None), RequirementStatus.COMPLETED.value),
        (row.due_at < now, RequirementStatus.OVERDUE.value),
        (started_expression(requirement), RequirementStatus.IN_PROGRESS.value),
        else_=RequirementStatus.NOT_STARTED.value,
    )


def effective_due_expression() -> ColumnElement[datetime]:
    """SQL of :func:`effective_due`."""
    return case(
        (
            and_(Requirement.completed_at.is_not(None), Requirement.expires_at.is_not(None)),
            Requirement.expires_at,
        ),
        else_=Requirement.due_at,
    )
