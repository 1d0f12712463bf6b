"""The Flask-SQLAlchemy instance every model and service uses.

It lives in core so that core's own models (the audit log, the email outbox) and the
transaction helpers can use it; :mod:`learnhub.extensions` re-exports it with the other bare
extension instances, and :func:`learnhub.app.create_app` binds it to the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BindParameter, ColumnElement, Integer, any_, bindparam, cast, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import Cast

from learnhub.core.models import Base

db = SQLAlchemy(model_class=Base)


def dialect_insert(model: type) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of ``model`` that can take ``on_conflict_do_update`` / ``do_nothing`` on the
    database of the current session (PostgreSQL or SQLite, the two LearnHub runs on)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def analyze_after_bulk_write(table: str, rows: int, *, at_least: int = 1000) -> bool:
    """Refresh PostgreSQL's planner statistics of ``table`` (a trusted table name, never user
    input) inside the current transaction when a statement has just written ``rows`` rows and
    they are at least ``at_least`` and more than a tenth of the rows the statistics know of;
    returns whether it ran ``ANALYZE``. SQLite: nothing (its planner keeps no such figures).

    Why: autovacuum analyses a table only after the commit once a tenth of it changed
    (``autovacuum_analyze_scale_factor``, 0.1 by default), but the statements that follow a
    bulk insert in the same transaction are planned with the old figures. A requirements table
    the planner believed empty turned the prior-completions UPDATE after an assignment to 3,000
    people into a nested loop that recomputed an aggregate per row (41 s instead of 0.1 s;
    PostgreSQL's manual, "Populating a Database": run ANALYZE afterwards). ``ANALYZE`` sees the
    transaction's own uncommitted rows and its figures roll back with it; it takes a SHARE
    UPDATE EXCLUSIVE lock, which blocks no reads or writes."""
    session = db.session
    if rows < at_least or session.get_bind().dialect.name != "postgresql":
        return False
    known = session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"),
        {"table": table},
    ).scalar()
    if known is not None and known > 0 and rows <= known / 10:
        return False
    session.execute(text(f'ANALYZE "{table}"'))
    return True


def int_array(ids: Iterable[int]) -> Cast[Any]:
    """``ids`` (integer ids) as one PostgreSQL ``integer[]`` expression sent as one text
    parameter: ``CAST(string_to_array(:p, ',') AS INTEGER[])`` with ``:p`` the ids joined by
    commas (``''`` for none, which PostgreSQL turns into an empty array). Use it as
    ``column == any_(int_array(ids))``; PostgreSQL only (SQLite has neither function nor type).

    Why one text parameter: ``IN`` sends a parameter per id, each rendered into the statement's
    text on every execution (0.1 s of client CPU to re-apply the assignment rules to 1,000
    people about a dozen times, issue 13), and psycopg's dumper of a Python list costs about a
    second at 100,000 ids; joining them costs a few milliseconds. The statement's text is the
    same whatever the count, so it is prepared once."""
    joined: BindParameter[str] = bindparam(None, ",".join(map(str, ids)))
    return cast(func.string_to_array(joined, ","), postgresql.ARRAY(Integer))


def ids_in(column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column`` (an integer column) is one of ``ids``, on the current session's database.
    PostgreSQL: ``column = ANY(...)`` of :func:`int_array` (one text parameter, whatever the
    count). SQLite: ``column IN (...)``, a parameter per id (the caller keeps a list under
    SQLite's bound-variable limit)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return column.in_(ids)
    return column == any_(int_array(ids))
