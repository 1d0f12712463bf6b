"""Exports written by PostgreSQL itself: ``COPY (SELECT …) TO STDOUT`` streamed through psycopg,
each cell already formatted and neutralised in SQL (learnhub.reports.sql_cells) exactly as the
Python writer would, so the bytes are the same whichever path wrote them.

Why: the Python path spent its time fetching ORM rows, checking each cell for a formula and
computing grades with ``Fraction`` (issue 13: the completions export at 0.16x COPY's rows/s,
goal 0.5x); COPY does all three in the server's C code. PostgreSQL with psycopg 3 only; SQLite
keeps the Python writer.

The CSV is RFC 4180 as :func:`learnhub.core.spreadsheet.csv_chunks` writes it: every field
quoted, quotes doubled, CRLF line ends. COPY's CSV ends lines with ``\\n`` and cannot be told
otherwise, but it sends one row per CopyData message (PostgreSQL protocol, "COPY Operations";
libpq's ``PQgetCopyData``: "data is always returned one data row at a time"), so each block's
last byte is the row end, while a newline inside a cell stays as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select

from learnhub.extensions import db

#: bytes per chunk handed to the response or file (whole rows)
CHUNK_BYTES = 256 * 1024
_CRLF = b"\r\n"
#: UTF-8's byte order mark: a CSV "for Excel" starts with it
BOM = "\ufeff".encode()


@dataclass
class Tally:
    """What a streamed export has written so far: ``rows`` data rows (the header not counted)."""

    rows: int = 0


def copy_available() -> bool:
    """Whether this export can be streamed with COPY: PostgreSQL through psycopg 3, the setting
    ``LEARNHUB_EXPORT_COPY`` (default on) allows it, and the session's DateStyle is ISO (the
    default; learnhub.reports.sql_cells.utc_cell reads timestamps as text). Asking the
    connection opens the session's transaction."""
    if not (
        current_app.config.get("LEARNHUB_EXPORT_COPY", True)
        and db.engine.dialect.name == "postgresql"
        and db.engine.dialect.driver == "psycopg"
    ):
        return False
    raw: Any = db.session.connection().connection.dbapi_connection
    return (raw.info.parameter_status("DateStyle") or "").startswith("ISO")


def csv_line(cells: Iterable[str]) -> bytes:
    """One CSV line (UTF-8) as :func:`learnhub.core.spreadsheet.csv_chunks` writes it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerow(cells)
    return buffer.getvalue().encode()


def copy_csv(query: Select, header: Iterable[str], tally: Tally | None = None) -> Iterator[bytes]:
    """The CSV bytes (UTF-8) of ``header`` then ``query``'s rows, in chunks of whole rows of
    about :data:`CHUNK_BYTES`, streamed by ``COPY (query) TO STDOUT`` on the session's
    connection and in its transaction: memory flat whatever the size. ``query``'s columns
    must be non-NULL text, finished cells (learnhub.reports.sql_cells). ``tally`` (optional)
    counts the rows as they go. RuntimeError if the server ever sends a block that is not
    one whole row (never seen: see the module's docstring)."""
    connection = db.session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw: Any = connection.connection.dbapi_connection
    # psycopg binds COPY's parameters on the client (COPY takes none on the server)
    statement = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"
    encoding = raw.info.encoding
    yield csv_line(header)
    tally = tally or Tally()
    rows: list[Any] = []
    size = 0
    with raw.cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
        for row in copy:
            rows.append(row)
            size += len(row)
            if size >= CHUNK_BYTES:
                tally.rows += len(rows)
                yield _utf8(_crlf(rows), encoding)
                rows.clear()
                size = 0
    if rows:
        tally.rows += len(rows)
        yield _utf8(_crlf(rows), encoding)


def _crlf(rows: list[Any]) -> bytes:
    """``rows`` (COPY blocks, each one row ending in its newline) joined, with CRLF ends."""
    data = b"".join(rows)
    if data.count(b"\n") == len(rows):
        # no newline inside a cell, so each one ends a row (the usual case, all in C)
        return data.replace(b"\n", _CRLF)
    parts: list[Any] = []
    for row in rows:  # some cell holds a newline: only each block's last byte ends a row
        if row[-1] != 10:
            raise RuntimeError("COPY sent a block that is not one whole row")
        parts += (row[:-1], _CRLF)
    return b"".join(parts)


def _utf8(data: bytes, encoding: str) -> bytes:
    # the connection's client encoding is UTF-8 unless the server was set otherwise
    return data if encoding in ("utf-8", "utf8") else data.decode(encoding).encode()
