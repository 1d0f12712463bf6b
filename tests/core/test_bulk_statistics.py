"""The planner's figures after a bulk write (learnhub.core.db.analyze_after_bulk_write): a
preview of an assignment to 3,000 people took 41 s on PostgreSQL because the requirements it
had just inserted were unknown to the planner; ANALYZE inside the transaction fixes the plan."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from learnhub.core.db import analyze_after_bulk_write
from learnhub.extensions import db


def _known_rows(table: str) -> float:
    return db.session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
    ).scalar_one()


def test_postgres_learns_of_a_bulk_write_inside_the_transaction(app_ctx: Flask) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        assert analyze_after_bulk_write("requirements", 50_000) is False  # SQLite: nothing
        return
    db.session.execute(text("CREATE TEMPORARY TABLE bulk_probe (n integer) ON COMMIT DROP"))
    db.session.execute(text("INSERT INTO bulk_probe SELECT generate_series(1, 20000)"))
    assert _known_rows("bulk_probe") <= 0  # never analysed: the planner guesses

    assert analyze_after_bulk_write("bulk_probe", 20000) is True
    assert _known_rows("bulk_probe") == 20000  # the uncommitted rows are counted

    db.session.execute(text("INSERT INTO bulk_probe SELECT generate_series(1, 400)"))
    assert analyze_after_bulk_write("bulk_probe", 400) is False  # under the threshold
    db.session.execute(text("INSERT INTO bulk_probe SELECT generate_series(1, 1500)"))
    assert analyze_after_bulk_write("bulk_probe", 1500) is False  # under a tenth of 20,000
    db.session.execute(text("INSERT INTO bulk_probe SELECT generate_series(1, 3000)"))
    assert analyze_after_bulk_write("bulk_probe", 3000) is True
    assert _known_rows("bulk_probe") == 24900
    db.session.rollback()
