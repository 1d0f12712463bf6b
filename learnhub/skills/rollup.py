"""Every team summary at once, set-based: a bottom-up roll-up of the reporting tree in SQL
(DESIGN.md: counts and sums add up the tree, so a roll-up beats one aggregate per manager and
even one aggregate over the closure of the tree).

The work happens in the database, in a fixed number of statements per framework plus two per
level of the tree (6 levels at 100,000 people with 8 reports each), whatever the number of
managers:

1. ``nodes``: everyone with someone reporting to them, their manager, their depth (the number
   of their ancestors in the reporting-line closure) and whether they are a manager whose
   summary is stored (active, with an active direct report: ``all_manager_ids``);
2. ``direct``: the buckets ``(job role, competence, target, attained) -> people`` of every
   active person, grouped by their manager (one aggregate over targets and evidence);
   ``direct_counts``: active direct reports and those with targets, by manager;
3. from the deepest level up, a node's buckets and counts are its direct reports' plus those
   of the nodes reporting to it, one INSERT … SELECT per level each (leavers with reports pass
   their people's counts up without a summary of their own);
4. one upsert writes every manager's summary row (counts, and the buckets aggregated into
   one JSON list per manager: 12,500 rows, not a million bucket rows), former managers'
   summaries are deleted, and the organisation's benchmark cells are the sums of the top of
   the tree.

The temporary tables live only in this transaction's connection and are dropped at the end.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, ReportingLine
from learnhub.skills.buckets import summary_from_buckets, without_roles
from learnhub.skills.models import (
    BenchmarkCell,
    Competence,
    Framework,
    ProfileJobCode,
    TargetLevel,
    TargetProfile,
    TeamSummary,
)
from learnhub.skills.services import attained_query, frameworks_with_profiles, targets_query
from learnhub.skills.summaries import dialect_insert

logger = logging.getLogger(__name__)

_temporary = MetaData()
_KEY = ("framework_id", "job_role_id", "competence_id", "target", "attained")
#: PostgreSQL's per-operation sort and hash memory for this transaction: the roll-up's
#: aggregates hold a few hundred thousand groups, which spill to disk with the 4 MB default
WORK_MEM = "64MB"


def _temp(name: str, *columns: Column) -> Table:
    return Table(name, _temporary, *columns, prefixes=["TEMPORARY"])


def _int(name: str, **kwargs) -> Column:
    return Column(name, Integer, **kwargs)


#: everyone with a report; "upper": someone reporting to them has reports too
nodes = _temp(
    "rollup_nodes",
    _int("id", primary_key=True, autoincrement=False),
    _int("parent_id"),
    _int("depth"),
    Column("is_manager", Boolean),
    Column("is_upper", Boolean),
)
#: own buckets of active people by their manager (node_id None: people at the top); for a
#: node that is not "upper" these are already all its buckets
direct = _temp(
    "rollup_direct",
    _int("node_id"),
    _int("parent_id"),
    _int("depth"),
    Column("is_upper", Boolean),
    *(_int(k) for k in _KEY),
    _int("people"),
)
#: all the buckets of the upper nodes, level by level
sums = _temp(
    "rollup_buckets",
    _int("node_id"),
    _int("parent_id"),
    _int("depth"),
    *(_int(k) for k in _KEY),
    _int("people"),
)
direct_counts = _temp(
    "rollup_direct_counts",
    _int("node_id"),
    _int("depth"),
    _int("framework_id"),
    _int("headcount"),
    _int("with_targets"),
)
counts = _temp(
    "rollup_counts",
    _int("node_id"),
    _int("parent_id"),
    _int("depth"),
    _int("framework_id"),
    _int("headcount"),
    _int("with_targets"),
)
TEMPORARY = (nodes, direct, sums, direct_counts, counts)


def store_all_summaries(at: datetime | None = None) -> int:
    """Recompute and store every manager's summary for every framework with target profiles,
    delete the summaries of people who are no longer managers, and refresh the organisation
    benchmark cells. Set-based (see the module's docstring); flushes, never commits. Returns
    how many summaries were stored (managers x frameworks)."""
    at = at or utcnow()
    frameworks = frameworks_with_profiles()
    with _rolled_up(frameworks, at):
        return _replace_stored([f.id for f in frameworks], at)


def rollup_summaries(framework: Framework, at: datetime | None = None) -> dict[int, dict]:
    """{manager_id: summary data} for every manager (active, with an active direct report),
    computed by the same roll-up as :func:`store_all_summaries` but not stored. Shapes as
    :func:`learnhub.skills.summaries.compute_summary`; folds every summary in Python, so it
    is for checks and small organisations, not the nightly run."""
    at = at or utcnow()
    with _rolled_up([framework], at):
        heads = db.session.execute(
            select(counts.c.node_id, counts.c.headcount, counts.c.with_targets).where(
                counts.c.node_id.in_(_managers())
            )
        ).all()
        every = _every_bucket()
        buckets: dict[int, Counter] = defaultdict(Counter)
        for node_id, *key, people in db.session.execute(
            select(every.c.node_id, *(every.c[k] for k in _KEY[1:]), every.c.people).where(
                every.c.node_id.in_(_managers())
            )
        ):
            buckets[node_id][tuple(key)] += people
    levels = len(framework.levels)
    names = {
        c.id: c
        for c in db.session.scalars(
            select(Competence).where(Competence.framework_id == framework.id)
        )
    }
    return {
        node_id: summary_from_buckets(
            without_roles(buckets[node_id]), headcount, with_targets, names, levels
        )
        for node_id, headcount, with_targets in heads
    }


@contextmanager
def _rolled_up(frameworks: list[Framework], at: datetime) -> Iterator[None]:
    """Fill the temporary tables (steps 1-3 of the module's docstring) for ``frameworks``;
    they are dropped when the block ends."""
    session = db.session
    session.flush()
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    for table in TEMPORARY:
        session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
        table.create(connection)
    try:
        _fill_nodes()
        if postgres:  # a temporary table has no statistics until analysed
            session.execute(text(f"ANALYZE {nodes.name}"))
        deepest = session.scalar(select(func.max(nodes.c.depth)))
        for framework in frameworks:
            _fill_direct(framework, at)
        if postgres:
            session.execute(text(f"ANALYZE {direct.name}"))
        for depth in range(deepest if deepest is not None else -1, -1, -1):
            _roll_up_level(depth)
        yield
    finally:
        for table in TEMPORARY:
            session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))


def _managers():
    return select(nodes.c.id).where(nodes.c.is_manager.is_(True))


def _every_bucket():
    """Every node's buckets: the direct ones of nodes that are not upper, the rolled-up ones
    of upper nodes."""
    key = [direct.c[k] for k in _KEY]
    return union_all(
        select(direct.c.node_id, *key, direct.c.people).where(direct.c.is_upper.is_(False)),
        select(sums.c.node_id, *(sums.c[k] for k in _KEY), sums.c.people),
    ).subquery()


def _fill_nodes() -> None:
    report = aliased(Employee)
    depth = select(func.count()).where(ReportingLine.descendant_id == Employee.id).scalar_subquery()
    is_manager = and_(
        Employee.active.is_(True),
        exists().where(report.manager_id == Employee.id, report.active.is_(True)),
    )
    db.session.execute(
        insert(nodes).from_select(
            ["id", "parent_id", "depth", "is_manager", "is_upper"],
            select(Employee.id, Employee.manager_id, depth, is_manager, false()).where(
                Employee.id.in_(select(report.manager_id).where(report.manager_id.is_not(None)))
            ),
        )
    )
    parents = select(nodes.c.parent_id).where(nodes.c.parent_id.is_not(None))
    db.session.execute(update(nodes).where(nodes.c.id.in_(parents)).values(is_upper=True))


def _fill_direct(framework: Framework, at: datetime) -> None:
    """Own buckets and direct counts of every active person, by manager, for ``framework``."""
    active = select(Employee.id).where(Employee.active.is_(True))
    targets = (
        targets_query(active, framework.id)
        .add_columns(Employee.manager_id, Employee.job_role_id)
        .subquery()
    )
    attained = attained_query(active, at).subquery()
    level = func.coalesce(attained.c.attained, 0)
    key = (
        targets.c.manager_id,
        nodes.c.parent_id,
        nodes.c.depth,
        nodes.c.is_upper,
        literal(framework.id),
        targets.c.job_role_id,
        targets.c.competence_id,
        targets.c.target,
        level,
    )
    db.session.execute(
        insert(direct).from_select(
            ["node_id", "parent_id", "depth", "is_upper", *_KEY, "people"],
            select(*key, func.count())
            .select_from(targets)
            .outerjoin(
                attained,
                and_(
                    attained.c.employee_id == targets.c.employee_id,
                    attained.c.competence_id == targets.c.competence_id,
                ),
            )
            .outerjoin(nodes, nodes.c.id == targets.c.manager_id)
            .group_by(*key),
        )
    )
    targeted_roles = (
        select(JobRole.id)
        .join(ProfileJobCode, ProfileJobCode.job_code == JobRole.code)
        .join(
            TargetProfile,
            and_(
                TargetProfile.id == ProfileJobCode.profile_id,
                TargetProfile.framework_id == framework.id,
            ),
        )
        .where(exists().where(TargetLevel.profile_id == TargetProfile.id))
    )
    with_targets = case((Employee.job_role_id.in_(targeted_roles), 1), else_=0)
    db.session.execute(
        insert(direct_counts).from_select(
            ["node_id", "depth", "framework_id", "headcount", "with_targets"],
            select(
                Employee.manager_id,
                nodes.c.depth,
                literal(framework.id),
                func.count(),
                func.sum(with_targets),
            )
            .join(nodes, nodes.c.id == Employee.manager_id)
            .where(Employee.active.is_(True))
            .group_by(Employee.manager_id, nodes.c.depth),
        )
    )


def _roll_up_level(depth: int) -> None:
    """The buckets of the upper nodes at ``depth`` (their direct reports' own, plus all the
    buckets of the nodes one level down, which report to them) and the counts of every node
    at ``depth``."""
    key = [direct.c[k] for k in _KEY]
    below = union_all(
        select(direct.c.node_id, *key, direct.c.people).where(
            direct.c.depth == depth, direct.c.is_upper.is_(True)
        ),
        select(direct.c.parent_id, *key, direct.c.people).where(
            direct.c.depth == depth + 1, direct.c.is_upper.is_(False)
        ),
        select(sums.c.parent_id, *(sums.c[k] for k in _KEY), sums.c.people).where(
            sums.c.depth == depth + 1
        ),
    ).subquery()
    group = (below.c.node_id, nodes.c.parent_id, *(below.c[k] for k in _KEY))
    db.session.execute(
        insert(sums).from_select(
            ["node_id", "parent_id", "depth", *_KEY, "people"],
            select(*group[:2], literal(depth), *group[2:], func.sum(below.c.people))
            .join(nodes, nodes.c.id == below.c.node_id)
            .group_by(*group),
        )
    )
    below = union_all(
        select(
            direct_counts.c.node_id,
            direct_counts.c.framework_id,
            direct_counts.c.headcount,
            direct_counts.c.with_targets,
        ).where(direct_counts.c.depth == depth),
        select(
            counts.c.parent_id, counts.c.framework_id, counts.c.headcount, counts.c.with_targets
        ).where(counts.c.depth == depth + 1),
    ).subquery()
    group = (below.c.node_id, nodes.c.parent_id, below.c.framework_id)
    db.session.execute(
        insert(counts).from_select(
            ["node_id", "parent_id", "depth", "framework_id", "headcount", "with_targets"],
            select(
                *group[:2],
                literal(depth),
                group[2],
                func.sum(below.c.headcount),
                func.sum(below.c.with_targets),
            )
            .join(nodes, nodes.c.id == below.c.node_id)
            .group_by(*group),
        )
    )


def _bucket_list(*columns):
    """One list per group of ``[job_role_id, competence_id, target, attained, people]`` rows
    (PostgreSQL: a two-dimensional integer array, three times cheaper to build than JSON)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.array_agg(postgresql.array(columns))
    return func.json_group_array(func.json_array(*columns))


def _replace_stored(framework_ids: list[int], at: datetime) -> int:
    """Write the managers' rolled-up rows over the stored ones; returns summaries stored."""
    session = db.session
    managers = _managers()
    every = _every_bucket()
    buckets = (
        select(
            every.c.node_id,
            every.c.framework_id,
            _bucket_list(
                every.c.job_role_id,
                every.c.competence_id,
                every.c.target,
                every.c.attained,
                every.c.people,
            ).label("buckets"),
        )
        .where(every.c.node_id.in_(managers))
        .group_by(every.c.node_id, every.c.framework_id)
        .subquery()
    )
    upsert = dialect_insert(TeamSummary).from_select(
        [
            "manager_id",
            "framework_id",
            "computed_at",
            "headcount",
            "people_with_targets",
            "buckets",
        ],
        select(
            counts.c.node_id,
            counts.c.framework_id,
            literal(at, TeamSummary.computed_at.type),
            counts.c.headcount,
            counts.c.with_targets,
            buckets.c.buckets,
        )
        .outerjoin(
            buckets,
            and_(
                buckets.c.node_id == counts.c.node_id,
                buckets.c.framework_id == counts.c.framework_id,
            ),
        )
        .where(counts.c.node_id.in_(managers)),
    )
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["manager_id", "framework_id"],
            set_={
                column: upsert.excluded[column]
                for column in ("computed_at", "headcount", "people_with_targets", "buckets")
            },
        )
    )
    session.execute(
        delete(TeamSummary).where(
            TeamSummary.framework_id.in_(framework_ids), TeamSummary.manager_id.not_in(managers)
        )
    )
    # the organisation: people at the top of the tree, plus all the buckets of the nodes there
    key = [direct.c[k] for k in _KEY]
    top = union_all(
        select(*key, direct.c.people).where(direct.c.node_id.is_(None)),
        select(*key, direct.c.people).where(direct.c.depth == 0, direct.c.is_upper.is_(False)),
        select(*(sums.c[k] for k in _KEY), sums.c.people).where(sums.c.depth == 0),
    ).subquery()
    meeting = case((top.c.attained >= top.c.target, top.c.people), else_=0)
    session.execute(delete(BenchmarkCell).where(BenchmarkCell.framework_id.in_(framework_ids)))
    session.execute(
        insert(BenchmarkCell).from_select(
            [
                "framework_id",
                "job_role_id",
                "competence_id",
                "with_target",
                "meeting",
                "computed_at",
            ],
            select(
                top.c.framework_id,
                top.c.job_role_id,
                top.c.competence_id,
                func.sum(top.c.people),
                func.sum(meeting),
                literal(at, BenchmarkCell.computed_at.type),
            ).group_by(top.c.framework_id, top.c.job_role_id, top.c.competence_id),
        )
    )
    stored = session.scalar(
        select(func.count()).select_from(counts).where(counts.c.node_id.in_(managers))
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, TeamSummary):  # loaded before: holds the old counts
            session.expire(obj)
    return stored or 0
