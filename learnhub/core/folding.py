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

from sqlalchemy import String, event, literal_column
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: the SQLite function's name (registered by :func:`_register_sqlite_fold`)
SQLITE_FOLD = "learnhub_fold"
#: the SQLite function of :class:`folded_word`
SQLITE_WORD = "learnhub_word"
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


class folded_word(FunctionElement):
    """``folded_word(text_expr, n)``: word ``n`` (from 1) of the folded text, words split at
    spaces and hyphens ("" when there are fewer), so that "briain" finds "Ó Briain" by index
    (issue: tester's finding 11). On PostgreSQL ``split_part`` with the literals written out
    (an expression index of migration 0030_privfix matches it only so); on SQLite the
    registered ``learnhub_word``."""

    type = String()
    inherit_cache = True
    name = "folded_word"

    def __init__(self, column, n: int) -> None:
        # the word's number is written into the SQL (and so into the statement cache's key)
        super().__init__(column, literal_column(str(int(n))))


@compiles(folded_word, "postgresql")
def _pg_folded_word(element, compiler, **kw) -> str:
    column, n = list(element.clauses)
    inner = f"translate({PG_FOLD}({compiler.process(column, **kw)}), '-', ' ')"
    return f"(split_part({inner}, ' ', {compiler.process(n, **kw)}) COLLATE \"C\")"


@compiles(folded_word, "sqlite")
def _sqlite_folded_word(element, compiler, **kw) -> str:
    column, n = list(element.clauses)
    return f"{SQLITE_WORD}({compiler.process(column, **kw)}, {compiler.process(n, **kw)})"


def word_of(text: str | None, n: int) -> str | None:
    """Word ``n`` (from 1) of ``text`` folded, split at spaces and hyphens ("" when fewer):
    PostgreSQL's ``split_part`` of :class:`folded_word`."""
    folded_text = fold(text)
    if folded_text is None:
        return None
    words = folded_text.replace("-", " ").split(" ")
    return words[n - 1] if n <= len(words) else ""


def like_prefix(word: str) -> str:
    """A LIKE pattern matching values that start with ``word`` (its ``%``, ``_`` and ``\\``
    escaped: use with ``escape="\\\\"``)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


@event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(SQLITE_FOLD, 1, fold, deterministic=True)
        dbapi_connection.create_function(SQLITE_WORD, 2, word_of, deterministic=True)
