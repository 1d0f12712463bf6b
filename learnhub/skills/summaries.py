"""Team skill-gap summaries of one manager (DESIGN.md "Team summary").

The summary of manager m covers every active employee in m's subtree (not m). Per targeted
competence: people with a target, people meeting it, mean gap, max gap and how many people are
at each attained level; overall, the share of (person, competence) targets met.

A summary is stored as counts plus buckets ``(job role, competence, target, attained) ->
people`` (:class:`learnhub.skills.models.TeamSummary`), which add up the tree:
:func:`compute_summary` gets them from one SQL aggregate over the subtree,
:func:`compose_summary` from the direct reports plus their stored buckets (cheap along the
chain above one change), and :mod:`learnhub.skills.rollup` for every manager at once in SQL.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import Select, and_, delete, exists, func, insert, or_, select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine
from learnhub.org.services import subtree_ids_query
from learnhub.skills.buckets import summary_from_buckets, without_roles
from learnhub.skills.models import (
    BenchmarkCell,
    Competence,
    Framework,
    RecomputeRequest,
    TeamSummary,
)
from learnhub.skills.services import attained_query, targets_query

logger = logging.getLogger(__name__)

__all__ = [
    "compose_summary",
    "compute_summary",
    "get_summary",
    "pending_since",
    "store_organisation_cells",
    "summary_from_buckets",
]

#: {(job_role_id, competence_id, target, attained): people}
RoleBuckets = Counter
#: benchmark cells per INSERT statement (6 bound parameters each)
CELLS_PER_INSERT = 1000


def compute_summary(manager_id: int, framework: Framework, at: datetime | None = None) -> dict:
    """Compute (not store) the summary of ``manager_id``'s subtree for ``framework``.

    Returns::

        {"headcount": int,            # active people in the subtree
         "people_with_targets": int,
         "targets": int, "targets_met": int,
         "share_met": float | None,   # targets_met / targets, None when no targets
         "competences": [{"competence_id", "code", "name", "with_target", "meeting",
                          "mean_gap": float, "max_gap": int,
                          "attained_distribution": {"0": n, "1": n, ...}}, ...],
         "buckets": [[competence_id, target, attained, people], ...]}

    Gaps are in the framework's own scale; mean_gap is rounded to 2 decimals for display only.
    """
    return _fold(*_subtree_buckets(manager_id, framework, at or utcnow()), framework)


def compose_summary(manager_id: int, framework: Framework, at: datetime | None = None) -> dict:
    """The summary of ``manager_id`` built from their direct reports: each active report's own
    targets and levels, plus the stored buckets of each report who has people below them
    (summaries add up the tree: DESIGN.md). Equal to :func:`compute_summary` when those stored
    summaries are current, at a cost that depends on the number of direct reports, not on the
    size of the subtree: the chain above one changed employee is recomputed bottom-up with it.
    A report without a stored summary falls back to an aggregate over their subtree."""
    return _fold(*_composed_buckets(manager_id, framework, at or utcnow()), framework)


def get_summary(manager_id: int, framework_id: int) -> TeamSummary | None:
    """The stored summary, or None when it was never computed."""
    return db.session.scalar(
        select(TeamSummary).where(
            TeamSummary.manager_id == manager_id, TeamSummary.framework_id == framework_id
        )
    )


def pending_since(manager_id: int) -> datetime | None:
    """When the oldest recompute request still pending that covers ``manager_id``'s summaries
    was made (UTC), or None when none is: the stored summaries are then up to date with every
    committed change. A request covers them when it names everyone, the manager themself, or
    someone below them (a person whose managers are asked for, or a manager whose summary and
    those above it are): the request model, DESIGN.md "recompute request". Requests are
    removed by the recompute that covered them, so a pending one means the figures may lag.
    One statement; each pending row costs one primary-key lookup in the reporting-line
    closure (the table holds only what is still to do)."""
    below = exists().where(
        ReportingLine.ancestor_id == manager_id,
        ReportingLine.descendant_id
        == func.coalesce(RecomputeRequest.employee_id, RecomputeRequest.manager_id),
    )
    return db.session.scalar(
        select(func.min(RecomputeRequest.requested_at)).where(
            or_(
                RecomputeRequest.everyone.is_(True),
                RecomputeRequest.manager_id == manager_id,
                below,
            )
        )
    )


def store_organisation_cells(framework: Framework, at: datetime | None = None) -> None:
    """Recompute the organisation-wide benchmark figures of ``framework`` (one
    :class:`BenchmarkCell` per job role and competence) from the people at the top of the tree
    and the stored buckets below them; flushes, never commits."""
    at = at or utcnow()
    buckets, _headcount, _people = _composed_buckets(None, framework, at)
    _write_cells(framework.id, buckets, at)


def _write_cells(framework_id: int, buckets: RoleBuckets, at: datetime) -> None:
    """Replace the benchmark cells of ``framework_id`` by the folding of ``buckets`` (the
    whole organisation's)."""
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for (role_id, competence_id, target, attained), people in buckets.items():
        cell = cells[(role_id, competence_id)]
        cell[0] += people
        cell[1] += people if attained >= target else 0
    db.session.execute(delete(BenchmarkCell).where(BenchmarkCell.framework_id == framework_id))
    rows = [
        {
            "framework_id": framework_id,
            "job_role_id": role_id,
            "competence_id": competence_id,
            "with_target": with_target,
            "meeting": meeting,
            "computed_at": at,
        }
        for (role_id, competence_id), (with_target, meeting) in cells.items()
    ]
    # multi-row INSERTs (job roles x competences: a few hundred rows), below both databases'
    # bound-parameter limits
    for start in range(0, len(rows), CELLS_PER_INSERT):
        db.session.execute(insert(BenchmarkCell).values(rows[start : start + CELLS_PER_INSERT]))


def _fold(buckets: RoleBuckets, headcount: int, people_with_targets: int, framework) -> dict:
    plain = without_roles(buckets)
    return summary_from_buckets(
        plain, headcount, people_with_targets, _competences(plain), len(framework.levels)
    )


def _competences(buckets: Counter) -> dict[int, Competence]:
    if not buckets:
        return {}
    ids = {competence_id for competence_id, _target, _attained in buckets}
    return {c.id: c for c in db.session.scalars(select(Competence).where(Competence.id.in_(ids)))}


def _subtree_buckets(
    manager_id: int, framework: Framework, at: datetime
) -> tuple[RoleBuckets, int, int]:
    """(buckets, headcount, people with targets) of ``manager_id``'s subtree: one aggregate
    over the subtree, read from the reporting-line closure."""
    members = subtree_ids_query(manager_id)
    headcount = db.session.scalar(select(func.count()).select_from(members.subquery())) or 0
    buckets = _own_buckets(members, framework, at)
    return buckets, headcount, people_in(buckets)


def _own_buckets(employee_ids: Select | list[int], framework: Framework, at: datetime) -> Counter:
    """The buckets of these employees themselves (a list, or a SELECT of ids such as a
    subtree); one grouped query."""
    if isinstance(employee_ids, list) and not employee_ids:
        return Counter()
    targets = targets_query(employee_ids, framework.id).add_columns(Employee.job_role_id)
    targets = targets.subquery()
    attained = attained_query(employee_ids, at).subquery()
    level = func.coalesce(attained.c.attained, 0)
    key = (targets.c.job_role_id, targets.c.competence_id, targets.c.target, level)
    rows = db.session.execute(
        select(*key, func.count())
        .select_from(targets)
        .outerjoin(
            attained,
            and_(
                attained.c.employee_id == targets.c.employee_id,
                attained.c.competence_id == targets.c.competence_id,
            ),
        )
        .group_by(*key)
    )
    return Counter({(r, c, t, a): n for r, c, t, a, n in rows})


def people_in(buckets: RoleBuckets) -> int:
    """How many people the buckets hold: a job role's people each have one bucket per
    competence of the role's profile, so per role any one competence counts them."""
    per_cell: Counter = Counter()
    for (role_id, competence_id, _target, _attained), people in buckets.items():
        per_cell[(role_id, competence_id)] += people
    per_role: dict[int, int] = {}
    for (role_id, _competence_id), people in per_cell.items():
        per_role[role_id] = max(per_role.get(role_id, 0), people)
    return sum(per_role.values())


def _composed_buckets(
    manager_id: int | None, framework: Framework, at: datetime
) -> tuple[RoleBuckets, int, int]:
    """(buckets, headcount, people with targets) of ``manager_id``'s subtree from the direct
    reports' own buckets and the stored buckets of those who have reports; with None, of the
    whole organisation (everyone at the top of the tree is a "direct report")."""
    above = (
        Employee.manager_id.is_(None) if manager_id is None else Employee.manager_id == manager_id
    )
    reports = select(Employee.id).where(above)
    active = reports.where(Employee.active.is_(True))
    buckets = _own_buckets(active, framework, at)
    headcount = db.session.scalar(select(func.count()).select_from(active.subquery())) or 0
    # reports with people below them: their stored summaries add up (else an aggregate)
    managing = select(Employee.manager_id).where(Employee.manager_id.in_(reports)).distinct()
    with_reports = set(db.session.scalars(managing))
    stored = {}
    for summary in db.session.scalars(
        select(TeamSummary).where(
            TeamSummary.framework_id == framework.id, TeamSummary.manager_id.in_(managing)
        )
    ):
        stored[summary.manager_id] = summary.headcount
        buckets.update(summary.role_buckets())
    for report in with_reports - set(stored):
        sub, sub_headcount, _people = _subtree_buckets(report, framework, at)
        buckets.update(sub)
        headcount += sub_headcount
    headcount += sum(stored.values())
    return buckets, headcount, people_in(buckets)
