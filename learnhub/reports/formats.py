"""Writing an export's typed rows as CSV, XLSX or JSON Lines, memory flat whatever the size.

Rows come as a header then lists of typed values: text (None: blank), ``date``, aware UTC
``datetime``, ``int``, ``Decimal``, or a list of ints. CSV and JSON Lines carry an instant as
ISO 8601 text in UTC with ``Z``; XLSX as a date-time cell in UTC (dates as date cells).
Every CSV and XLSX cell a spreadsheet could read as a formula is neutralised (DESIGN.md); JSON
Lines is read by programs, never by a spreadsheet, so it carries the exact values (typed: null,
numbers, lists, ISO dates) instead.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._writer import WorksheetWriter

from learnhub.core.errors import Issue
from learnhub.core.spreadsheet import csv_chunks, neutralise


class ExportFormat(StrEnum):
    """The file formats of an export."""

    CSV = "csv"
    XLSX = "xlsx"
    JSONL = "jsonl"


FORMATS = tuple(f.value for f in ExportFormat)
#: the media type of each format (JSON Lines: the ndjson name clients know)
MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSONL: "application/x-ndjson",
}
#: rows of one worksheet (Excel's limit, 1,048,576, less the header); more go on the next one
SHEET_ROWS = 1_048_575
#: bytes per chunk when a finished XLSX file is streamed
FILE_CHUNK = 64 * 1024
#: how the file of a streamed XLSX download is named in the export folder (not a job's
#: ``<job id>-<run token>.<format>.part``)
STREAM_PREFIX = "stream-"
#: how an XLSX date-time cell (UTC) shows: sortable, unambiguous, to the second
XLSX_DATETIME = "yyyy-mm-dd hh:mm:ss"


def excel_issue(fmt: ExportFormat, excel: bool) -> Issue | None:
    """The issue, at field ``excel``, of "CSV for Excel" (a UTF-8 byte order mark) asked with
    a format other than CSV; None when it fits. One wording for the /exports page, the jobs
    API and the direct export endpoints."""
    if not excel or fmt == ExportFormat.CSV:
        return None
    return Issue(
        "excel",
        "CSV for Excel is for CSV files only: untick it, or choose CSV instead of "
        f"{fmt.value.upper()}",
    )


def utc_text(value: datetime) -> str:
    """An instant as ISO 8601 in UTC with a ``Z`` (2027-03-31T22:00:00Z)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def csv_text(rows: Iterable[list], chunk_rows: int = 2000, *, excel: bool = False) -> Iterator[str]:
    """CSV text in chunks (RFC 4180, every field quoted, formula cells neutralised);
    ``excel``: a byte order mark first (U+FEFF, which Excel needs to read the file as UTF-8)."""
    if excel:
        yield "\ufeff"
    yield from csv_chunks(([neutralise(_text(v)) for v in row] for row in rows), chunk_rows)


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        # a JSON number: the decimal's digits (grades and points have at most 14)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def jsonl_text(rows: Iterable[list], chunk_rows: int = 2000) -> Iterator[str]:
    """JSON Lines in chunks: one object per row, keyed by the header (the first row)."""
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        return
    lines: list[str] = []
    for row in iterator:
        record = {k: _json_value(v) for k, v in zip(header, row, strict=True)}
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        if len(lines) == chunk_rows:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _xlsx_cell(sheet, value: object) -> object:
    if isinstance(value, datetime):
        # a date-time cell Excel sorts and filters (tester report E14), in UTC: a spreadsheet
        # has no time zone (openpyxl refuses an aware one), the data dictionary says UTC
        moment = WriteOnlyCell(sheet, value=value.astimezone(UTC).replace(tzinfo=None))
        moment.number_format = XLSX_DATETIME
        return moment
    if isinstance(value, date):
        # a date cell: openpyxl stores a date as its serial number (its stubs say datetime)
        cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return float(value)
    # text: neutralised (a leading "=" would make openpyxl write a formula), and without the
    # control characters XML 1.0 can not hold
    return ILLEGAL_CHARACTERS_RE.sub("", neutralise(_text(value))) or None


class _ScratchWriter(WorksheetWriter):
    """openpyxl's worksheet writer on a file we name (``out``) rather than its own
    ``NamedTemporaryFile`` in the system temp folder; deleted by us, not by openpyxl's list of
    temporary files (its ``cleanup`` expects the file in that list)."""

    def cleanup(self) -> None:
        Path(str(self.out)).unlink(missing_ok=True)


def scratch_path(scratch: Path, number: int) -> Path:
    """The file worksheet ``number`` (from 1) of a workbook written with ``scratch`` is kept in
    until the workbook is saved: ``17-<token>.xlsx.part`` gives ``17-<token>.xlsx.sheet1.part``
    (beside it, so a job's expiry, retry and stall sweep find it by the job's name)."""
    return scratch.with_name(f"{scratch.name.removesuffix('.part')}.sheet{number}.part")


def _new_sheet(book: Workbook, title: str, scratch: Path | None, made: list[Path]):
    sheet = book.create_sheet(title)
    if scratch is not None:
        # openpyxl's write-only worksheet makes its writer (and temp file) on the first row;
        # one made here writes to our file instead (openpyxl has no setting for the folder,
        # and tempfile.tempdir would move every temporary file of the process)
        path = scratch_path(scratch, len(made) + 1)
        made.append(path)
        sheet._writer = _ScratchWriter(sheet, out=str(path))
        sheet._writer.write_top()
    return sheet


def write_xlsx(
    rows: Iterable[list], handle: IO[bytes], title: str = "Export", scratch: Path | None = None
) -> int:
    """Write ``rows`` (header first) as an XLSX workbook to ``handle`` with openpyxl's
    write-only mode (rows go to a file per worksheet, not memory); past :data:`SHEET_ROWS`
    rows the next worksheet starts, with the header again. Returns the number of data rows.

    ``scratch``: the worksheets' files are :func:`scratch_path` of it (an export job's folder),
    else openpyxl's own temporary files. They are deleted when the workbook is saved or the
    writing fails (a killed process leaves them to the job's sweep: they hold personal data)."""
    book = Workbook(write_only=True)
    made: list[Path] = []
    try:
        iterator = iter(rows)
        header = next(iterator, [])
        sheet = _new_sheet(book, title, scratch, made)
        sheet.append(header)
        count = 0
        for row in iterator:
            if count and count % SHEET_ROWS == 0:
                sheet = _new_sheet(book, f"{title} ({count // SHEET_ROWS + 1})", scratch, made)
                sheet.append(header)
            sheet.append([_xlsx_cell(sheet, v) for v in row])
            count += 1
        book.save(handle)
    except BaseException:
        for open_sheet in book.worksheets:
            with contextlib.suppress(Exception):  # close its file, whatever state it is in
                if not open_sheet.closed:
                    open_sheet.close()
        raise
    finally:
        for path in made:
            path.unlink(missing_ok=True)
    return count


def stream_part(folder: Path) -> Path:
    """A fresh name in ``folder`` for the XLSX file of one streamed download:
    ``stream-<random>.xlsx.part`` (its worksheets' files: :func:`scratch_path` of it)."""
    return folder / f"{STREAM_PREFIX}{secrets.token_hex(8)}.xlsx.part"


def xlsx_chunks(rows: Iterable[list], title: str = "Export", *, folder: Path) -> Iterator[bytes]:
    """The XLSX file of ``rows`` in chunks of :data:`FILE_CHUNK` bytes, for a streamed
    response: written whole first (a ZIP's directory comes last), then read.

    ``folder``: the export folder. The file is :func:`stream_part` of it and its worksheets'
    files sit beside it, as an export job's do (:func:`write_xlsx` with ``scratch``), never in
    the system temp folder: they hold personal data. All are deleted when the last chunk is
    read, the writing fails, or the generator is closed early (Werkzeug closes a response's
    iterable when it ends, also when the client went away); a killed process leaves them to
    the export sweep (:func:`learnhub.reports.jobs.stalls.delete_orphaned_parts`)."""
    part = stream_part(folder)
    try:
        with part.open("w+b") as handle:
            write_xlsx(rows, handle, title, scratch=part)
            handle.seek(0)
            while chunk := handle.read(FILE_CHUNK):
                yield chunk
    finally:
        part.unlink(missing_ok=True)
