"""The demo seed once per test session, put back row by row for every test that asks for it.

``learnhub.demo.seed`` costs about 1.6 s of CPU (two thirds of it the trend history under
freezegun); hundreds of tests use the ``demo`` fixture (tests/conftest.py). The first of them
seeds for real and keeps a :class:`Snapshot` of what the seed wrote: every row of every
non-content table, in foreign-key order. The next ones get those rows back, one INSERT
(executemany) per table, with the seed's instants moved by the time since the snapshot, so
the database holds what a seed run just now would have written:

- **instants** (a ``UTCDateTime`` value, or an ISO 8601 string inside a JSON value such as an
  xAPI statement's ``timestamp``) move by ``now - taken_at``; ``taken_at`` is read after the
  seed's commit, so every restored instant is at or before now, as after a real seed;
- **calendar values** stay: dates (a trend snapshot's ``day``, a requirement's ``base_date``),
  and instants that are a local midnight in one of the seed's zones (a due date is the end of
  its due day in the person's zone, ``assignments.targets.due_instant``). They are what a
  seed now would write as long as no instant of the seed has crossed a local midnight in one
  of those zones: :attr:`Snapshot.valid_until`, past which the snapshot is taken again.

A real seed runs instead (and no snapshot is kept) when the test is marked
``@pytest.mark.fresh_seed``, when the clock is frozen (freezegun: the seed's "now" is then the
frozen time, not now), when the tables are not empty when the fixture starts (a fixture before
``demo`` made people or records: the seed would merge into them), or when the content the seed
reads differs from the snapshot's (:func:`content_fingerprint`). If the seed itself changes a
content table, nothing is kept either (tests/test_demo_snapshot.py fails and says so).

Nothing lives outside the database: the seed writes no file in the instance folder, sets no
Redis key (the test app has no broker: its Celery tasks, the team-summary recompute and the
invitation sweep that its commit queues, run eagerly and their rows are in the snapshot) and
warms only caches of SQL statements (``functools.cache``), which hold no data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import JSON, Column, MetaData, Table, literal, select, text
from sqlalchemy.engine import Connection

from learnhub.core.models import UTCDateTime, utcnow
from learnhub.extensions import db

#: the two tables ``_clean_tables`` empties but for the ``content`` bank (and its categories)
#: that `flask content load` fills: those rows count as content here
BANK_TABLES = ("question_banks", "question_categories")
#: an ISO 8601 instant inside a JSON value ("2026-12-07T06:03:47.316754Z")
_ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


@dataclass(frozen=True)
class TableRows:
    """What the seed wrote to one table: ``rows`` (column key -> value, in the order a scan
    returned them, parents before children in a self-referencing table) to insert into
    ``target`` (the table with its JSON columns storing None as SQL NULL; a JSON ``null`` the
    seed wrote is kept as ``JSON.NULL``)."""

    target: Table
    rows: list[dict[str, Any]]
    instants: tuple[str, ...]  # keys of its UTCDateTime columns
    json: tuple[str, ...]  # keys of its JSON columns


@dataclass(frozen=True)
class Snapshot:
    """A real seed's result: ``counts`` (what ``seed`` returned), ``taken_at`` (after its
    commit), ``valid_until`` (the first instant at which a restored state's calendar values
    would differ from a new seed's), ``tables`` (FK order), ``content`` (the fingerprint of the
    content it was taken on) and ``sequences`` (PostgreSQL: table -> (sequence, highest id))."""

    counts: dict[str, int]
    taken_at: datetime
    valid_until: datetime
    tables: tuple[TableRows, ...]
    content: str
    sequences: dict[str, tuple[str, int]]
    zones: tuple[tzinfo, ...]  # the calendar zones: see :func:`calendar_zones`


#: database URL -> its snapshot (None: the seed changes content, never keep one)
_SNAPSHOTS: dict[str, Snapshot | None] = {}


def demo_state(csv: Path, content_tables: Iterable[str], fresh: bool = False) -> dict[str, int]:
    """The demo seeded (``learnhub.demo.seed(csv)``) and committed, or put back from this
    database's snapshot when that gives the same rows (see the module docstring); returns the
    seed's counts. ``fresh``: always run the seed. Needs an app context."""
    content_tables = frozenset(content_tables)
    url = db.engine.url.render_as_string(hide_password=False)
    if fresh or clock_frozen() or not tables_empty(content_tables):
        return real_seed(csv)
    snapshot = _SNAPSHOTS.get(url)
    if url in _SNAPSHOTS and snapshot is None:
        return real_seed(csv)
    if (
        snapshot is not None
        and snapshot.taken_at <= utcnow() < snapshot.valid_until
        and content_fingerprint(content_tables) == snapshot.content
    ):
        return restore(snapshot)
    # none yet, out of date, or taken on other content: seed for real and keep this one
    counts, _SNAPSHOTS[url] = take_snapshot(csv, content_tables)
    return counts


def real_seed(csv: Path) -> dict[str, int]:
    """``learnhub.demo.seed(csv)`` and commit (the ``demo`` fixture as it always was)."""
    from learnhub.demo import seed

    counts = seed(csv)
    db.session.commit()
    return counts


def clock_frozen() -> bool:
    """Is freezegun's clock in force (``freeze_time`` entered and not left)?"""
    from freezegun.api import freeze_factories

    return bool(freeze_factories)


def tables_empty(content_tables: frozenset[str]) -> bool:
    """Are the tables ``_clean_tables`` empties empty (the two bank tables: but the content
    bank)? One statement."""
    from learnhub.quizzes.content_loader import CONTENT_BANK

    checks = []
    for table in _restorable(content_tables):
        query = select(literal(1)).select_from(table)
        if table.name == "question_banks":
            query = query.where(table.c.name != CONTENT_BANK)
        elif table.name == "question_categories":
            banks = db.metadata.tables["question_banks"]
            others = select(banks.c.id).where(banks.c.name != CONTENT_BANK)
            query = query.where(table.c.bank_id.in_(others.scalar_subquery()))
        checks.append(query.limit(1).exists())
    return not any(db.session.execute(select(*checks)).one())


def content_fingerprint(content_tables: frozenset[str]) -> str:
    """A hash of every row of the content tables and of the two bank tables (the content
    bank), in primary-key order, as the database holds them (not made Python values: cheaper):
    what the seed reads (courses, quizzes, questions, targets)."""
    digest = hashlib.sha256()
    connection = db.session.connection()
    whole_row = db.engine.dialect.name == "postgresql"
    for table in db.metadata.sorted_tables:
        if table.name in content_tables or table.name in BANK_TABLES:
            order = ", ".join(c.name for c in table.primary_key.columns)
            columns = f"{table.name}::text" if whole_row else "*"
            query = f"SELECT {columns} FROM {table.name} ORDER BY {order}"
            digest.update(f"{table.name}: {connection.exec_driver_sql(query).all()}".encode())
    return digest.hexdigest()


def take_snapshot(
    csv: Path, content_tables: Iterable[str]
) -> tuple[dict[str, int], Snapshot | None]:
    """Seed for real (on empty tables), commit, and keep what the seed wrote. Returns the
    seed's counts and the snapshot, None when the seed changed a content table."""
    content_tables = frozenset(content_tables)
    before = content_fingerprint(content_tables)
    banks = _bank_keys()
    counts = real_seed(csv)
    taken_at = utcnow()
    if content_fingerprint(content_tables) != before:
        return counts, None
    dumped = (_dump(table, banks.get(table.name, set())) for table in _restorable(content_tables))
    tables = tuple(t for t in dumped if t.rows)
    zones = calendar_zones(tables)
    instants = [v for t in tables for row in t.rows for v in _instants_of(t, row)]
    snapshot = Snapshot(
        counts=dict(counts),
        taken_at=taken_at,
        valid_until=taken_at + _time_to_midnight([*instants, taken_at], zones),
        tables=tables,
        content=before,
        sequences=_sequences(tables),
        zones=zones,
    )
    return counts, snapshot


def restore(snapshot: Snapshot) -> dict[str, int]:
    """Insert the snapshot's rows, their instants moved by ``now - taken_at``; keep
    PostgreSQL's sequences past the ids put back; commit. Returns the seed's counts."""
    shift = utcnow() - snapshot.taken_at
    connection = db.session.connection()
    for table in snapshot.tables:
        rows = [_moved(table, row, shift, snapshot.zones) for row in table.rows]
        connection.execute(table.target.insert(), rows)
    _advance_sequences(connection, snapshot.sequences)
    db.session.commit()
    return dict(snapshot.counts)


def _restorable(content_tables: frozenset[str]) -> list[Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in content_tables]


def _bank_keys() -> dict[str, set[tuple]]:
    """Primary keys of the bank tables' rows before the seed (the content bank's: not the
    seed's to restore)."""
    keys = {}
    for name in BANK_TABLES:
        table = db.metadata.tables[name]
        keys[name] = {tuple(r) for r in db.session.execute(select(*table.primary_key.columns))}
    return keys


def _dump(table: Table, existing: set[tuple]) -> TableRows:
    """Every row of ``table`` but those whose primary key is in ``existing``, in scan order."""
    json_keys = tuple(c.key for c in table.columns if _is_json(c))
    null_flags = [table.c[k].is_(None).label(f"_sqlnull_{k}") for k in json_keys]
    rows = []
    pk = [c.key for c in table.primary_key.columns]
    for record in db.session.execute(select(table, *null_flags)).mappings():
        row = {c.key: record[c] for c in table.columns}
        if tuple(row[k] for k in pk) in existing:
            continue
        for key in json_keys:
            if row[key] is None and not record[f"_sqlnull_{key}"]:
                row[key] = JSON.NULL  # the seed stored a JSON null, not SQL NULL
        rows.append(row)
    return TableRows(
        target=_insert_target(table),
        rows=_parents_first(table, rows),
        instants=tuple(c.key for c in table.columns if isinstance(c.type, UTCDateTime)),
        json=json_keys,
    )


def _is_json(column: Column) -> bool:
    return isinstance(column.type, JSON) or isinstance(getattr(column.type, "impl", None), JSON)


def _insert_target(table: Table) -> Table:
    """``table`` with its JSON columns storing a Python None as SQL NULL (the dump marks JSON
    nulls as ``JSON.NULL``), for inserts only."""
    columns = []
    for column in table.columns:
        kind = column.type
        if isinstance(kind, JSON) and not kind.none_as_null:
            kind = JSON(none_as_null=True)
        columns.append(Column(column.name, kind, key=column.key, primary_key=column.primary_key))
    return Table(table.name, MetaData(), *columns)


def _parents_first(table: Table, rows: list[dict]) -> list[dict]:
    """``rows`` in their order, but a row whose self-referencing foreign key
    (``employees.manager_id``, ``org_units.parent_id``) points at a later row after it: each
    INSERT of an executemany is checked on its own."""
    links = [
        (fk.parent.key, fk.column.key) for fk in table.foreign_keys if fk.column.table is table
    ]
    if not links:
        return rows
    placed: set[tuple] = set()
    pending, ordered = list(rows), []
    while pending:
        waiting = []
        for row in pending:
            ready = all(
                row[child] is None
                or (parent, row[child]) in placed
                or not any(r[parent] == row[child] for r in pending)
                for child, parent in links
            )
            if ready:
                ordered.append(row)
                placed.update((parent, row[parent]) for _child, parent in links)
            else:
                waiting.append(row)
        if len(waiting) == len(pending):
            raise RuntimeError(f"{table.name}: a cycle in its self-references")
        pending = waiting
    return ordered


def _instants_of(table: TableRows, row: dict) -> Iterator[datetime]:
    """The instants of ``row`` that move (see :func:`_moved`)."""
    for key in table.instants:
        if isinstance(row[key], datetime):
            yield row[key]
    for key in table.json:
        for value in _json_strings(row[key]):
            if _ISO_INSTANT.fullmatch(value):
                yield datetime.fromisoformat(value)


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _moved(table: TableRows, row: dict, shift: timedelta, zones: tuple[tzinfo, ...]) -> dict:
    """``row`` with its instants moved by ``shift``, local midnights (due dates) kept."""
    if not shift:
        return row
    moved = dict(row)
    for key in table.instants:
        value = row[key]
        if isinstance(value, datetime) and not is_midnight(value, zones):
            moved[key] = value + shift
    for key in table.json:
        moved[key] = _moved_json(row[key], shift, zones)
    return moved


def _moved_json(value: Any, shift: timedelta, zones: tuple[tzinfo, ...]) -> Any:
    if isinstance(value, str) and _ISO_INSTANT.fullmatch(value):
        instant = datetime.fromisoformat(value)
        if is_midnight(instant, zones):
            return value
        moved = (instant + shift).isoformat()  # as learnhub.progress.xapi.store.iso writes it
        return moved.replace("+00:00", "Z") if value.endswith("Z") else moved
    if isinstance(value, dict):
        return {k: _moved_json(v, shift, zones) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved_json(v, shift, zones) for v in value]
    return value


def is_midnight(value: datetime, zones: tuple[tzinfo, ...]) -> bool:
    """Is ``value`` 00:00:00.000000 in one of ``zones`` (an end of day, not a clock reading)?"""
    return any(value.astimezone(zone).time() == clock_time(0) for zone in zones)


def calendar_zones(tables: Iterable[TableRows]) -> tuple[tzinfo, ...]:
    """The zones the seed counts days in: UTC (a trend snapshot's day), the organisation's
    (``LEARNHUB_DEFAULT_TIME_ZONE``) and every zone named in the seed's rows (an employee's
    ``timezone``, a target's ``zone``)."""
    names = {current_app.config["LEARNHUB_DEFAULT_TIME_ZONE"]}
    for table in tables:
        for key in ("timezone", "zone"):
            if key in table.target.c:
                names.update(row[key] for row in table.rows if row[key])
    return (UTC, *(ZoneInfo(name) for name in sorted(names)))


def _time_to_midnight(instants: Iterable[datetime], zones: tuple[tzinfo, ...]) -> timedelta:
    """The least time from one of ``instants`` (the midnights excepted) to the next local
    midnight in one of ``zones``: moved by less, no instant changes its local date."""
    least = timedelta(days=1)
    for instant in set(instants):
        if is_midnight(instant, zones):
            continue
        for zone in zones:
            local = instant.astimezone(zone)
            next_day: date = local.date() + timedelta(days=1)
            midnight = datetime.combine(next_day, clock_time(0), tzinfo=zone)
            least = min(least, midnight.astimezone(UTC) - instant.astimezone(UTC))
    return least


def _sequences(tables: Iterable[TableRows]) -> dict[str, tuple[str, int]]:
    """PostgreSQL: table name -> (its id sequence, the highest id the snapshot holds)."""
    if db.engine.dialect.name != "postgresql":
        return {}  # SQLite (no AUTOINCREMENT): a new rowid is max(rowid) + 1, always past
    found = {}
    for table in tables:
        if "id" not in table.target.c or not table.target.c.id.primary_key:
            continue
        ids = [row["id"] for row in table.rows if isinstance(row["id"], int)]
        sequence = db.session.scalar(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.target.name}
        )
        if sequence and ids:
            found[table.target.name] = (sequence, max(ids))
    return found


def _advance_sequences(connection: Connection, sequences: dict[str, tuple[str, int]]) -> None:
    """Move a sequence that is not past the ids put back (it never is behind, since those ids
    came from it and sequences only grow; checked in one statement, to be sure)."""
    if not sequences:
        return
    names = sorted(sequences)
    columns = ", ".join(
        f"(SELECT last_value + CASE WHEN is_called THEN 0 ELSE -1 END FROM {sequences[n][0]})"
        for n in names
    )
    issued = connection.execute(text(f"SELECT {columns}")).one()
    for name, last in zip(names, issued, strict=True):
        sequence, highest = sequences[name]
        if last < highest:
            connection.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": highest})
