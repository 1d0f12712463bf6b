"""Text folded for searching: lower case, Latin accents dropped ("Żółkiewski" → "zolkiewski"),
the same in Python, on PostgreSQL and on SQLite, so a search term folded in Python matches a
column folded in SQL.

The rule is one table of single characters (:data:`FOLD_FROM` → :data:`FOLD_TO`), built from
Unicode's decompositions of the Latin-1 Supplement and Latin Extended-A/B letters plus the few
letters that have none (ł, ø, đ, ħ, dotless i, ŧ), then lower case. One character for one keeps it a
plain ``translate()`` on PostgreSQL (no extension: ``unaccent`` is neither immutable nor
always installed), so it can be indexed: migration 0021 creates the SQL function ``lh_fold``
from the same table, and expression indexes on it (``learnhub.reports.directory``). On SQLite,
:func:`fold` is registered on every connection as ``learnhub_fold``. Letters that fold to two
(ß, æ, œ) and other scripts stay as they are, lower-cased.

:class:`folded` is the SQL expression. On PostgreSQL it carries ``COLLATE "C"``: byte order
sorts folded names the same everywhere, and a ``LIKE 'prefix%'`` on a C-collated expression
can use a btree index whatever the database's own collation.
"""

from __future__ import annotations

import sqlite3
import unicodedata

from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: the SQLite function's name (registered by :func:`_register_sqlite_fold`)
SQLITE_FOLD = "learnhub_fold"
#: the PostgreSQL function's name (created by migration 0021_people)
PG_FOLD = "lh_fold"

#: letters Unicode gives no decomposition to, folded by hand
_BY_HAND = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H"}
_BY_HAND |= {"\u0131": "i", "ŧ": "t", "Ŧ": "T", "ŀ": "l", "Ŀ": "L"}


def _table() -> tuple[str, str]:
    source, target = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = _BY_HAND.get(char)
        if base is None:
            decomposed = unicodedata.normalize("NFKD", char)
            base = decomposed[0] if decomposed[0].isascii() and decomposed[0].isalpha() else ""
        if base and base != char:
            source.append(char)
            target.append(base)
    return "".join(source), "".join(target)


FOLD_FROM, FOLD_TO = _table()
_TRANSLATION = str.maketrans(FOLD_FROM, FOLD_TO)


def fold(text: str | None) -> str | None:
    """``text`` lower-cased with its Latin accents dropped (None stays None)."""
    if text is None:
        return None
    return text.translate(_TRANSLATION).lower()


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
