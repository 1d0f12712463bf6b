"""Text folded for searching: lower case, accents dropped ("Żółkiewski" → "zolkiewski"), the
same in Python, on PostgreSQL and on SQLite, so a search term folded in Python matches a
column folded in SQL.

The rule: ASCII text is only lower-cased; other text is decomposed (Unicode NFD), its
combining diacritical marks (U+0300 to U+036F) dropped, the few letters that have no
decomposition (ł, ø, đ, ħ, the dotless i, ŧ, ŀ: :data:`BY_HAND_FROM` → :data:`BY_HAND_TO`)
replaced, then lower-cased. Letters that fold to two (ß, æ, œ) stay as they are.

On PostgreSQL it is the immutable SQL function ``lh_fold`` of migration 0025_people (``normalize``,
``regexp_replace``, ``translate`` and ``lower``: no extension, since ``unaccent`` is neither
immutable nor always installed), so it can be indexed; the ASCII test first keeps it cheap for
most names (about 1 µs a value instead of 4). On SQLite, :func:`fold` is registered on every
connection as ``learnhub_fold``.

:class:`folded` is the SQL expression. On PostgreSQL it carries ``COLLATE "C"``: byte order
sorts folded names the same everywhere, and a ``LIKE 'prefix%'`` on a C-collated expression
can use a btree index whatever the database's own collation.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: the SQLite function's name (registered by :func:`_register_sqlite_fold`)
SQLITE_FOLD = "learnhub_fold"
#: the PostgreSQL function's name (created by migration 0025_people)
PG_FOLD = "lh_fold"

#: letters Unicode gives no decomposition to, folded by hand (the dotless i is U+0131)
BY_HAND_FROM = "łŁøØđĐħĦ\u0131ŧŦŀĿ"
BY_HAND_TO = "lLoOdDhHitTlL"
_BY_HAND = str.maketrans(BY_HAND_FROM, BY_HAND_TO)
_MARKS = re.compile("[\u0300-\u036f]")


def fold(text: str | None) -> str | None:
    """``text`` lower-cased with its accents dropped (None stays None)."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFD", text)).translate(_BY_HAND).lower()


class folded(FunctionElement):
    """``folded(text_expr)``: the SQL of :func:`fold` (C collation on PostgreSQL)."""

    type = String()
    inherit_cache = True
    name = "folded"


@compiles(folded, "postgresql")
def _pg_folded(element, compiler, **kw) -> str:
    return f'({PG_FOLD}({compiler.process(element.clauses, **kw)}) COLLATE "C")'


@compiles(folded, "sqlite")
def _sqlite_folded(element, compiler, **kw) -> str:
    return f"{SQLITE_FOLD}({compiler.process(element.clauses, **kw)})"


def like_prefix(word: str) -> str:
    """A LIKE pattern matching values that start with ``word`` (its ``%``, ``_`` and ``\\``
    escaped: use with ``escape="\\\\"``)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


@event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(SQLITE_FOLD, 1, fold, deterministic=True)
