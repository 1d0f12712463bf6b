"""The ``demo`` fixture's snapshot (tests/demo_snapshot.py) puts back what a real seed writes:
row by row over every non-content table, every column, on SQLite and on PostgreSQL.

The snapshot compared is taken on a clock ten minutes behind (freezegun, ticking), so its
instants must be moved to match a seed run now, and its calendar values (dates, due dates at a
local midnight) must not. The seed's own randomness (drawn questions, shuffled choices, xAPI
statement ids) is made repeatable for both seeds; a password hash has a random salt, so both
are checked against the demo password instead. On PostgreSQL the sequences are put back
between the two seeds so both hand out the same ids.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Table, select, text
from werkzeug.security import check_password_hash

from learnhub.core.models import utcnow
from learnhub.extensions import db
from tests import demo_snapshot
from tests.conftest import CONTENT_TABLES, DEMO_CSV, DEMO_PASSWORD, empty_tables
from tests.factories import EmployeeFactory

#: how far behind the clock the compared snapshot is taken (a session's snapshot is restored
#: up to an hour or so after it was taken); less when a local midnight is that near
AGES = (timedelta(minutes=10), timedelta(minutes=1), timedelta(0))


@pytest.fixture
def repeatable(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """``repeatable()``: from here on the seed draws the same questions and choices
    (``random.SystemRandom`` in learnhub.quizzes.services) and the same uuid4s as after the
    previous call."""

    def reset() -> None:
        bits = random.Random(4)  # uuid4s that differ in their first 24 characters too
        monkeypatch.setattr(random, "SystemRandom", lambda: random.Random(2026))
        monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=bits.getrandbits(128), version=4))

    return reset


def _tables() -> list[Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in CONTENT_TABLES]


def _state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every non-content table (the two bank tables: all their rows), by primary
    key, each JSON column with whether it is SQL NULL."""
    state = {}
    for table in _tables():
        json_keys = [c.key for c in table.columns if demo_snapshot._is_json(c)]
        flags = [table.c[k].is_(None).label(f"{k} IS NULL") for k in json_keys]
        query = select(table, *flags).order_by(*table.primary_key.columns)
        state[table.name] = [dict(r) for r in db.session.execute(query).mappings()]
    return state


def _sequence_positions() -> dict[str, tuple[int, bool]]:
    """PostgreSQL: each non-content table's id sequence -> (last_value, is_called)."""
    if db.engine.dialect.name != "postgresql":
        return {}  # SQLite: ids restart at max + 1 on the emptied tables
    positions = {}
    for table in _tables():
        if "id" not in table.c:
            continue
        sequence = db.session.scalar(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
        )
        if sequence:
            last, called = db.session.execute(
                text(f"SELECT last_value, is_called FROM {sequence}")
            ).one()
            positions[sequence] = (last, called)
    return positions


def _put_sequences_back(positions: dict[str, tuple[int, bool]]) -> None:
    for sequence, (last, called) in positions.items():
        db.session.execute(
            text("SELECT setval(:s, :v, :c)"), {"s": sequence, "v": last, "c": called}
        )
    db.session.commit()


#: an xAPI result's duration (learnhub.progress.xapi.statements.iso_duration): time taken
_DURATION = re.compile(r"PT(\d+)H(\d+)M([\d.]+)S")


def _read(value: Any) -> Any:
    """An ISO 8601 instant or duration string as a datetime or timedelta; else ``value``."""
    if isinstance(value, str) and demo_snapshot._ISO_INSTANT.fullmatch(value):
        return datetime.fromisoformat(value)
    if isinstance(value, str) and (duration := _DURATION.fullmatch(value)):
        hours, minutes, seconds = duration.groups()
        return timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))
    return value


def _differences(restored: Any, fresh: Any, zones, within: timedelta, where: str) -> list[str]:
    """Where ``restored`` and ``fresh`` differ: instants by more than ``within`` (a local
    midnight, an end of day, not at all), durations (how long an attempt took in each seed's
    run) by more than ``within``, anything else at all."""
    back, new = _read(restored), _read(fresh)
    if isinstance(new, datetime) and demo_snapshot.is_midnight(new, zones):
        pass  # a calendar value: equal
    elif {type(back), type(new)} <= {datetime, timedelta} and type(back) is type(new):
        return [] if abs(back - new) <= within else [f"{where}: restored {back}, fresh {new}"]
    if isinstance(new, dict) and isinstance(back, dict) and back.keys() == new.keys():
        found = (_differences(back[k], new[k], zones, within, f"{where}.{k}") for k in new)
        return [d for ds in found for d in ds]
    if isinstance(new, list) and isinstance(back, list) and len(back) == len(new):
        pairs = enumerate(zip(back, new, strict=True))
        found = (_differences(r, f, zones, within, f"{where}[{n}]") for n, (r, f) in pairs)
        return [d for ds in found for d in ds]
    return [] if back == new else [f"{where}: restored {restored!r}, fresh {fresh!r}"]


def test_a_restored_demo_is_the_rows_a_fresh_seed_writes(app, repeatable):
    with app.app_context():
        empty_tables()
        positions = _sequence_positions()
        for age in AGES:
            repeatable()
            with freeze_time(utcnow() - age, tick=True):
                seeding = utcnow()
                counts, snapshot = demo_snapshot.take_snapshot(DEMO_CSV, CONTENT_TABLES)
            assert snapshot is not None, (
                "learnhub.demo.seed changed a content table: tests/demo_snapshot.py puts back "
                "only non-content tables, so the demo fixture always seeds for real now"
            )
            if utcnow() < snapshot.valid_until:
                break  # else a local midnight is nearer than ``age``: closer, then
            empty_tables()
            _put_sequences_back(positions)
        start = utcnow()
        empty_tables()
        assert demo_snapshot.restore(snapshot) == counts
        restored = _state()
        empty_tables()
        _put_sequences_back(positions)
        repeatable()
        assert demo_snapshot.real_seed(DEMO_CSV) == counts
        fresh = _state()
        # an instant is read in a seed's run (or a fixed time before it: the trend's weeks):
        # restored, in [start - the snapshot seed's run, start]; fresh, in [start, now]
        within = utcnow() - start + (snapshot.taken_at - seeding)
        assert within < age or age == timedelta(0), "the seeds ran too long to tell"
    assert restored.keys() == fresh.keys()
    differences = []
    for name, rows in fresh.items():
        assert len(restored[name]) == len(rows), name
        for number, (back, new) in enumerate(zip(restored[name], rows, strict=True)):
            for column, value in new.items():
                where = f"{name}[{number}].{column}"
                if (name, column) == ("accounts", "password_hash"):  # a random salt each
                    assert check_password_hash(back[column], DEMO_PASSWORD), where
                    assert check_password_hash(value, DEMO_PASSWORD), where
                    continue
                differences += _differences(back[column], value, snapshot.zones, within, where)
    assert not differences, "\n".join(differences[:40])
    assert sum(map(len, fresh.values())) > 1000  # the comparison saw the demo's rows


def test_the_demo_fixture_restores_the_same_counts_twice(app, demo):
    with app.app_context():
        empty_tables()
        again = demo_snapshot.demo_state(DEMO_CSV, CONTENT_TABLES)
    assert again == demo
    assert demo["people"] == 26 and demo["trend_passes"] and demo["assignments"] == 2


@pytest.mark.parametrize("case", ["rows first", "frozen clock", "marked"])
def test_the_seed_runs_for_real_when_a_snapshot_would_not_be_the_same(app, monkeypatch, case):
    def refuse(snapshot):
        raise AssertionError("restored a snapshot")

    with app.app_context():
        demo_snapshot.demo_state(DEMO_CSV, CONTENT_TABLES)  # a snapshot exists from here
        empty_tables()
        monkeypatch.setattr(demo_snapshot, "restore", refuse)
        if case == "rows first":
            EmployeeFactory(email="first@example.org")  # a fixture before demo made someone
            db.session.commit()
            demo_snapshot.demo_state(DEMO_CSV, CONTENT_TABLES)
        elif case == "frozen clock":
            with freeze_time(utcnow() - timedelta(days=3)):
                demo_snapshot.demo_state(DEMO_CSV, CONTENT_TABLES)
        else:
            demo_snapshot.demo_state(DEMO_CSV, CONTENT_TABLES, fresh=True)
