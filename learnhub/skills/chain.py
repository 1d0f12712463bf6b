"""The summaries of the managers above a few changes: composed where a change is, differences
added above it (DESIGN.md "Team summary": summaries add up the tree).

A drain round (:mod:`learnhub.skills.recompute`) recomputes the managers above the people whose
evidence, targets, job or reporting line changed (and the managers it names). They are stored
level by level, deepest first (:func:`learnhub.org.services.managers_by_level`), a few
statements per level and framework whatever the number of managers:

- **composed** (:func:`learnhub.skills.composed.store_composed`): the direct manager of a
  changed person, a changed person who has reports, a manager named by a request, a manager
  without a stored summary, and a
  manager with a report among the recomputed ones who had none. Its summary is summed anew from
  its direct reports and their stored summaries;
- **shifted**: every other manager of the chains. Nothing changed among its direct reports
  themselves, only below the reports it has among the recomputed managers, so its new summary
  is its stored one plus each such report's difference (new minus old summary, buckets and
  counts). Those differences are a few buckets (one new piece of evidence moves a person from
  one attained level to another), kept per manager in two temporary tables for the round; a
  shifted manager reads its own stored bucket list and them, where a composed one reads the
  lists of all of its reports (at 100,000 people the managers near the top each add up 8 lists
  of about 900 buckets).

Why shifting is exact: a stored summary equals its composition from its reports' stored
summaries (true after the full recompute, which computes them all from the same data, and kept
by every round: a composed summary is that composition, and a shifted one adds exactly the
changes of the reports it sums). What a composition reads besides those summaries (the direct
reports themselves: who they are, their job, targets, evidence, whether they have reports)
changes only with a change that records a request naming them, which makes their manager a
composed one in the round that covers it. A report who stops having reports is recomputed in
that round (its former manager is named by the import's request) to an empty summary, so its
manager subtracts all of it; one who starts having reports either has no stored summary (its
manager is composed) or an empty one. Rounds never overlap (the summaries lock).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import aliased

from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.services import CHUNK, managers_by_level
from learnhub.skills.composed import (
    KEY,
    store_benchmark_cells,
    store_composed,
    stored_buckets,
    upsert_summaries,
)
from learnhub.skills.models import Framework, TeamSummary
from learnhub.skills.services import frameworks_with_profiles

_metadata = MetaData()
#: per manager recomputed this round: how its buckets changed (people added, or removed when
#: negative; a key may repeat, the people add up)
bucket_changes = Table(
    "chain_bucket_changes",
    _metadata,
    Column("node_id", Integer),
    *(Column(name, Integer) for name in KEY),
    Column("people", Integer),
    prefixes=["TEMPORARY"],
)
#: and how its headcount and people with targets changed
count_changes = Table(
    "chain_count_changes",
    _metadata,
    Column("node_id", Integer),
    Column("headcount", Integer),
    Column("people_with_targets", Integer),
    prefixes=["TEMPORARY"],
)


def store_chain_summaries(
    employee_ids: Iterable[int], manager_ids: Iterable[int], at: datetime
) -> int:
    """Store the summaries of every manager above ``employee_ids``, of ``manager_ids`` and
    above them, for every framework with target profiles (module docstring), and the
    organisation's benchmark cells when the chains reach the top of the tree or a person at the
    top changed. Flushes, never commits. Returns how many managers were recomputed (per
    framework).

    Statements: one per level of the chains to find them, three to read their managers, the
    changed people's and which changed people have reports, per framework one to see which
    summaries exist and up to seven per level (and CHUNK managers), two to create and two to
    drop the temporary tables, and two per framework for the benchmark cells."""
    session = db.session
    session.flush()
    employees = set(employee_ids)
    # a changed person with reports is recomputed too: coming back from leaving makes them a
    # manager again, whose summary the full recompute had dropped
    requested = set(manager_ids) | _with_reports(sorted(employees))
    levels = managers_by_level(employees, requested)
    chains = sorted({m for level in levels for m in level})
    above = _managers_of(chains)
    # composed: the direct managers of changed people and the managers requests name
    changed_below = {m for m in _managers_of(sorted(employees)).values() if m is not None}
    frameworks = frameworks_with_profiles()
    with _changes():
        for framework in frameworks:
            stored = _stored(framework, chains)
            recomputed_below: dict[int, set[int]] = {}
            for manager in chains:
                if (boss := above[manager]) is not None:
                    recomputed_below.setdefault(boss, set()).add(manager)
            composed = {
                m
                for m in chains
                if m in changed_below
                or m in requested
                or m not in stored
                or not recomputed_below.get(m, set()) <= stored
            }
            session.execute(delete(bucket_changes))
            session.execute(delete(count_changes))
            for level in levels:  # deepest first: a level reads what the levels below stored
                for start in range(0, len(level), CHUNK):
                    part = level[start : start + CHUNK]
                    _store_composed(framework, [m for m in part if m in composed], at)
                    _store_shifted(framework, [m for m in part if m not in composed], at)
    top = employees | set(chains)
    if any(m is None for m in _managers_of(sorted(top)).values()):
        for framework in frameworks:
            store_benchmark_cells(framework, at)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, TeamSummary):  # loaded before: holds the old figures
            session.expire(obj)
    return len(chains)


def _managers_of(ids: Sequence[int]) -> dict[int, int | None]:
    """{employee id: their manager's id (None at the top)}; one query per CHUNK ids."""
    found: dict[int, int | None] = {}
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(Employee.id, Employee.manager_id).where(
                Employee.id.in_(ids[start : start + CHUNK])
            )
        )
        found.update((employee, manager) for employee, manager in rows)
    return found


def _with_reports(ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` have someone reporting to them; one query per CHUNK ids."""
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            db.session.scalars(
                select(Employee.manager_id)
                .where(Employee.manager_id.in_(ids[start : start + CHUNK]))
                .distinct()
            )
        )
    return found


def _stored(framework: Framework, managers: Sequence[int]) -> set[int]:
    """Which of ``managers`` have a stored summary of ``framework``."""
    found: set[int] = set()
    for start in range(0, len(managers), CHUNK):
        found.update(
            db.session.scalars(
                select(TeamSummary.manager_id).where(
                    TeamSummary.framework_id == framework.id,
                    TeamSummary.manager_id.in_(managers[start : start + CHUNK]),
                )
            )
        )
    return found


@contextmanager
def _changes() -> Iterator[None]:
    """The two temporary tables of differences, for the block (dropped at its end, and with
    the transaction if it fails)."""
    connection = db.session.connection()
    for table in (bucket_changes, count_changes):
        db.session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
        table.create(connection)
    try:
        yield
    finally:
        for table in (bucket_changes, count_changes):
            db.session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))


def _store_composed(framework: Framework, managers: list[int], at: datetime) -> None:
    """Compose ``managers``' summaries anew and record how each changed: its stored buckets
    and counts subtracted before, the new ones added after (three statements each way)."""
    if not managers:
        return
    _record(framework, managers, sign=-1)
    store_composed(framework, managers, at)
    _record(framework, managers, sign=1)


def _record(framework: Framework, managers: list[int], sign: int) -> None:
    """Add ``sign`` times the stored summaries of ``managers`` to the differences."""
    owners = (
        select(TeamSummary.manager_id.label("id"), TeamSummary.manager_id.label("node_id"))
        .where(TeamSummary.framework_id == framework.id, TeamSummary.manager_id.in_(managers))
        .subquery("owners")
    )
    rows = stored_buckets(framework, owners).subquery("recorded")
    db.session.execute(
        insert(bucket_changes).from_select(
            ["node_id", *KEY, "people"],
            select(rows.c.node_id, *(rows.c[k] for k in KEY), sign * rows.c.people),
        )
    )
    db.session.execute(
        insert(count_changes).from_select(
            ["node_id", "headcount", "people_with_targets"],
            select(
                TeamSummary.manager_id,
                sign * TeamSummary.headcount,
                sign * TeamSummary.people_with_targets,
            ).where(TeamSummary.framework_id == framework.id, TeamSummary.manager_id.in_(managers)),
        )
    )


def _store_shifted(framework: Framework, managers: list[int], at: datetime) -> None:
    """Store ``managers``' summaries as their stored ones plus the differences of their
    reports recomputed before them, then record those sums as their own differences (three
    statements)."""
    if not managers:
        return
    report = aliased(Employee, name="report")
    owners = (
        select(TeamSummary.manager_id.label("id"), TeamSummary.manager_id.label("node_id"))
        .where(TeamSummary.framework_id == framework.id, TeamSummary.manager_id.in_(managers))
        .subquery("owners")
    )
    key = [bucket_changes.c[k] for k in KEY]
    people = func.sum(bucket_changes.c.people)
    # their differences first: the sums of their reports' (a few keys; zeros left out)
    db.session.execute(
        insert(bucket_changes).from_select(
            ["node_id", *KEY, "people"],
            select(report.manager_id, *key, people)
            .join(report, report.id == bucket_changes.c.node_id)
            .where(report.manager_id.in_(managers))
            .group_by(report.manager_id, *key)
            .having(people != 0),
        )
    )
    db.session.execute(
        insert(count_changes).from_select(
            ["node_id", "headcount", "people_with_targets"],
            select(
                report.manager_id,
                func.sum(count_changes.c.headcount),
                func.sum(count_changes.c.people_with_targets),
            )
            .join(report, report.id == count_changes.c.node_id)
            .where(report.manager_id.in_(managers))
            .group_by(report.manager_id),
        )
    )
    # then the summaries: stored + these managers' differences, just recorded
    own_changes = select(
        bucket_changes.c.node_id, *(bucket_changes.c[k] for k in KEY), bucket_changes.c.people
    ).where(bucket_changes.c.node_id.in_(managers))
    rows = union_all(stored_buckets(framework, owners), own_changes).subquery("shifted")
    counted = union_all(
        select(
            TeamSummary.manager_id.label("node_id"),
            TeamSummary.headcount,
            TeamSummary.people_with_targets,
        ).where(TeamSummary.framework_id == framework.id, TeamSummary.manager_id.in_(managers)),
        select(
            count_changes.c.node_id, count_changes.c.headcount, count_changes.c.people_with_targets
        ).where(count_changes.c.node_id.in_(managers)),
    ).subquery("shifted_counts")
    upsert_summaries(framework, managers, at, rows, counted)
