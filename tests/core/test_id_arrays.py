"""A list of integer ids as one parameter on PostgreSQL (learnhub.core.db.int_array and
ids_in, the one builder the assignment rules and the reporting-line closure share)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Integer, any_, column, select, table, text
from sqlalchemy.exc import DBAPIError

from learnhub.core.db import ids_in, int_array
from learnhub.extensions import db

probe = table("id_probe", column("n", Integer))


@pytest.fixture
def numbers(app_ctx: Flask) -> Iterator[None]:
    # a temporary table lives on one connection: it is dropped on the connection that made it,
    # before the session hands that connection back (SQLite keeps DDL out of the transaction)
    db.session.execute(text("CREATE TEMPORARY TABLE id_probe (n integer)"))
    db.session.execute(text("INSERT INTO id_probe (n) VALUES (1), (2), (3), (4), (5)"))
    yield
    try:
        db.session.execute(text("DROP TABLE id_probe"))
        db.session.commit()
    except DBAPIError:  # PostgreSQL after a failed statement: the rollback undoes the CREATE
        db.session.rollback()


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


@pytest.mark.usefixtures("numbers")
@pytest.mark.parametrize(
    ("ids", "found"),
    [([2, 4, 99], [2, 4]), ([], []), ([5], [5]), (range(1, 1001), [1, 2, 3, 4, 5])],
)
def test_ids_in_selects_the_same_rows_on_either_database(
    ids: range | list[int], found: list[int]
) -> None:
    query = select(probe.c.n).where(ids_in(probe.c.n, list(ids))).order_by(probe.c.n)
    assert list(db.session.scalars(query)) == found


@pytest.mark.usefixtures("numbers")
def test_postgres_sends_the_ids_as_one_parameter_whatever_the_count() -> None:
    query = select(probe.c.n).where(ids_in(probe.c.n, list(range(1, 1001))))
    compiled = query.compile(db.session.get_bind())
    if not _postgres():
        assert " IN " in str(compiled)  # SQLite: IN, expanded to a parameter per id
        return
    params = compiled.params
    assert "= ANY (CAST(string_to_array(" in str(compiled)
    # the ids joined and the separator: two parameters, whether 1 id or 1,000
    assert sorted(params.values()) == [",", ",".join(map(str, range(1, 1001)))]
    # the builder alone, as the closure's statements use it (any iterable of ids)
    direct = select(probe.c.n).where(probe.c.n == any_(int_array(iter([3, 1])))).order_by(probe.c.n)
    assert list(db.session.scalars(direct)) == [1, 3]
    assert list(db.session.scalars(select(probe.c.n).where(probe.c.n == any_(int_array([]))))) == []
