"""Exports written by PostgreSQL itself: each CSV line built in SQL, every cell already formatted
and neutralised (learnhub.reports.sql_cells) exactly as the Python writer would, so the bytes
are the same whichever path wrote them; streamed through a server-side cursor.

Why: the Python path spent its time fetching ORM rows, checking each cell for a formula and
computing grades with ``Fraction`` (issue 13: the completions export at 0.16x COPY's rows/s,
goal 0.5x); the database does all three in its C code. PostgreSQL with psycopg 3 only; SQLite
keeps the Python writer.

The CSV is RFC 4180 as :func:`learnhub.core.spreadsheet.csv_chunks` writes it: every field
quoted, quotes doubled, CRLF line ends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select, Text, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

from learnhub.extensions import db

#: rows per FETCH from the server-side cursor, and per chunk handed to the response or file
BATCH_ROWS = 5000
_QUOTE = literal_column("'\"'", Text)
_TWO_QUOTES = literal_column("'\"\"'", Text)
_BETWEEN = literal_column("'\",\"'", Text)
_LINE_END = literal_column("E'\"\\r\\n'", Text)
#: UTF-8's byte order mark: a CSV "for Excel" starts with it
BOM = "\ufeff".encode()


@dataclass
class Tally:
    """What a streamed export has written so far: ``rows`` data rows (the header not counted)."""

    rows: int = 0


def sql_export_available() -> bool:
    """Whether this export can be written by the database: PostgreSQL through psycopg 3, the setting
    ``LEARNHUB_EXPORT_IN_SQL`` (default on) allows it, and the session's DateStyle is ISO (the
    default; learnhub.reports.sql_cells.utc_cell reads timestamps as text). Asking the
    connection opens the session's transaction."""
    if not (
        current_app.config.get("LEARNHUB_EXPORT_IN_SQL", True)
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


def csv_fields(
    cells: Sequence[ColumnElement],
    quote_free: Collection[int] = (),
    *,
    first: bool = True,
    last: bool = True,
) -> ColumnElement[str]:
    """SQL for consecutive fields of a CSV line as :func:`csv_line` writes them: each of
    ``cells`` (non-NULL text, finished: learnhub.reports.sql_cells) quoted with its quotes
    doubled, ``","`` between; the line's opening ``"`` if ``first``, its closing ``"`` and
    CRLF if ``last``, else the ``","`` that leads to the next field. So a line can be built in
    parts (one before a sort, one after) that join to the same bytes. ``quote_free``: the
    positions (from 0) of cells that never hold a ``"`` (dates, timestamps, a closed set of
    words), whose ``replace`` is left out (a function call per cell and row less)."""
    text: ColumnElement[str] | None = _QUOTE if first else None
    for n, cell in enumerate(cells):
        field = cell if n in quote_free else func.replace(cell, _QUOTE, _TWO_QUOTES, type_=Text)
        text = field if text is None else text + field
        text = text + (_LINE_END if last and n == len(cells) - 1 else _BETWEEN)
    assert text is not None, "no cells"
    return text


def csv_lines_query(cells: Select, quote_free: Collection[int] = ()) -> Select:
    """``cells`` (a SELECT of non-NULL text cells, finished: learnhub.reports.sql_cells) as a
    SELECT of one column, each row's whole CSV line as :func:`csv_line` writes it: every field
    quoted, quotes doubled, CRLF (:func:`csv_fields`). Same FROM, WHERE and ORDER BY."""
    return cells.with_only_columns(csv_fields(list(cells.selected_columns), quote_free))


def stream_csv_lines(
    cells: Select,
    header: Iterable[str],
    tally: Tally | None = None,
    quote_free: Collection[int] = (),
) -> Iterator[bytes]:
    """The CSV bytes (UTF-8) of ``header`` then ``cells``' rows, in chunks of
    :data:`BATCH_ROWS` whole rows, each line built by PostgreSQL (:func:`csv_lines_query`,
    ``quote_free`` its cells without a ``"``): :func:`stream_lines`."""
    return stream_lines(csv_lines_query(cells, quote_free), header, tally)


def stream_lines(
    lines: Select, header: Iterable[str], tally: Tally | None = None
) -> Iterator[bytes]:
    """The CSV bytes (UTF-8) of ``header`` then ``lines`` (a SELECT of one column: each
    row's whole CSV line, as :func:`csv_fields` builds it), in chunks of :data:`BATCH_ROWS`
    whole rows, read through a server-side cursor on the session's connection, in its
    transaction: memory flat whatever the size. ``tally`` (optional) counts the rows as they
    go.

    Why a cursor and not ``COPY … TO STDOUT``: COPY sends one message per row and psycopg
    reads them one at a time, waiting on the socket whenever the server is still formatting
    the next one; measured slower than one FETCH of thousands of ready lines
    (bench/completions_export.py; the lines are the same bytes)."""
    connection = db.session.connection()
    (line,) = lines.selected_columns
    as_bytes = lines.with_only_columns(func.convert_to(line, literal_column("'UTF8'", Text)))
    compiled = as_bytes.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw: Any = connection.connection.dbapi_connection
    # a cursor's plan is tuned for its first 10% of rows by default; the export reads them all.
    # No JIT: an export's plan costs millions (its subplans counted per row), so PostgreSQL
    # would compile, optimise and inline hundreds of expressions first: 4.5 s instead of 2 s
    # for the required-learning CSV of 100k rows (bench/requirements_export.py, EXPLAIN)
    raw.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    raw.execute("SET LOCAL jit = off")
    yield csv_line(header)
    tally = tally or Tally()
    # binary: each line arrives as the bytes PostgreSQL made (UTF-8), joined as they are, not
    # decoded to str and encoded back (a third of the Python side's time at 1M rows)
    with raw.cursor(name="learnhub_export", binary=True) as cursor:
        cursor.execute(compiled.string, compiled.params)
        while rows := cursor.fetchmany(BATCH_ROWS):
            tally.rows += len(rows)
            yield b"".join([row[0] for row in rows])
