"""CSV lines built in SQL, streamed by ``COPY (…) TO STDOUT``: PostgreSQL may run a COPY's
query with parallel workers, where a cursor's never runs in parallel (PostgreSQL: "a query
in a cursor is never parallel"); the required-learning export builds most of each line
before its sort, so the workers build them (learnhub.reports.requirements_sql).

COPY's text format writes each row's one text value with ``\\`` escapes for the backslash
and the control characters ``\\b \\f \\n \\r \\t \\v`` (PostgreSQL's CopyAttributeOutText),
and ends it with a bare LF. So the lines are built without their CRLF: every bare LF in
COPY's output ends a row and becomes CRLF, then the escapes are undone; the bytes are those
:func:`learnhub.reports.sql_export.stream_lines` gives for the same lines with their CRLF.

PostgreSQL with psycopg 3 only (:func:`learnhub.reports.sql_export.sql_export_available`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Select

from learnhub.extensions import db
from learnhub.reports import sql_export
from learnhub.reports.sql_export import Tally, csv_line

#: COPY's text-format escapes (PostgreSQL 15, copyto.c: CopyAttributeOutText)
_ESCAPED = {
    b"\\": b"\\",
    b"b": b"\x08",
    b"f": b"\x0c",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"v": b"\x0b",
}
_ESCAPE = re.compile(rb"\\([\\bfnrtv])")


def _unescape(match: re.Match[bytes]) -> bytes:
    return _ESCAPED[match.group(1)]


def copy_text_to_csv(rows: bytes) -> bytes:
    """Whole rows of COPY's text format (one text column, each row ending in a bare LF) as
    the values with CRLF line ends: LF becomes CRLF (COPY escapes every LF inside a value,
    so a bare LF only ends a row), then the escapes are undone."""
    rows = rows.replace(b"\n", b"\r\n")
    if b"\\" in rows:
        rows = _ESCAPE.sub(_unescape, rows)
    return rows


def copy_lines(lines: Select, header: Iterable[str], tally: Tally | None = None) -> Iterator[bytes]:
    """The CSV bytes (UTF-8) of ``header`` then ``lines`` (a SELECT of one column: each
    row's whole CSV line *without* its CRLF), in chunks of about
    :data:`learnhub.reports.sql_export.BATCH_ROWS` whole rows, read by ``COPY … TO STDOUT``
    on the session's connection, in its transaction: memory flat whatever the size.
    ``tally`` (optional) counts the rows as they go. No JIT (as
    :func:`learnhub.reports.sql_export.stream_lines`: it compiled for seconds)."""
    connection = db.session.connection()
    compiled = lines.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw: Any = connection.connection.dbapi_connection
    raw.execute("SET LOCAL jit = off")
    yield csv_line(header)
    tally = tally or Tally()
    parts: list[Any] = []
    rest = b""
    statement = f"COPY ({compiled.string}) TO STDOUT"
    with raw.cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
        for block in copy:
            # psycopg gives a block (its own buffer) per COPY message: a row, as PostgreSQL
            # sends them; joined as they are, not copied one by one first
            parts.append(block)
            if len(parts) >= sql_export.BATCH_ROWS:
                rows = rest + b"".join(parts)
                parts = []
                end = rows.rfind(b"\n") + 1
                rows, rest = rows[:end], rows[end:]
                tally.rows += rows.count(b"\n")
                yield copy_text_to_csv(rows)
    rows = rest + b"".join(parts)
    if rows:
        tally.rows += rows.count(b"\n")
        yield copy_text_to_csv(rows)
