"""Team skill-gap summaries (DESIGN.md "Team summary").

The summary of manager m covers every active employee in m's subtree (not m). Per targeted
competence: people with a target, people meeting it, mean gap, max gap and how many people are
at each attained level; overall, the share of (person, competence) targets met.

A summary is folded from buckets ``{(competence, target, attained): people}``, which add up the
tree: :func:`compute_summary` gets them from one SQL aggregate over the subtree,
:func:`compose_summary` from the direct reports plus their stored summaries (cheap along the
chain above one change), and :mod:`learnhub.skills.rollup` for every manager in one pass.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime
from fractions import Fraction

from sqlalchemy import Select, and_, func, select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.services import subtree_ids_query
from learnhub.skills.models import Competence, Framework, TeamSummary
from learnhub.skills.services import attained_query, targets_query

logger = logging.getLogger(__name__)


def compute_summary(manager_id: int, framework: Framework, at: datetime | None = None) -> dict:
    """Compute (not store) the summary of ``manager_id``'s subtree for ``framework``.

    Returns::

        {"headcount": int,            # active people in the subtree
         "people_with_targets": int,
         "targets": int, "targets_met": int,
         "share_met": float | None,   # targets_met / targets, None when no targets
         "competences": [{"competence_id", "code", "name", "with_target", "meeting",
                          "mean_gap": float, "max_gap": int,
                          "attained_distribution": {"0": n, "1": n, ...}}, ...]}

    Gaps are in the framework's own scale; mean_gap is rounded to 2 decimals for display only.
    """
    at = at or utcnow()
    members = subtree_ids_query(manager_id)
    headcount = db.session.scalar(select(func.count()).select_from(members.subquery()))
    buckets, people_with_targets = _own_buckets(members, framework, at)
    return summary_from_buckets(
        buckets, headcount, people_with_targets, _competences(buckets), len(framework.levels)
    )


def _competences(buckets: Counter) -> dict[int, Competence]:
    if not buckets:
        return {}
    ids = {competence_id for competence_id, _target, _attained in buckets}
    return {c.id: c for c in db.session.scalars(select(Competence).where(Competence.id.in_(ids)))}


def summary_from_buckets(
    buckets: Counter,
    headcount: int,
    people_with_targets: int,
    competences: dict[int, Competence],
    levels: int,
) -> dict:
    """Fold ``{(competence_id, target, attained): people}`` into the summary shape documented
    at :func:`compute_summary`; ``levels`` is the size of the framework's scale."""
    per: dict[int, dict] = defaultdict(
        lambda: {
            "with_target": 0,
            "meeting": 0,
            "gap_sum": 0,
            "max_gap": 0,
            "levels": defaultdict(int),
        }
    )
    for (competence_id, target, level), people in buckets.items():
        if not people:
            continue
        entry = per[competence_id]
        gap = max(0, target - level)
        entry["with_target"] += people
        entry["meeting"] += people if gap == 0 else 0
        entry["gap_sum"] += gap * people
        entry["max_gap"] = max(entry["max_gap"], gap)
        entry["levels"][str(level)] += people
    rows = []
    for competence_id, entry in per.items():
        competence = competences[competence_id]
        mean = Fraction(entry["gap_sum"], entry["with_target"])
        rows.append(
            {
                "competence_id": competence_id,
                "code": competence.code,
                "name": competence.name,
                "with_target": entry["with_target"],
                "meeting": entry["meeting"],
                "mean_gap": round(float(mean), 2),
                "max_gap": entry["max_gap"],
                "attained_distribution": {
                    str(n): entry["levels"].get(str(n), 0) for n in range(0, levels + 1)
                },
            }
        )
    rows.sort(key=lambda c: [int(p) for p in c["code"].split(".") if p.isdigit()])
    total = sum(c["with_target"] for c in rows)
    met = sum(c["meeting"] for c in rows)
    return {
        "headcount": headcount,
        "people_with_targets": people_with_targets,
        "targets": total,
        "targets_met": met,
        "share_met": round(met / total, 4) if total else None,
        "competences": rows,
        # [[competence_id, target, attained, people], ...]: what a parent's summary adds up
        "buckets": sorted([*key, n] for key, n in buckets.items() if n),
    }


def _own_buckets(
    employee_ids: Select | list[int], framework: Framework, at: datetime
) -> tuple[Counter, int]:
    """({(competence_id, target, attained): people}, people with targets) of these employees
    themselves (a list, or a SELECT of ids such as a subtree); one grouped query."""
    if isinstance(employee_ids, list) and not employee_ids:
        return Counter(), 0
    targets = targets_query(employee_ids, framework.id).subquery()
    attained = attained_query(employee_ids, at).subquery()
    level = func.coalesce(attained.c.attained, 0)
    rows = db.session.execute(
        select(targets.c.competence_id, targets.c.target, level, func.count())
        .select_from(targets)
        .outerjoin(
            attained,
            and_(
                attained.c.employee_id == targets.c.employee_id,
                attained.c.competence_id == targets.c.competence_id,
            ),
        )
        .group_by(targets.c.competence_id, targets.c.target, level)
    )
    people = db.session.scalar(select(func.count(func.distinct(targets.c.employee_id))))
    return Counter({(c, t, a): n for c, t, a, n in rows}), people or 0


def compose_summary(manager_id: int, framework: Framework, at: datetime | None = None) -> dict:
    """The summary of ``manager_id`` built from their direct reports: each active report's own
    targets and levels, plus the stored summary of each report who has people below them
    (summaries add up the tree: DESIGN.md). Equal to :func:`compute_summary` when those stored
    summaries are current, at a cost that depends on the number of direct reports, not on the
    size of the subtree: the chain above one changed employee is recomputed bottom-up with it.
    A report without a usable stored summary falls back to :func:`compute_summary`."""
    at = at or utcnow()
    reports = db.session.execute(
        select(Employee.id, Employee.active).where(Employee.manager_id == manager_id)
    ).all()
    active = [r for r, is_active in reports if is_active]
    buckets, with_targets = _own_buckets(active, framework, at)
    headcount = len(active)
    ids = [r for r, _active in reports]
    with_reports = (
        set(db.session.scalars(select(Employee.manager_id).where(Employee.manager_id.in_(ids))))
        if ids
        else set()
    )
    stored = (
        {
            row.manager_id: row.data
            for row in db.session.scalars(
                select(TeamSummary).where(
                    TeamSummary.framework_id == framework.id,
                    TeamSummary.manager_id.in_(with_reports),
                )
            )
        }
        if with_reports
        else {}
    )
    for report in with_reports:
        data = stored.get(report)
        if data is None or "buckets" not in data:
            data = compute_summary(report, framework, at)
        buckets.update({(c, t, a): n for c, t, a, n in data["buckets"]})
        headcount += data["headcount"]
        with_targets += data["people_with_targets"]
    return summary_from_buckets(
        buckets, headcount, with_targets, _competences(buckets), len(framework.levels)
    )


def store_summary(
    manager_id: int, framework: Framework, at: datetime | None = None, *, composed: bool = False
) -> TeamSummary:
    """Compute and upsert the summary keyed by (manager, framework); flushes, never commits.
    Running it twice gives the same row (idempotent, DESIGN.md). ``composed``: build it from the
    direct reports and their stored summaries (:func:`compose_summary`)."""
    at = at or utcnow()
    data = (compose_summary if composed else compute_summary)(manager_id, framework, at)
    summary = db.session.scalar(
        select(TeamSummary).where(
            TeamSummary.manager_id == manager_id, TeamSummary.framework_id == framework.id
        )
    )
    if summary is None:
        summary = TeamSummary(manager_id=manager_id, framework_id=framework.id)
        db.session.add(summary)
    summary.data = data
    summary.computed_at = at
    db.session.flush()
    return summary


def get_summary(manager_id: int, framework_id: int) -> TeamSummary | None:
    """The stored summary, or None when it was never computed."""
    return db.session.scalar(
        select(TeamSummary).where(
            TeamSummary.manager_id == manager_id, TeamSummary.framework_id == framework_id
        )
    )
