"""Folding summary buckets into a team skill-gap summary (DESIGN.md "Team summary").

A bucket ``(competence_id, target, attained) -> people`` counts the people of a subtree with
that target and attained level in one competence. Buckets add up the tree, so every way of
computing a summary (one aggregate over a subtree, the set-based roll-up, a manager composed
from their reports) ends in :func:`summary_from_buckets`. Pure: no database access, so the
models can fold their stored buckets without importing the services.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from fractions import Fraction
from typing import Protocol


class Named(Protocol):
    """What a summary needs of a competence (a ``Competence`` row)."""

    code: str
    name: str


def summary_from_buckets(
    buckets: Counter,
    headcount: int,
    people_with_targets: int,
    competences: Mapping[int, Named],
    levels: int,
) -> dict:
    """Fold ``{(competence_id, target, attained): people}`` into the summary shape documented
    at :func:`learnhub.skills.summaries.compute_summary`; ``levels`` is the size of the
    framework's scale. ``competences`` must hold every competence id of the buckets."""
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


def without_roles(buckets: Mapping[tuple[int, int, int, int], int]) -> Counter:
    """``{(job_role_id, competence_id, target, attained): people}`` summed over job roles."""
    folded: Counter = Counter()
    for (_role, competence_id, target, attained), people in buckets.items():
        folded[(competence_id, target, attained)] += people
    return folded
