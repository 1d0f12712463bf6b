"""Team summaries composed from the direct reports, set-based, for a few managers at once
(DESIGN.md "Team summary": a summary adds up its reports' buckets).

:func:`store_composed` stores the summaries of managers none of whom reports to another with
one ``INSERT … SELECT … ON CONFLICT DO UPDATE``: a manager's summary is the sum of

- each active direct report's own targets and attained levels (one bucket per target),
- the stored summary of each direct report who has reports,
- for a report with reports but no stored summary (a leaver with reports after a full
  recompute, which stores managers only), an aggregate over that report's subtree, read from
  the reporting-line closure,

the sum :func:`learnhub.skills.summaries.compose_summary` folds in Python for one manager (about
30 ms a manager, mostly building and parsing bucket lists). Headcounts and people with targets
add up the same way, counted as the full recompute counts them (:mod:`learnhub.skills.rollup`).
:func:`store_benchmark_cells` sums the people at the top of the tree and their stored summaries
into the organisation's benchmark cells. :mod:`learnhub.skills.chain` uses both after changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    case,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from learnhub.core.db import dialect_insert
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, ReportingLine
from learnhub.skills.models import (
    BenchmarkCell,
    Framework,
    ProfileJobCode,
    TargetLevel,
    TargetProfile,
    TeamSummary,
)
from learnhub.skills.services import attained_query, targets_query

#: a condition on a manager_id column: which managers' reports a statement reads
Parents = Callable[[Any], ColumnElement[bool]]

KEY = ("job_role_id", "competence_id", "target", "attained")
STORED = ("computed_at", "headcount", "people_with_targets", "buckets")
CELL_COLUMNS = (
    "framework_id",
    "job_role_id",
    "competence_id",
    "with_target",
    "meeting",
    "computed_at",
)
#: integers per stored bucket: job_role_id, competence_id, target, attained, people
WIDTH = 5


def store_benchmark_cells(framework: Framework, at: datetime) -> None:
    """Replace the organisation benchmark cells of ``framework`` (one :class:`BenchmarkCell`
    per job role and competence: people with a target, people meeting it) by the sums over the
    people at the top of the tree and the stored summaries below them. Two statements; flushes,
    never commits."""

    def parents(manager_id: ColumnElement) -> ColumnElement[bool]:
        return manager_id.is_(None)

    orphans = orphans_below(framework, parents)
    rows = report_buckets(framework, at, parents, orphans).subquery()
    meets = case((rows.c.attained >= rows.c.target, rows.c.people), else_=0)
    db.session.execute(delete(BenchmarkCell).where(BenchmarkCell.framework_id == framework.id))
    db.session.execute(
        insert(BenchmarkCell).from_select(
            [*CELL_COLUMNS],
            select(
                literal(framework.id),
                rows.c.job_role_id,
                rows.c.competence_id,
                cast(func.sum(rows.c.people), Integer),
                cast(func.sum(meets), Integer),
                literal(at, BenchmarkCell.computed_at.type),
            ).group_by(rows.c.job_role_id, rows.c.competence_id),
        )
    )


def store_composed(framework: Framework, managers: Sequence[int], at: datetime) -> None:
    """Store the summaries of ``managers`` (none of whom reports to another, at most a few
    thousand ids) for ``framework``, composed from their direct reports (module docstring): one
    INSERT … SELECT … ON CONFLICT DO UPDATE, after one query for reports without a summary."""

    def parents(manager_id: ColumnElement) -> ColumnElement[bool]:
        return manager_id.in_(managers)

    orphans = orphans_below(framework, parents)
    upsert_summaries(
        framework,
        managers,
        at,
        report_buckets(framework, at, parents, orphans).subquery("report_buckets"),
        _report_counts(framework, parents, orphans).subquery("report_counts"),
    )


def upsert_summaries(
    framework: Framework, managers: Sequence[int], at: datetime, rows, counted
) -> None:
    """Store, for each of ``managers``, the summary that adds up ``rows`` (a subquery of
    node_id, *KEY, people: buckets, keys possibly repeated, people possibly negative) and
    ``counted`` (node_id, headcount, people_with_targets) whose node_id is theirs: one
    INSERT … SELECT … ON CONFLICT DO UPDATE. Keys whose people add up to 0 are left out; a
    manager with no rows gets zeros."""
    key = [rows.c[k] for k in KEY]
    people = func.sum(rows.c.people)
    grouped = (
        select(rows.c.node_id, *key, cast(people, Integer).label("people"))
        .group_by(rows.c.node_id, *key)
        .having(people != 0)
        .subquery("grouped")
    )
    lists = (
        select(
            grouped.c.node_id,
            bucket_list(*(grouped.c[k] for k in KEY), grouped.c.people).label("buckets"),
        )
        .group_by(grouped.c.node_id)
        .subquery("bucket_lists")
    )
    counts = (
        select(
            counted.c.node_id,
            cast(func.sum(counted.c.headcount), Integer).label("headcount"),
            cast(func.sum(counted.c.people_with_targets), Integer).label("people_with_targets"),
        )
        .group_by(counted.c.node_id)
        .subquery("counts")
    )
    upsert = dialect_insert(TeamSummary).from_select(
        ["manager_id", "framework_id", *STORED],
        select(
            Employee.id,
            literal(framework.id),
            literal(at, TeamSummary.computed_at.type),
            func.coalesce(counts.c.headcount, 0),
            func.coalesce(counts.c.people_with_targets, 0),
            lists.c.buckets,
        )
        .outerjoin(counts, counts.c.node_id == Employee.id)
        .outerjoin(lists, lists.c.node_id == Employee.id)
        .where(Employee.id.in_(managers))
        # rows locked in manager order, as the full recompute locks them: no deadlock
        .order_by(Employee.id),
    )
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["manager_id", "framework_id"],
            set_={c: upsert.excluded[c] for c in STORED},
        )
    )


def orphans_below(framework: Framework, parents: Parents) -> list[int]:
    """Ids of the direct reports of the managers ``parents`` picks who have reports but no
    stored summary of ``framework`` (their subtrees are aggregated; usually none: found first
    so that the statements carry no subtree aggregate when there is none to do)."""
    report, below = aliased(Employee, name="report"), aliased(Employee, name="below")
    return list(
        db.session.scalars(
            select(report.id).where(
                parents(report.manager_id),
                exists().where(below.manager_id == report.id),
                ~exists().where(
                    TeamSummary.manager_id == report.id, TeamSummary.framework_id == framework.id
                ),
            )
        )
    )


def report_buckets(
    framework: Framework, at: datetime, parents: Parents, orphans: Sequence[int] = ()
) -> CompoundSelect:
    """SELECT (node_id, job_role_id, competence_id, target, attained, people): the buckets that
    add up to the summaries of the managers ``parents`` picks (``node_id`` is the manager; the
    condition is applied to the reports' manager_id, so ``is_(None)`` picks the people at the
    top, node None); ``orphans``: :func:`orphans_below`. Keys may repeat; their people add up."""
    report, below = aliased(Employee, name="report"), aliased(Employee, name="below")
    # active direct reports: one bucket per target
    direct = select(Employee.id).where(parents(Employee.manager_id), Employee.active.is_(True))
    legs = [_target_buckets(direct, framework, at)]
    # reports with reports: their stored buckets
    owners = (
        select(report.id, report.manager_id.label("node_id"))
        .where(parents(report.manager_id), exists().where(below.manager_id == report.id))
        .subquery("owners")
    )
    legs.append(stored_buckets(framework, owners))
    if orphans:  # reports with reports and no stored summary: an aggregate over their subtree
        member = aliased(Employee, name="member")
        members = (
            select(member.id)
            .join(ReportingLine, ReportingLine.descendant_id == member.id)
            .where(ReportingLine.ancestor_id.in_(orphans), member.active.is_(True))
        )
        legs.append(_target_buckets(members, framework, at, orphans))
    return union_all(*legs)


def _target_buckets(
    ids: Select, framework: Framework, at: datetime, orphans: Sequence[int] = ()
) -> Select:
    """One bucket (node_id, *KEY, people=1) per target of the employees ``ids`` selects; the
    node is their manager, or with ``orphans`` the manager of the orphan above them."""
    targets = (
        targets_query(ids, framework.id)
        .add_columns(Employee.manager_id, Employee.job_role_id)
        .subquery()
    )
    attained = attained_query(ids, at).subquery()
    orphan = aliased(Employee, name="orphan")
    node = orphan.manager_id if orphans else targets.c.manager_id
    query = select(
        node.label("node_id"),
        targets.c.job_role_id,
        targets.c.competence_id,
        targets.c.target,
        func.coalesce(attained.c.attained, 0).label("attained"),
        literal(1).label("people"),
    ).select_from(targets)
    if orphans:
        query = query.join(
            ReportingLine,
            and_(
                ReportingLine.descendant_id == targets.c.employee_id,
                ReportingLine.ancestor_id.in_(orphans),
            ),
        ).join(orphan, orphan.id == ReportingLine.ancestor_id)
    return query.outerjoin(
        attained,
        and_(
            attained.c.employee_id == targets.c.employee_id,
            attained.c.competence_id == targets.c.competence_id,
        ),
    )


def stored_buckets(framework: Framework, owners, name: str = "stored") -> Select:
    """SELECT (node_id, *KEY, people): every bucket of the stored summaries of ``framework`` of
    ``owners``, a subquery of (id, node_id) where id is the summary's manager. One row per
    stored bucket (keys may repeat). ``name``: the subquery's, unique in a statement."""
    summary = (
        select(TeamSummary.id, TeamSummary.buckets, owners.c.node_id)
        .join(owners, owners.c.id == TeamSummary.manager_id)
        .where(TeamSummary.framework_id == framework.id)
        .subquery(name)
    )
    fields = (*KEY, "people")
    if db.session.get_bind().dialect.name == "postgresql":
        # one column of the two-dimensional array per field (buckets[:][n:n], decompressed
        # once each), unnested side by side: one row per bucket. Subscripting buckets[i][n]
        # would decompress the array once per integer; unnesting it whole and regrouping by
        # position sorted every integer (measured: 2.5 s for 13 managers at 100,000 people)
        columns: list[ColumnElement[Any]] = [
            literal_column(f"{name}.buckets[:][{n}:{n}]") for n in range(1, WIDTH + 1)
        ]
        cell = (
            func.unnest(*columns)
            .table_valued(*(column(field, Integer) for field in fields))
            .render_derived(name=f"{name}_cell")
        )
        return (
            select(summary.c.node_id, *(cell.c[field] for field in fields))
            .select_from(summary)
            .join(cell, true())
        )
    cell = func.json_each(summary.c.buckets).table_valued("value")
    return (
        select(
            summary.c.node_id,
            *(
                func.json_extract(cell.c.value, f"$[{n}]").label(field)
                for n, field in enumerate(fields)
            ),
        )
        .select_from(summary)
        .join(cell, true())
    )


def _report_counts(
    framework: Framework, parents: Parents, orphans: Sequence[int]
) -> CompoundSelect:
    """SELECT (node_id, headcount, people_with_targets) rows that add up to the counts of the
    managers ``parents`` picks: their active direct reports, the stored counts of their reports
    with reports, and a count over the subtree of each of ``orphans`` (:func:`orphans_below`)."""
    report, below = aliased(Employee, name="report"), aliased(Employee, name="below")
    roles = targeted_roles(framework)
    legs = [
        select(
            Employee.manager_id.label("node_id"),
            func.count().label("headcount"),
            func.sum(case((Employee.job_role_id.in_(roles), 1), else_=0)).label(
                "people_with_targets"
            ),
        )
        .where(parents(Employee.manager_id), Employee.active.is_(True))
        .group_by(Employee.manager_id),
        select(report.manager_id, TeamSummary.headcount, TeamSummary.people_with_targets)
        .join(TeamSummary, TeamSummary.manager_id == report.id)
        .where(
            TeamSummary.framework_id == framework.id,
            parents(report.manager_id),
            exists().where(below.manager_id == report.id),
        ),
    ]
    if orphans:
        member = aliased(Employee, name="member")
        legs.append(
            select(
                report.manager_id,
                func.count(),
                func.sum(case((member.job_role_id.in_(roles), 1), else_=0)),
            )
            .join(ReportingLine, ReportingLine.ancestor_id == report.id)
            .join(member, member.id == ReportingLine.descendant_id)
            .where(report.id.in_(orphans), member.active.is_(True))
            .group_by(report.manager_id)
        )
    return union_all(*legs)


def targeted_roles(framework: Framework) -> Select:
    """SELECT the ids of the job roles with targets in ``framework`` (their people count as
    "people with targets")."""
    return (
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


def bucket_list(*columns):
    """One list per group of ``[job_role_id, competence_id, target, attained, people]`` rows
    (PostgreSQL: a two-dimensional integer array, three times cheaper to build than JSON)."""
    if db.session.get_bind().dialect.name == "postgresql":
        aggregate = func.array_agg(postgresql.array(columns))
    else:
        aggregate = func.json_group_array(func.json_array(*columns))
    return type_coerce(aggregate, TeamSummary.__table__.c.buckets.type)
