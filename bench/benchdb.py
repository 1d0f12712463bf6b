"""The database every benchmark starts from: LEARNHUB_BENCH_DATABASE_URL (its public schema is
dropped and recreated: never point it at data you keep), else a fresh SQLite file."""

from __future__ import annotations

import os
import tempfile

from sqlalchemy import create_engine, text


def fresh_database_url(keep: bool = False) -> str:
    """An empty database's URL; also points LEARNHUB_INSTANCE_PATH at a temporary folder.
    ``keep``: LEARNHUB_BENCH_DATABASE_URL as it is (required), for a bench that reuses what
    an earlier run built there."""
    tmp = tempfile.mkdtemp(prefix="learnhub-bench-")
    os.environ["LEARNHUB_INSTANCE_PATH"] = tmp
    url = os.environ.get("LEARNHUB_BENCH_DATABASE_URL")
    if not url:
        if keep:
            raise SystemExit("reusing a database needs LEARNHUB_BENCH_DATABASE_URL")
        return f"sqlite:///{tmp}/bench.db"
    if keep:
        return url
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url
