"""Reading an HR export into a header and numbered rows of text cells: CSV or XLSX.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first person row 2,
counting records (blank ones too), not lines: a quoted cell over several lines is one row, as
a spreadsheet opening the CSV shows it (a fresh tester's finding: "row 4" for row 3).

The work a file can cost is bounded before it is done (:class:`Limits`): rows, columns, the
decompressed size of a workbook's sheets and its shared-strings table, and the number of
shared strings (openpyxl holds that whole table in memory: a 3.3 MB workbook with a huge one
took 1.86 GB). A file over a limit is refused with a message saying which.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from flask import current_app, has_app_context

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.org.hr_import.encoding import decode
from learnhub.org.hr_import.file_kind import check_file_kind, looks_binary, not_hr_file
from learnhub.org.hr_import.table_notes import NOTES_MAX, check_headers, note
from learnhub.org.hr_import.workbook_checks import check_workbook, unreadable

#: an XLSX workbook is a ZIP archive (ECMA-376 Part 2, Open Packaging Conventions)
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = ",;\t|"
#: the line boundaries ``str.splitlines`` knows
LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class Limits:
    """The most work one HR file may ask for (config ``LEARNHUB_HR_IMPORT_MAX_*``):
    ``rows`` person rows, ``columns`` cells in a row, ``unzipped_bytes`` decompressed bytes of
    an XLSX's worksheets and shared strings together, ``shared_strings`` entries of its
    shared-strings table. Defaults fit 100,000 people with room to spare."""

    rows: int = 200_000
    columns: int = 100
    unzipped_bytes: int = 256 * 2**20
    shared_strings: int = 1_000_000

    @classmethod
    def from_config(cls) -> Limits:
        """The app's limits (the defaults outside an app context)."""
        if not has_app_context():
            return cls()
        config = current_app.config
        default = cls()
        return cls(
            rows=config.get("LEARNHUB_HR_IMPORT_MAX_ROWS", default.rows),
            columns=config.get("LEARNHUB_HR_IMPORT_MAX_COLUMNS", default.columns),
            unzipped_bytes=config.get(
                "LEARNHUB_HR_IMPORT_MAX_UNZIPPED_BYTES", default.unzipped_bytes
            ),
            shared_strings=config.get(
                "LEARNHUB_HR_IMPORT_MAX_SHARED_STRINGS", default.shared_strings
            ),
        )


@dataclass
class Table:
    """``headers``: the header row's cells, stripped; ``rows``: an iterator of
    (row number, cells) with blank rows skipped; ``kind``: "csv" or "xlsx"; ``encoding``: the
    CSV's encoding (None for XLSX); ``guessed``: true when it was inferred from a legacy code
    page."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    kind: str
    encoding: str | None = None
    guessed: bool = False
    #: a CSV's whole decoded text and its delimiter (the staged plan reads them; None for XLSX)
    text: str | None = None
    delimiter: str | None = None
    #: warnings found while reading the rows (cells past the header, timestamps), complete
    #: once ``rows`` is exhausted
    notes: list[str] | None = None

    def __post_init__(self) -> None:
        if self.notes is None:
            self.notes = []


def read_table(
    data: bytes,
    filename: str | None = None,
    *,
    encoding: str | None = None,
    limits: Limits | None = None,
) -> Table:
    """Open an HR export. XLSX (recognised by its ZIP signature or an ``.xlsx`` name) is read
    with openpyxl in read-only mode, first worksheet, cached values of formulas; anything else
    is CSV in ``encoding`` (None: detected, see :mod:`learnhub.org.hr_import.encoding`), the
    delimiter (``, ; tab |``) the one the header uses most. Raises ValidationFailed for a file
    that is neither (an image, a PDF, another archive: :mod:`.file_kind`), an empty or
    unreadable file, a file over ``limits`` (default: the app's), a cell no CSV
    reader takes (over 131,072 characters), a formula without a cached value (naming the
    cell) or bytes that do not decode (naming the row)."""
    limits = limits or Limits.from_config()
    check_file_kind(data)
    if data.startswith(ZIP_MAGIC) or (filename or "").lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, limits)
    return _read_csv(data, encoding, limits)


def _empty() -> ValidationFailed:
    return ValidationFailed("The HR file is empty.", [Issue("row 1", "no header row")])


def _too_many_rows(limits: Limits, row: int) -> ValidationFailed:
    return ValidationFailed(
        f"The HR file has more than {limits.rows:,} person rows, the most one import takes; "
        "nothing was imported. Split it (a delta sync per part) or raise "
        "LEARNHUB_HR_IMPORT_MAX_ROWS.",
        [Issue(f"row {row}", f"person row {limits.rows + 1:,}")],
    )


def _too_wide(limits: Limits, row: int, width: int) -> ValidationFailed:
    return ValidationFailed(
        f"The HR file has a row of {width:,} cells, more than the {limits.columns} one import "
        "takes; nothing was imported.",
        [Issue(f"row {row}", f"{width:,} cells")],
    )


def _csv_error(error: csv.Error, row: int) -> ValidationFailed:
    text = str(error)
    if "field larger than field limit" in text:
        limit = csv.field_size_limit()
        message = f"a cell is longer than {limit:,} characters (no field holds that much)"
    else:
        message = f"not readable as CSV: {text}"
    return ValidationFailed(
        "The HR file has a row no import can read; nothing was imported.",
        [Issue(f"row {row}", message)],
    )


def _read_csv(data: bytes, encoding: str | None, limits: Limits) -> Table:
    # a first, cheap bound: a file with far more lines than rows allowed is refused unread
    if data.count(b"\n") > 2 * limits.rows + 1:
        raise _too_many_rows(limits, limits.rows + 2)
    try:
        decoded = decode(data, encoding)
    except ValidationFailed as error:
        if looks_binary(data):  # not a CSV in an unknown encoding: not text at all
            raise not_hr_file("binary data, not text", data) from error
        raise
    text = decoded.text
    if not text.strip():
        raise _empty()
    first_line = LINE_BREAK.split(text.lstrip("\r\n"), maxsplit=1)[0]  # not every line split
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except csv.Error as error:
        raise _csv_error(error, reader.line_num or 1) from error
    if len(headers) > limits.columns:
        raise _too_wide(limits, 1, len(headers))
    check_headers(headers)
    notes: list[str] = []

    def rows() -> Iterator[tuple[int, list[str]]]:
        count = 0
        most, widest, width = limits.rows, limits.columns, len(headers)
        number = 1
        start = line = reader.line_num
        counts: dict[str, int] = {}
        cells: list[str] = []
        try:
            for cells in reader:  # a for loop: no try/next per row
                number += 1
                start, line = line + 1, reader.line_num
                if "".join(cells).strip():  # not a blank row (one C-level scan per row)
                    count += 1
                    if count > most:
                        raise _too_many_rows(limits, number)
                    if len(cells) > widest:
                        raise _too_wide(limits, number, len(cells))
                    if len(cells) > width and "".join(cells[width:]).strip():
                        note(
                            notes,
                            counts,
                            "wide",
                            f"row {number} has cells past the "
                            f"header's {width} columns: they are ignored",
                        )
                    yield number, cells
        except csv.Error as error:
            raise _csv_error(error, number + 1) from error  # the record being read
        if line > start and any("\n" in c or "\r" in c for c in cells) and text.count('"') % 2:
            raise ValidationFailed(
                'The HR file has a quote (") that is never closed; nothing was imported: the '
                "rest of the file was read as one cell. Close or remove the quote.",
                [Issue(f"row {number} (line {start})", "a cell opened with a quote is not closed")],
            )
        for kind, n in counts.items():
            if n > NOTES_MAX and kind == "wide":
                notes.append(f"{n - NOTES_MAX} more rows have cells past the header's columns")

    return Table(
        headers,
        rows(),
        "csv",
        decoded.encoding,
        decoded.guessed,
        text=text,
        delimiter=delimiter,
        notes=notes,
    )


def _read_xlsx(data: bytes, limits: Limits) -> Table:
    from openpyxl import load_workbook

    formulas = check_workbook(data, limits)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        cells_of = (
            load_workbook(io.BytesIO(data), read_only=True, data_only=False) if formulas else None
        )
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as error:
        raise unreadable(error) from error
    sheet = workbook.worksheets[0]
    if (sheet.max_row or 0) > limits.rows + 1:
        workbook.close()
        raise _too_many_rows(limits, limits.rows + 2)
    values = sheet.iter_rows(values_only=True)
    formula_rows = cells_of.worksheets[0].iter_rows() if cells_of is not None else None

    def close() -> None:
        workbook.close()
        if cells_of is not None:
            cells_of.close()

    def next_row() -> tuple | None:
        try:
            row = next(values, None)
            raw = next(formula_rows, None) if formula_rows is not None else None
        except (SyntaxError, ValueError, KeyError) as error:
            # the sheet's XML is read row by row: a damaged sheet (ParseError is a
            # SyntaxError) or one refused for safety was a traceback (a tester's finding)
            close()
            raise unreadable(error) from error
        if row is not None and raw is not None:
            for value, cell in zip(row, raw, strict=False):
                if value is None and getattr(cell, "data_type", None) == "f":
                    close()
                    where = f"{sheet.title}!{cell.coordinate}"
                    raise ValidationFailed(
                        "The HR workbook has a formula without a calculated value; nothing was "
                        "imported. Open it in a spreadsheet program and save it again (that "
                        "stores the values), or replace the formulas by values.",
                        [Issue(where, f"formula {cell.value} has no cached value")],
                    )
        return row

    header = next_row()
    if header is None or not any(_text(c) for c in header):
        sheets = len(workbook.worksheets)
        close()
        if sheets > 1:
            raise ValidationFailed(
                f"The first sheet of the HR workbook ({sheet.title}) is empty: only the first "
                f"sheet is read, and this workbook has {sheets}. Move the people to the first "
                "sheet (or delete the sheets before it) and upload it again.",
                [Issue("row 1", f"sheet {sheet.title} has no header row")],
            )
        raise _empty()
    headers = [_text(c) for c in header]
    if _width(headers) > limits.columns:
        close()
        raise _too_wide(limits, 1, _width(headers))
    try:
        check_headers(headers)
    except ValidationFailed:
        close()
        raise
    notes: list[str] = []

    def rows() -> Iterator[tuple[int, list[str]]]:
        count = 0
        counts: dict[str, int] = {}
        try:
            number = 1
            while (cells := next_row()) is not None:
                number += 1
                for value in cells:
                    if isinstance(value, datetime) and value.time() != time(0):
                        note(
                            notes,
                            counts,
                            "time",
                            f"row {number}: the date {value:%Y-%m-%d} "
                            f"has a time ({value:%H:%M}); only the date is read",
                        )
                texts = [_text(c) for c in cells]
                if any(texts):
                    count += 1
                    if count > limits.rows:
                        raise _too_many_rows(limits, number)
                    if _width(texts) > limits.columns:
                        raise _too_wide(limits, number, _width(texts))
                    yield number, texts
        finally:
            close()

    return Table(headers, rows(), "xlsx", notes=notes)


def _width(texts: list[str]) -> int:
    """Cells up to the last non-empty one (read-only openpyxl pads rows to the sheet's width)."""
    width = len(texts)
    while width and not texts[width - 1]:
        width -= 1
    return width


def _text(value: object) -> str:
    """A cell as the text an HR CSV export would hold: whole numbers without ``.0`` (employee
    numbers typed as numbers), dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):  # HR systems export timestamps: the date is the value
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
