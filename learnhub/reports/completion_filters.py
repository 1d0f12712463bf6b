"""What a completions export covers: who may export whom, and the filters HR or a manager
chose (org unit subtree, course, status, completion date range).

Scope (DESIGN.md "Who uses it"): HR and API tokens with ``exports:read`` export everyone; a
manager exports their own subtree only (direct and indirect reports, active), and without the
quiz columns (grade, points, attempts): "never another person's quiz responses or raw scores".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select

from learnhub.auth.models import Role
from learnhub.auth.permissions import User, can_view_team
from learnhub.core.errors import Forbidden, Issue, ValidationFailed
from learnhub.org.services import subtree_ids_query
from learnhub.progress.models import ProgressStatus
from learnhub.reports.requirements import resolve_course_and_units

#: the module statuses a filter may ask for
COMPLETION_STATUSES = tuple(s.value for s in ProgressStatus)
#: the years a completion date filter may name (the pages' other dates take the same): a day
#: past them overflowed into a 400 "number too large" (9999-12-31 plus a day; tester E5)
DATE_YEARS = (1900, 2999)


@dataclass(frozen=True)
class CompletionFilters:
    """What to export. ``manager_id``: only that manager's subtree, without the quiz columns
    (None: everyone, with them); ``org_unit_ids`` None: every unit; ``course_id`` None: every
    course; ``statuses`` empty: every status; ``completed_from`` / ``completed_before``:
    aware UTC instants bounding ``completed_at`` (from inclusive, before exclusive);
    ``assigned_only``: only the courses required of the person (a requirement of the course or
    of some of its modules, whatever its status), not the ones they enrolled in by choice."""

    manager_id: int | None = None
    org_unit_ids: tuple[int, ...] | None = None
    course_id: int | None = None
    statuses: frozenset[str] = field(default_factory=frozenset)
    completed_from: datetime | None = None
    completed_before: datetime | None = None
    assigned_only: bool = False

    @property
    def include_scores(self) -> bool:
        """Grades, points and attempts are HR's to see, never a manager's."""
        return self.manager_id is None

    def employee_ids(self) -> Select | None:
        """The SELECT of the people in scope (a manager's subtree), None for everyone."""
        return None if self.manager_id is None else subtree_ids_query(self.manager_id)

    def as_audit(self) -> dict:
        """The filters as the audit event records them (JSON)."""
        return {
            "scope": "everyone" if self.manager_id is None else f"subtree:{self.manager_id}",
            "org_unit_ids": list(self.org_unit_ids) if self.org_unit_ids is not None else None,
            "course_id": self.course_id,
            "statuses": sorted(self.statuses),
            "completed_from": self.completed_from.isoformat() if self.completed_from else None,
            "completed_before": (
                self.completed_before.isoformat() if self.completed_before else None
            ),
            "assigned_only": self.assigned_only,
        }


def export_scope(user: User) -> int | None:
    """Whose completions ``user`` may export: None for everyone (HR, or an API token holding
    ``exports:read``), else their own employee id (a manager: their subtree).
    Forbidden (403) for anyone else."""
    if getattr(user, "is_api_token", False) or user.has_role(Role.HR):
        return None
    if can_view_team(user):
        return user.employee_id
    raise Forbidden("Only HR and managers export completions: nobody reports to you.")


def resolve_completion_filters(
    *,
    manager_id: int | None = None,
    course: str | None = None,
    org_unit: str | None = None,
    include_sub_units: bool = True,
    statuses: Sequence[str] = (),
    completed_from: date | None = None,
    completed_to: date | None = None,
    assigned_only: bool = False,
) -> CompletionFilters:
    """The filters from what was asked: ``course`` a course slug, ``org_unit`` an org unit
    code (with its sub-units unless ``include_sub_units`` is False), ``statuses`` values of
    :data:`COMPLETION_STATUSES`, ``completed_from`` / ``completed_to`` calendar days in UTC,
    both inclusive. ValidationFailed (422) naming each field that names nothing known, a day
    outside the years :data:`DATE_YEARS`, and a range that ends before it starts."""
    issues: list[Issue] = []
    course_id, unit_ids = resolve_course_and_units(course, org_unit, include_sub_units, issues)
    unknown = sorted(set(statuses) - set(COMPLETION_STATUSES))
    if unknown:
        issues.append(
            Issue(
                "status",
                f"unknown status {', '.join(unknown)}; known: {', '.join(COMPLETION_STATUSES)}",
            )
        )
    first, last = DATE_YEARS
    for name, day in (("completed_from", completed_from), ("completed_to", completed_to)):
        if day is not None and not first <= day.year <= last:
            issues.append(Issue(name, f"give a year from {first} to {last} ({day} is not)"))
    if issues:
        pass  # a day out of range is not compared with the other
    elif completed_from and completed_to and completed_to < completed_from:
        issues.append(
            Issue("completed_to", f"{completed_to} is before completed_from {completed_from}")
        )
    if issues:
        raise ValidationFailed("the export's filters are not valid", issues)
    return CompletionFilters(
        manager_id=manager_id,
        org_unit_ids=unit_ids,
        course_id=course_id,
        statuses=frozenset(statuses),
        completed_from=_midnight(completed_from) if completed_from else None,
        completed_before=_midnight(completed_to + timedelta(days=1)) if completed_to else None,
        assigned_only=assigned_only,
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
