"""Every team summary at once, set-based: a bottom-up roll-up of the reporting tree in SQL
(DESIGN.md: counts and sums add up the tree, so a roll-up beats one aggregate per manager and
even one aggregate over the closure of the tree).

One ``INSERT … SELECT … ON CONFLICT DO UPDATE`` per framework writes every manager's summary
row. Around it: one temporary table of the people with reports (``rollup_nodes``: manager,
depth, whether their summary is stored, whether they are "upper", i.e. someone reporting to
them has reports too), one DELETE of former managers' summaries, the organisation's benchmark
cells, a count: 18 statements for one framework on PostgreSQL, whatever the number of
managers. The upsert's
common table expressions:

- ``direct``: one bucket ``(job role, competence, target, attained) -> 1`` per target of every
  active person, with their manager (one join of targets and evidence, not grouped: a team of
  individual contributors, most managers, has these as its buckets);
- ``upper_own``: at each upper node, its own people's and its teams of individual
  contributors' buckets, summed in one pass;
- ``level_<d>``, from the deepest level up: an upper node's buckets are its ``upper_own``
  plus those of the upper nodes one level down. The tree's depth (6 levels at 100,000 people
  with 8 reports each) fixes how many there are; leavers with reports pass their people up;
- ``direct_counts``, ``counts_<d>``: headcounts and people with targets, rolled up alike.

The buckets of each manager become one list in their summary row (on PostgreSQL a
two-dimensional integer array, three times cheaper to build than JSON).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import (
    CTE,
    Boolean,
    Column,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import aliased

from learnhub.core.db import dialect_insert
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine
from learnhub.skills.buckets import summary_from_buckets, without_roles
from learnhub.skills.composed import bucket_list, store_benchmark_cells, targeted_roles
from learnhub.skills.models import (
    Competence,
    Framework,
    TeamSummary,
)
from learnhub.skills.services import attained_query, frameworks_with_profiles, targets_query

logger = logging.getLogger(__name__)

_KEY = ("job_role_id", "competence_id", "target", "attained")
_STORED = ("computed_at", "headcount", "people_with_targets", "buckets")
#: PostgreSQL's per-operation sort and hash memory for this transaction: the roll-up holds a
#: million bucket rows at 100,000 people, which spill to disk with the 4 MB default
WORK_MEM = "64MB"


def store_all_summaries(at: datetime | None = None) -> int:
    """Recompute and store every manager's summary for every framework with target profiles,
    delete the summaries of people who are no longer managers, and refresh the organisation
    benchmark cells. Set-based (see the module's docstring); flushes, never commits. Returns
    how many summaries were stored (managers x frameworks)."""
    at = at or utcnow()
    session = db.session
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    frameworks = frameworks_with_profiles()
    with _tree() as deepest:
        for framework in frameworks:
            _upsert(framework, at, deepest)
    session.execute(
        delete(TeamSummary).where(
            TeamSummary.framework_id.in_([f.id for f in frameworks]),
            TeamSummary.manager_id.not_in(_manager_ids()),
        )
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, TeamSummary):  # loaded before: holds the old figures
            session.expire(obj)
    for framework in frameworks:  # from the summaries at the top of the tree, just stored
        store_benchmark_cells(framework, at)
    return session.scalar(
        select(func.count()).where(TeamSummary.framework_id.in_([f.id for f in frameworks]))
    )


def _upsert(framework: Framework, at: datetime, deepest: int) -> None:
    """The one INSERT … SELECT … ON CONFLICT DO UPDATE of every summary of ``framework``."""
    summaries = _summaries(framework, at, deepest).subquery()
    upsert = dialect_insert(TeamSummary).from_select(
        ["manager_id", "framework_id", *_STORED],
        select(
            summaries.c.manager_id,
            literal(framework.id),
            literal(at, TeamSummary.computed_at.type),
            summaries.c.headcount,
            summaries.c.people_with_targets,
            summaries.c.buckets,
        )
        .where(summaries.c.manager_id.is_not(None))  # SQLite: an upsert's SELECT has a WHERE
        # rows are locked in manager order, so two writers in that order never deadlock
        .order_by(summaries.c.manager_id),
    )
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["manager_id", "framework_id"],
            set_={column: upsert.excluded[column] for column in _STORED},
        )
    )


def rollup_summaries(framework: Framework, at: datetime | None = None) -> dict[int, dict]:
    """{manager_id: summary data} for every manager (active, with an active direct report),
    computed by the same statement as :func:`store_all_summaries` but not stored. Shapes as
    :func:`learnhub.skills.summaries.compute_summary`; folds every summary in Python, so it is
    for checks and small organisations, not the nightly run."""
    at = at or utcnow()
    names = {
        c.id: c
        for c in db.session.scalars(
            select(Competence).where(Competence.framework_id == framework.id)
        )
    }
    levels = len(framework.levels)
    result = {}
    with _tree() as deepest:
        rows = db.session.execute(_summaries(framework, at, deepest)).all()
    for manager_id, headcount, people, buckets in rows:
        own: Counter = Counter()
        for r, c, t, a, n in buckets or ():
            own[(r, c, t, a)] += n
        result[manager_id] = summary_from_buckets(
            without_roles(own), headcount, people, names, levels
        )
    return result


def _manager_ids() -> Select:
    report = aliased(Employee)
    return select(Employee.id).where(
        Employee.active.is_(True),
        exists().where(report.manager_id == Employee.id, report.active.is_(True)),
    )


#: everyone with a report, in a temporary table with statistics (a CTE has none, and the
#: planner then sorts a million bucket rows to merge-join them with it)
nodes = Table(
    "rollup_nodes",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("parent_id", Integer),
    Column("depth", Integer),
    Column("is_manager", Boolean),
    Column("is_upper", Boolean),
    prefixes=["TEMPORARY"],
)


@contextmanager
def _tree() -> Iterator[int]:
    """Fill :data:`nodes` for the block: (id, parent_id, depth, is_manager, is_upper) of
    everyone with a report; yields the depth of the deepest of them (-1: nobody). The table
    is dropped when the block ends (and with the transaction if it fails)."""
    session = db.session
    connection = session.connection()
    session.execute(text(f"DROP TABLE IF EXISTS {nodes.name}"))
    nodes.create(connection)
    try:
        report, below = aliased(Employee), aliased(Employee)
        # the number of ancestors: the deepest line above (one index entry), 0 at the top
        depth = func.coalesce(
            select(func.max(ReportingLine.depth))
            .where(ReportingLine.descendant_id == Employee.id)
            .scalar_subquery(),
            0,
        )
        is_manager = and_(
            Employee.active.is_(True),
            exists().where(report.manager_id == Employee.id, report.active.is_(True)),
        )
        is_upper = exists().where(
            report.manager_id == Employee.id, exists().where(below.manager_id == report.id)
        )
        session.execute(
            insert(nodes).from_select(
                ["id", "parent_id", "depth", "is_manager", "is_upper"],
                select(Employee.id, Employee.manager_id, depth, is_manager, is_upper).where(
                    Employee.id.in_(select(report.manager_id).where(report.manager_id.is_not(None)))
                ),
            )
        )
        if connection.dialect.name == "postgresql":
            session.execute(text(f"ANALYZE {nodes.name}"))
        deepest = session.scalar(select(func.max(nodes.c.depth)))
        yield -1 if deepest is None else deepest
    finally:
        session.execute(text(f"DROP TABLE IF EXISTS {nodes.name}"))


def _summaries(framework: Framework, at: datetime, deepest: int) -> Select:
    """SELECT (manager_id, headcount, people_with_targets, buckets) for every manager, where
    ``buckets`` is a list of ``[job_role_id, competence_id, target, attained, people]`` (None
    when nobody below has a target). Reads :data:`nodes`, whose deepest depth is ``deepest``."""
    direct = _direct(framework, at)
    key = [direct.c[k] for k in _KEY]
    # a team of individual contributors (a node that is not upper) has its people's buckets
    # as they are; everything else is summed at the upper nodes: first each one's own people
    # and the people of its teams of individual contributors, in one pass over the people
    collected = case((direct.c.is_upper.is_(True), direct.c.node_id), else_=direct.c.parent_id)
    rows = select(collected.label("node_id"), *key, direct.c.people).subquery()
    base = _by_node(rows, [rows.c[k] for k in _KEY], ["people"]).cte("upper_own")
    buckets = [select(direct.c.node_id, *key, direct.c.people).where(direct.c.is_upper.is_(False))]
    below: CTE | None = None
    for depth in range(deepest - 1, -1, -1):
        # then from the deepest level up, adding the upper nodes one level down
        own = select(base.c.node_id, *(base.c[k] for k in _KEY), base.c.people).where(
            base.c.depth == depth
        )
        if below is None:  # the deepest upper nodes: nothing to add
            below = base
            buckets.append(own)
            continue
        legs = [own, select(below.c.parent_id, *(below.c[k] for k in _KEY), below.c.people)]
        if below is base:
            legs[1] = legs[1].where(base.c.depth == depth + 1)
        rows = union_all(*legs).subquery()
        below = _by_node(rows, [rows.c[k] for k in _KEY], ["people"]).cte(f"level_{depth}")
        buckets.append(select(below.c.node_id, *(below.c[k] for k in _KEY), below.c.people))
    every = union_all(*buckets).subquery("every_bucket")
    managers = select(nodes.c.id).where(nodes.c.is_manager.is_(True))
    lists = (
        select(
            every.c.node_id,
            bucket_list(*(every.c[k] for k in _KEY), every.c.people).label("buckets"),
        )
        .where(every.c.node_id.in_(managers))
        .group_by(every.c.node_id)
        .subquery("bucket_lists")
    )
    counts = _counts(framework, deepest)
    return (
        select(
            counts.c.node_id.label("manager_id"),
            counts.c.headcount,
            counts.c.people_with_targets,
            lists.c.buckets,
        )
        .outerjoin(lists, lists.c.node_id == counts.c.node_id)
        .where(counts.c.node_id.in_(managers))
    )


def _by_node(rows, key: list, sums: list[str]) -> Select:
    """``rows`` (node_id, *key, *sums) summed by node and key, with the node's parent and
    depth. Grouped by the primary key of :data:`nodes`, on which they depend (a narrower hash
    key). Rows of no node (None) are left out."""
    return (
        select(
            nodes.c.id.label("node_id"),
            nodes.c.parent_id,
            nodes.c.depth,
            *key,
            *(cast(func.sum(rows.c[column]), Integer).label(column) for column in sums),
        )
        .join(nodes, nodes.c.id == rows.c.node_id)
        .group_by(nodes.c.id, *key)
    )


def _direct(framework: Framework, at: datetime) -> CTE:
    """One bucket of one person for each target of every active person, by their manager
    (node_id None: people at the top), with the manager's parent, depth and upper flag.

    Not grouped: a team of individual contributors has hardly two people with the same job
    role, competence and level (grouping a million rows saved 5% of them), so their summary's
    bucket list may repeat a key, and readers add the people up.
    """
    active = select(Employee.id).where(Employee.active.is_(True))
    targets = (
        targets_query(active, framework.id)
        .add_columns(Employee.manager_id, Employee.job_role_id)
        .subquery()
    )
    attained = attained_query(active, at).subquery()
    return (
        select(
            targets.c.manager_id.label("node_id"),
            nodes.c.parent_id,
            nodes.c.depth,
            nodes.c.is_upper,
            targets.c.job_role_id,
            targets.c.competence_id,
            targets.c.target,
            func.coalesce(attained.c.attained, 0).label("attained"),
            literal(1).label("people"),
        )
        .select_from(targets)
        .outerjoin(
            attained,
            and_(
                attained.c.employee_id == targets.c.employee_id,
                attained.c.competence_id == targets.c.competence_id,
            ),
        )
        .outerjoin(nodes, nodes.c.id == targets.c.manager_id)
        .cte("direct")
    )


def _counts(framework: Framework, deepest: int):
    """(node_id, headcount, people_with_targets) of every node's subtree, rolled up like the
    buckets: active people, and those of them whose job role has targets in ``framework``."""
    with_targets = case((Employee.job_role_id.in_(targeted_roles(framework)), 1), else_=0)
    direct = (
        select(
            nodes.c.id.label("node_id"),
            nodes.c.depth,
            func.count().label("headcount"),
            func.sum(with_targets).label("people_with_targets"),
        )
        .join(nodes, nodes.c.id == Employee.manager_id)
        .where(Employee.active.is_(True))
        .group_by(nodes.c.id)
        .cte("direct_counts")
    )
    sums = ["headcount", "people_with_targets"]
    levels = []
    below: CTE | None = None
    for depth in range(deepest, -1, -1):
        legs = [
            select(direct.c.node_id, *(direct.c[c] for c in sums)).where(direct.c.depth == depth)
        ]
        if below is not None:
            legs.append(select(below.c.parent_id, *(below.c[c] for c in sums)))
        rows = union_all(*legs).subquery()
        below = _by_node(rows, [], sums).cte(f"counts_{depth}")
        levels.append(select(below.c.node_id, *(below.c[c] for c in sums)))
    return union_all(*levels).subquery("counts") if levels else direct.select().subquery()
