"""Cells safe to open in a spreadsheet (DESIGN.md: every exported cell that a spreadsheet could
read as a formula is neutralised)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

#: OWASP "CSV injection": a cell starting with one of these may be run as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell as text (None -> ""), prefixed with ``'`` when it starts like a formula
    (= + - @ tab CR), per OWASP's CSV-injection advice."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(rows: Iterable[Iterable[object]], chunk_rows: int = 2000) -> Iterator[str]:
    """CSV text (RFC 4180: CRLF line ends) of ``rows`` in chunks of ``chunk_rows`` rows, for a
    streamed response whose memory stays flat whatever the number of rows. Cells are written as
    given: neutralise them first."""
    buffer = io.StringIO()
    # every field quoted: a spreadsheet set to split on ";" or tabs still sees one cell, so a
    # formula after a separator inside a cell ("a;=1+2") cannot become a cell of its own
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
