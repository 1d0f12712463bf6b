"""Benchmark: what the tests' ``demo`` fixture costs a test, before and after its snapshot
(tests/demo_snapshot.py). Prints figures; asserts nothing.

    .venv/bin/python bench/demo_fixture.py [--rounds 5]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...

On one database migrated and loaded with content/ as tests/conftest.py does: ``--rounds``
times the fixture as it was (``learnhub.demo.seed`` and its commit), then ``--rounds`` times
as it is (``demo_snapshot.demo_state``: the emptiness check, the content fingerprint and the
rows put back; its first call, which takes the snapshot, not counted), each after the tables
were emptied as ``_clean_tables`` does. Prints the median CPU seconds of this process and
wall seconds of each (a database server's own CPU shows in the wall time only).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchdb import fresh_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _measure(rounds: int, run: Callable[[], object], empty: Callable[[], None]) -> str:
    cpu, wall = [], []
    for _ in range(rounds):
        empty()
        started_cpu, started = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return f"CPU {statistics.median(cpu):.3f} s, wall {statistics.median(wall):.3f} s (median)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = fresh_database_url()

    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.catalog.loader import load_content
    from learnhub.extensions import db
    from tests import demo_snapshot
    from tests.conftest import CONTENT_DIR, CONTENT_TABLES, DEMO_CSV, empty_tables

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "LEARNHUB_PASSWORD_METHOD": "pbkdf2:sha256:1000",  # as the tests
            "LEARNHUB_CONTENT_DIR": str(CONTENT_DIR),
        }
    )
    with app.app_context():
        upgrade()
        load_content(CONTENT_DIR)
        db.session.commit()
        print(f"database: {db.engine.dialect.name}, {args.rounds} rounds each")
        seeded = _measure(args.rounds, lambda: demo_snapshot.real_seed(DEMO_CSV), empty_tables)
        print(f"demo fixture before (seed and commit): {seeded}")
        empty_tables()
        demo_snapshot.demo_state(DEMO_CSV, CONTENT_TABLES)  # takes the snapshot
        restored = _measure(
            args.rounds, lambda: demo_snapshot.demo_state(DEMO_CSV, CONTENT_TABLES), empty_tables
        )
        print(f"demo fixture after (snapshot put back): {restored}")
        fingerprint = _measure(
            args.rounds,
            lambda: demo_snapshot.content_fingerprint(frozenset(CONTENT_TABLES)),
            lambda: None,
        )
        print(f"  of which the content fingerprint: {fingerprint}")
        emptied = _measure(
            args.rounds, empty_tables, lambda: demo_snapshot.demo_state(DEMO_CSV, CONTENT_TABLES)
        )
        print(f"emptying the tables after a demo test (_clean_tables): {emptied}")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
