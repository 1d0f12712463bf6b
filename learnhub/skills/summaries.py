"""Team skill-gap summaries (DESIGN.md "Team summary").

The summary of manager m covers every active employee in m's subtree (not m). Per targeted
competence: people with a target, people meeting it, mean gap, max gap and how many people are
at each attained level; overall, the share of (person, competence) targets met. It is one SQL
aggregate per manager and framework; Python only folds the small grouped result.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime
from fractions import Fraction

from sqlalchemy import and_, func, select

from learnhub.core.models import utcnow
from learnhub.extensions import db
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
    targets = targets_query(members, framework.id).subquery()
    attained = attained_query(members, at).subquery()
    attained_level = func.coalesce(attained.c.attained, 0)
    buckets = Counter(
        {
            (competence_id, target, level): people
            for competence_id, target, level, people in db.session.execute(
                select(targets.c.competence_id, targets.c.target, attained_level, func.count())
                .select_from(targets)
                .outerjoin(
                    attained,
                    and_(
                        attained.c.employee_id == targets.c.employee_id,
                        attained.c.competence_id == targets.c.competence_id,
                    ),
                )
                .group_by(targets.c.competence_id, targets.c.target, attained_level)
            )
        }
    )
    people_with_targets = db.session.scalar(
        select(func.count(func.distinct(targets.c.employee_id)))
    )
    names = (
        {
            c.id: c
            for c in db.session.scalars(
                select(Competence).where(Competence.id.in_({b[0] for b in buckets}))
            )
        }
        if buckets
        else {}
    )
    return summary_from_buckets(
        buckets, headcount, people_with_targets, names, len(framework.levels)
    )


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
    }


def store_summary(manager_id: int, framework: Framework, at: datetime | None = None) -> TeamSummary:
    """Compute and upsert the summary keyed by (manager, framework); flushes, never commits.
    Running it twice gives the same row (idempotent, DESIGN.md)."""
    at = at or utcnow()
    data = compute_summary(manager_id, framework, at)
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
