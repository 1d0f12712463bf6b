"""Every team summary at once, by a bottom-up roll-up of the reporting tree (DESIGN.md: counts
and sums add up the tree, so a roll-up beats one aggregate per manager).

Each active employee contributes one count to the bucket (competence, target, attained) of each
competence their job role targets. A manager's summary is the sum of the buckets of everyone
below them, so walking the tree once from the leaves up gives every manager's buckets; the
summary (with_target, meeting, mean and max gap, level distribution) is then derived from the
buckets exactly as :func:`learnhub.skills.summaries.compute_summary` derives it from its one
SQL aggregate. Three queries in all, whatever the number of managers.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import and_, func, select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.skills.models import Competence, Framework, TeamSummary
from learnhub.skills.services import attained_query, targets_query
from learnhub.skills.summaries import summary_from_buckets

logger = logging.getLogger(__name__)


def rollup_summaries(framework: Framework, at: datetime | None = None) -> dict[int, dict]:
    """{manager_id: summary data} for every active employee with an active report below them.

    Shapes as :func:`learnhub.skills.summaries.compute_summary`. Memory is one small Counter per
    employee with targets while it is being added into its manager's.
    """
    at = at or utcnow()
    rows = db.session.execute(select(Employee.id, Employee.manager_id, Employee.active)).all()
    parent = {e: m for e, m, _active in rows}
    active = {e for e, _m, is_active in rows if is_active}
    everyone = select(Employee.id).where(Employee.active.is_(True))
    targets = targets_query(everyone, framework.id).subquery()
    attained = attained_query(everyone, at).subquery()
    own: dict[int, Counter] = defaultdict(Counter)
    for employee_id, competence_id, target, level in db.session.execute(
        select(
            targets.c.employee_id,
            targets.c.competence_id,
            targets.c.target,
            func.coalesce(attained.c.attained, 0),
        )
        .select_from(targets)
        .outerjoin(
            attained,
            and_(
                attained.c.employee_id == targets.c.employee_id,
                attained.c.competence_id == targets.c.competence_id,
            ),
        )
    ):
        own[employee_id][(competence_id, target, level)] += 1

    # depth of every employee, so children are added into parents before parents move up
    depth: dict[int, int] = {}
    for start in parent:
        path, node = [], start
        while node is not None and node not in depth and node not in path:
            path.append(node)
            node = parent.get(node)
        base = depth.get(node, -1) if node is not None else -1
        for offset, visited in enumerate(reversed(path), start=1):
            depth[visited] = base + offset

    below: dict[int, Counter] = defaultdict(Counter)  # buckets of everyone below a manager
    headcount: Counter = Counter()
    with_targets: Counter = Counter()
    for employee_id in sorted(parent, key=depth.__getitem__, reverse=True):
        manager_id = parent[employee_id]
        if manager_id is None:
            continue
        if employee_id in below:
            below[manager_id].update(below[employee_id])
        headcount[manager_id] += headcount[employee_id]
        with_targets[manager_id] += with_targets[employee_id]
        if employee_id in active:
            headcount[manager_id] += 1
            if employee_id in own:
                below[manager_id].update(own[employee_id])
                with_targets[manager_id] += 1

    names = {
        c.id: c
        for c in db.session.scalars(
            select(Competence).where(Competence.framework_id == framework.id)
        )
    }
    levels = len(framework.levels)
    # all_manager_ids(): active people with someone active reporting to them directly
    managers = {m for e, m in parent.items() if m is not None and e in active and m in active}
    return {
        m: summary_from_buckets(
            below.get(m, Counter()), headcount[m], with_targets[m], names, levels
        )
        for m in managers
    }


def store_all_summaries(at: datetime | None = None) -> int:
    """Recompute and upsert every manager's summary for every framework with profiles; delete
    summaries of people who are no longer managers. Flushes; returns how many were stored."""
    from learnhub.skills.services import frameworks_with_profiles

    at = at or utcnow()
    stored = 0
    for framework in frameworks_with_profiles():
        data = rollup_summaries(framework, at)
        existing = {
            s.manager_id: s
            for s in db.session.scalars(
                select(TeamSummary).where(TeamSummary.framework_id == framework.id)
            )
        }
        for manager_id, summary in data.items():
            row = existing.pop(manager_id, None)
            if row is None:
                row = TeamSummary(manager_id=manager_id, framework_id=framework.id)
                db.session.add(row)
            row.data, row.computed_at = summary, at
            stored += 1
        for stale in existing.values():
            db.session.delete(stale)
    db.session.flush()
    return stored
