"""Reading an HR export into a header and numbered rows of text cells: CSV or XLSX.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first person row 2
(for CSV, the line number where the record ends, so a quoted multi-line cell keeps the count).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from learnhub.core.errors import Issue, ValidationFailed

#: an XLSX workbook is a ZIP archive (ECMA-376 Part 2, Open Packaging Conventions)
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = ",;\t|"


@dataclass
class Table:
    """``headers``: the header row's cells, stripped; ``rows``: an iterator of
    (row number, cells) with blank rows skipped; ``kind``: "csv" or "xlsx"."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    kind: str


def read_table(data: bytes, filename: str | None = None) -> Table:
    """Open an HR export. XLSX (recognised by its ZIP signature or an ``.xlsx`` name) is read
    with openpyxl in read-only mode, first worksheet; anything else is CSV: UTF-8 (with or
    without BOM), else Windows-1252, the delimiter (``, ; tab |``) the one the header uses most.
    Raises ValidationFailed for an empty file or an unreadable workbook."""
    if data.startswith(ZIP_MAGIC) or (filename or "").lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    return _read_csv(data)


def _empty() -> ValidationFailed:
    return ValidationFailed("The HR file is empty.", [Issue("row 1", "no header row")])


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise _empty()
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = [h.strip() for h in next(reader)]

    def rows() -> Iterator[tuple[int, list[str]]]:
        for cells in reader:
            if any(c.strip() for c in cells):
                yield reader.line_num, cells

    return Table(headers, rows(), "csv")


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationFailed(
            "The HR file is not a readable XLSX workbook.", [Issue("file", str(error))]
        ) from error
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if header is None or not any(_text(c) for c in header):
        workbook.close()
        raise _empty()
    headers = [_text(c) for c in header]

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(values, start=2):
                texts = [_text(c) for c in cells]
                if any(texts):
                    yield number, texts
        finally:
            workbook.close()

    return Table(headers, rows(), "xlsx")


def _text(value: object) -> str:
    """A cell as the text an HR CSV export would hold: whole numbers without ``.0`` (employee
    numbers typed as numbers), dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
