"""Dated snapshots of the team skill-gap summaries: the trend (DESIGN.md "snapshot").

:func:`snapshot_team_summaries` copies every stored summary (:class:`TeamSummary`) into
:class:`TeamSummarySnapshot`, keyed by (manager, framework, day): one ``INSERT … SELECT … ON
CONFLICT DO UPDATE`` per framework, no per-manager loop. It runs daily (Celery beat,
``workers/``) and after every full recompute (the nightly one among them,
:func:`learnhub.skills.recompute.drain_once`), in that recompute's transaction.

What is stored, compactly: per competence ``[competence_id, with_target, meeting, gap_sum]``
(people with a target, people meeting it, the sum of their gaps; the mean gap is
gap_sum / with_target), sorted by competence id, in one integer array (PostgreSQL: a
two-dimensional ``integer[]`` like the summaries' buckets; JSON on SQLite), plus the
headcount, people with targets and the overall targets and targets met.

**Written only when something changed.** A row is written for a day only when its figures
differ from the manager's latest snapshot on or before that day; a day without a row carries
the previous row's figures forward (:func:`snapshots_in_force`). Most teams do not change
every day. Measured at 100,000 people (12,500 managers, PostgreSQL, bench/team_summaries.py):
a row is about 470 bytes with its index, so one row per manager a day would be 5.9 MB a day
and 176 MB a month; written on change, a day on which 1% of the people get new evidence writes
12% of the rows (21 MB a month of such days; 3 MB at 0.1%, 63 MB at 5%). Reading a series
costs one index range either way. A rerun on the same day replaces that day's row
(idempotent): it is written when the figures differ from that row, and skipped when they are
the same.
A manager who stops being a manager gets no new rows; their series ends with their last one.

**Retention**: :func:`prune_snapshots` deletes rows older than LEARNHUB_TREND_RETENTION_DAYS
(default 400: a year and the 12 weeks before it), except each series' last row on or before
the cut-off, which is still the value in force there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import (
    Date,
    Integer,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import aliased

from learnhub.core.db import dialect_insert
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.skills.composed import stored_buckets
from learnhub.skills.models import Framework, TeamSummary, TeamSummarySnapshot
from learnhub.skills.services import frameworks_with_profiles

logger = logging.getLogger(__name__)

#: integers per competence in :attr:`TeamSummarySnapshot.figures`
FIGURES = ("competence_id", "with_target", "meeting", "gap_sum")
_STORED = (
    "taken_at",
    "headcount",
    "people_with_targets",
    "targets",
    "targets_met",
    "figures",
)


def snapshot_team_summaries(at: datetime | None = None) -> int:
    """Snapshot every stored team summary of every framework with target profiles for the
    UTC day of ``at`` (default now): one INSERT … SELECT … ON CONFLICT DO UPDATE per framework,
    writing only the managers whose figures changed since their latest snapshot on or before
    that day; then prune rows past the retention (:func:`prune_snapshots`). Flushes, never
    commits. Returns how many rows were written (inserted or replaced)."""
    at = at or utcnow()
    db.session.flush()
    written = 0
    for framework in frameworks_with_profiles():
        written += _snapshot(framework, at)
    pruned = prune_snapshots(at)
    logger.info("team summary snapshots of %s: %d written, %d pruned", at.date(), written, pruned)
    return written


def _snapshot(framework: Framework, at: datetime) -> int:
    day = at.date()
    owners = (
        select(TeamSummary.manager_id.label("id"), TeamSummary.manager_id.label("node_id"))
        .where(TeamSummary.framework_id == framework.id)
        .subquery("owners")
    )
    rows = stored_buckets(framework, owners).subquery("bucket_rows")
    people = rows.c.people
    per = (
        select(
            rows.c.node_id,
            rows.c.competence_id,
            cast(func.sum(people), Integer).label("with_target"),
            cast(
                func.sum(case((rows.c.attained >= rows.c.target, people), else_=0)), Integer
            ).label("meeting"),
            cast(
                func.sum(
                    case(
                        (
                            rows.c.target > rows.c.attained,
                            (rows.c.target - rows.c.attained) * people,
                        ),
                        else_=0,
                    )
                ),
                Integer,
            ).label("gap_sum"),
        )
        .group_by(rows.c.node_id, rows.c.competence_id)
        .having(func.sum(people) > 0)
    )
    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite has no ORDER BY in an aggregate: json_group_array takes the rows in this
        # order (were it ever not to, a row is written needlessly, never a wrong one)
        per = per.order_by(rows.c.node_id, rows.c.competence_id)
    per_sq = per.subquery("per_competence")
    lists = (
        select(
            per_sq.c.node_id,
            cast(func.sum(per_sq.c.with_target), Integer).label("targets"),
            cast(func.sum(per_sq.c.meeting), Integer).label("targets_met"),
            _figures_list(per_sq).label("figures"),
        )
        .group_by(per_sq.c.node_id)
        .subquery("figure_lists")
    )
    latest = aliased(TeamSummarySnapshot, name="latest")
    earlier = aliased(TeamSummarySnapshot, name="earlier")
    # the day of the manager's latest snapshot on or before this one (correlated with
    # ``latest``, the EXISTS just around it: the index range of one manager's series)
    newest_day = (
        select(func.max(earlier.day))
        .where(
            earlier.manager_id == latest.manager_id,
            earlier.framework_id == latest.framework_id,
            earlier.day <= day,
        )
        .scalar_subquery()
    )
    figures = lists.c.figures
    unchanged = exists().where(
        latest.manager_id == TeamSummary.manager_id,
        latest.framework_id == framework.id,
        latest.day == newest_day,
        latest.headcount == TeamSummary.headcount,
        latest.people_with_targets == TeamSummary.people_with_targets,
        latest.figures.is_not_distinct_from(figures),
    )
    upsert = dialect_insert(TeamSummarySnapshot).from_select(
        ["manager_id", "framework_id", "day", *_STORED],
        select(
            TeamSummary.manager_id,
            literal(framework.id),
            literal(day, Date),
            literal(at, TeamSummarySnapshot.taken_at.type),
            TeamSummary.headcount,
            TeamSummary.people_with_targets,
            func.coalesce(lists.c.targets, 0),
            func.coalesce(lists.c.targets_met, 0),
            figures,
        )
        .outerjoin(lists, lists.c.node_id == TeamSummary.manager_id)
        .where(TeamSummary.framework_id == framework.id, ~unchanged)
        .order_by(TeamSummary.manager_id),
    )
    # RETURNING counts the rows: psycopg leaves rowcount at -1 for this statement
    written = db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["manager_id", "framework_id", "day"],
            set_={column: upsert.excluded[column] for column in _STORED},
        ).returning(TeamSummarySnapshot.manager_id)
    )
    return len(written.all())


def _figures_list(per):
    """One sorted list of ``[competence_id, with_target, meeting, gap_sum]`` per group."""
    columns = [per.c[name] for name in FIGURES]
    if db.session.get_bind().dialect.name == "postgresql":
        aggregate = func.array_agg(
            postgresql.aggregate_order_by(postgresql.array(columns), per.c.competence_id)
        )
    else:
        aggregate = func.json_group_array(func.json_array(*columns))
    return type_coerce(aggregate, TeamSummarySnapshot.__table__.c.figures.type)


def prune_snapshots(at: datetime | None = None, days: int | None = None) -> int:
    """Delete the snapshots older than ``days`` (default LEARNHUB_TREND_RETENTION_DAYS) before
    the UTC day of ``at``, keeping each (manager, framework)'s last row on or before the
    cut-off (its figures are in force there). One DELETE; flushes, never commits. Returns how
    many rows went."""
    if days is None:
        days = int(current_app.config["LEARNHUB_TREND_RETENTION_DAYS"])
    cutoff = (at or utcnow()).date() - timedelta(days=days)
    later = aliased(TeamSummarySnapshot, name="later")
    table = TeamSummarySnapshot.__table__
    result = db.session.execute(
        delete(table).where(
            table.c.day < cutoff,
            exists().where(
                later.manager_id == table.c.manager_id,
                later.framework_id == table.c.framework_id,
                later.day > table.c.day,
                later.day <= cutoff,
            ),
        )
    )
    return max(0, result.rowcount) if isinstance(result, CursorResult) else 0


@dataclass(frozen=True)
class Point:
    """The figures in force on ``day`` (None when no snapshot was taken on or before it)."""

    day: date
    snapshot: TeamSummarySnapshot | None


def snapshots_in_force(manager_id: int, framework_id: int, days: Iterable[date]) -> list[Point]:
    """For each of ``days`` (any order; returned sorted), the manager's snapshot in force that
    day: the latest one on or before it (rows are written only on change, module docstring).
    One query: the rows between the days, and the last one before the first day."""
    wanted: Sequence[date] = sorted(set(days))
    if not wanted:
        return []
    first, last = wanted[0], wanted[-1]
    series = (
        TeamSummarySnapshot.manager_id == manager_id,
        TeamSummarySnapshot.framework_id == framework_id,
    )
    start = (
        select(func.max(TeamSummarySnapshot.day))
        .where(*series, TeamSummarySnapshot.day <= first)
        .scalar_subquery()
    )
    rows = db.session.scalars(
        select(TeamSummarySnapshot)
        .where(
            *series,
            TeamSummarySnapshot.day <= last,
            TeamSummarySnapshot.day >= func.coalesce(start, first),
        )
        .order_by(TeamSummarySnapshot.day)
    ).all()
    points, index, current = [], 0, None
    for day in wanted:
        while index < len(rows) and rows[index].day <= day:
            current, index = rows[index], index + 1
        points.append(Point(day, current))
    return points
