"""Loading most of a table at once (PostgreSQL): its indexes and foreign keys dropped for the
load and recreated after it, in the same transaction.

PostgreSQL's manual ("Populating a Database": remove indexes, remove foreign key constraints)
gives the reason: building an index over rows already there is one sort, far cheaper than
updating it row by row, and ``ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`` checks every row
with one join where a row-by-row trigger looks each one up. At 100,000 new people the
employees' indexes and foreign-key triggers cost most of the first import.

**The rule** (:func:`is_bulk`): an import drops them only when it adds at least BULK_MIN
people and at least as many as the table holds already (the table is empty, or the import
more than doubles it): the first sync of an organisation. ``DROP INDEX`` takes an ACCESS
EXCLUSIVE lock on the table until the import commits, so nobody can read the people (or the
reporting lines) meanwhile: acceptable while the table is nearly empty, never for the daily
sync of a live organisation, which keeps its indexes.

The definitions are read from the catalogue (``pg_get_indexdef``, ``pg_get_constraintdef``) just
before the drop, and recreated under the same names: the schema after the import is the one
before it (tests/org/test_hr_import_bulk.py compares ``pg_indexes`` and ``pg_constraint``); an
import that fails rolls the drops back with everything else. The primary key stays when other
tables' foreign keys need it (employees); unique constraints another table's foreign key
depends on stay too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from learnhub.extensions import db

#: the fewest people an import adds before it rebuilds the indexes instead of updating them
BULK_MIN = 10_000


def is_bulk(added: int) -> bool:
    """Whether an import adding ``added`` people drops and rebuilds the employees' indexes
    (see the module's docstring): at least BULK_MIN, and at least the table's size."""
    if added < BULK_MIN:
        return False
    held = db.session.execute(text("SELECT count(*) FROM employees")).scalar_one()
    return added >= held


def _definitions(table: str, keep_primary: bool) -> list[tuple[str, str, str]]:
    """(kind, name, definition) of what :func:`indexes_dropped` drops, in the order to
    recreate them: plain indexes, then key constraints, then foreign keys."""
    params = {"table": table}
    indexes = db.session.execute(
        text(
            "SELECT 'index', format('%I', c.relname), pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = CAST(:table AS regclass) AND NOT EXISTS (SELECT 1 FROM "
            "pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid) "
            "ORDER BY c.relname"
        ),
        params,
    ).all()
    kinds = "('u')" if keep_primary else "('p', 'u')"
    keys = db.session.execute(
        text(
            "SELECT 'constraint', format('%I', k.conname), pg_get_constraintdef(k.oid) "
            "FROM pg_constraint k WHERE k.conrelid = CAST(:table AS regclass) "
            f"AND k.contype IN {kinds} AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
            "WHERE f.contype = 'f' AND f.conindid = k.conindid "
            "AND f.conrelid <> k.conrelid) ORDER BY k.contype, k.conname"
        ),
        params,
    ).all()
    foreign = db.session.execute(
        text(
            "SELECT 'constraint', format('%I', k.conname), pg_get_constraintdef(k.oid) "
            "FROM pg_constraint k WHERE k.conrelid = CAST(:table AS regclass) "
            "AND k.contype = 'f' ORDER BY k.conname"
        ),
        params,
    ).all()
    return [(kind, name, sql) for kind, name, sql in (*indexes, *keys, *foreign)]


@contextmanager
def indexes_dropped(table: str, *, keep_primary: bool = True) -> Iterator[None]:
    """Drop ``table``'s secondary indexes, unique (and with ``keep_primary`` false primary)
    key constraints no other table's foreign key needs, and its own foreign keys; run the
    block; recreate them all under their names. Holds ACCESS EXCLUSIVE on ``table`` until
    the transaction ends. An exception leaves them dropped: the caller's rollback restores
    them."""
    definitions = _definitions(table, keep_primary)
    connection = db.session.connection()  # DDL as the catalogue wrote it, no bind parsing
    for kind, name, _definition in reversed(definitions):
        if kind == "index":
            connection.exec_driver_sql(f"DROP INDEX {name}")
        else:
            connection.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    yield
    for kind, name, definition in definitions:
        if kind == "index":
            connection.exec_driver_sql(definition)
        else:
            connection.exec_driver_sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    # the manual's next step ("Run ANALYZE Afterwards"): the planner's figures for an empty
    # table would send the next import's joins through 100,000 index look-ups
    connection.exec_driver_sql(f"ANALYZE {table}")
