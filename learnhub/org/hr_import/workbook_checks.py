"""Checks of an XLSX workbook before openpyxl reads it (split from :mod:`.tables`): its sheets'
and shared strings' decompressed size and the number of shared strings, read as a stream (a
ZIP's stated sizes can lie), and a refusal of an unreadable workbook in words HR understands.
The one streaming reader (:func:`scan_workbook`) also counts the rows of the largest sheet,
for :func:`learnhub.org.import_jobs.count_rows`.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.core.xml_safety import refusal_words

if TYPE_CHECKING:
    from learnhub.org.hr_import.tables import Limits

#: a formula element of SpreadsheetML (``<f>…</f>``, ``<x:f …/>``)
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
#: a row element of SpreadsheetML (``<row …>``, ``<x:row …>``)
XLSX_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
#: a worksheet's row and formula elements in one pattern (the group names which)
SHEET_TAGS = re.compile(rb"<(?:\w+:)?(row|f)[\s>/]")
#: a shared string of the table (``<si>``)
SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
#: the refusal of a file that is not (or no longer) the ZIP archive an XLSX workbook is
NOT_A_WORKBOOK = (
    "This file is not an Excel workbook (.xlsx): it is damaged, or another kind of file with "
    "an .xlsx name. Open it in Excel and save it as an Excel workbook (.xlsx) or as CSV."
)
#: bytes read at a time from a workbook's entries when checking them
STREAM_CHUNK = 1 << 20


def unreadable(error: Exception) -> ValidationFailed:
    """The refusal of a workbook openpyxl cannot read, in words: a DTD or entities declared
    (defusedxml's refusal, never its class name), else the first line of openpyxl's reason
    without its "see the exception" advice, which means nothing to HR."""
    words = refusal_words(error)
    if words is None and isinstance(error, (zipfile.BadZipFile, EOFError)):
        # zipfile's words ("File is not a zip file", "Bad magic number …") mean nothing to HR
        words = NOT_A_WORKBOOK
    if words is None and isinstance(error, SyntaxError):
        words = f"a sheet is not well-formed XML ({error})"
    if words is None:
        words = (str(error).strip().splitlines() or ["the workbook's parts are not valid"])[0]
        words = words.replace(" from None.", ".")
    return ValidationFailed("The HR file is not a readable XLSX workbook.", [Issue("file", words)])


@dataclass(frozen=True)
class WorkbookCounts:
    """What one streaming pass over an XLSX's worksheets and shared strings found: ``rows``,
    the ``<row>`` elements of its largest worksheet (the header included); ``shared_strings``,
    the entries of its shared-strings table; ``formulas``, whether any worksheet has a formula
    element; ``unpacked_bytes``, the decompressed bytes of those parts."""

    rows: int
    shared_strings: int
    formulas: bool
    unpacked_bytes: int


def scan_workbook(data: bytes, limits: Limits | None = None) -> WorkbookCounts:
    """Read an XLSX's worksheets and shared-strings table once, as a stream (a ZIP's stated
    sizes can lie), counting rows, shared strings and formulas (:class:`WorkbookCounts`).
    With ``limits``, refuse (ValidationFailed, naming the part) as soon as the parts unpack
    past ``limits.unzipped_bytes`` or the shared strings pass ``limits.shared_strings``,
    without reading further. An archive that cannot be read: ValidationFailed
    (:func:`unreadable`). Serves :func:`check_workbook` and the cheap row count that decides
    whether a worker plans the file (:func:`learnhub.org.import_jobs.count_rows`)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise unreadable(error) from error
    total = strings = rows = 0
    formulas = False
    with archive:
        for info in archive.infolist():
            name = info.filename.lower()
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if not (is_sheet or name.endswith("sharedstrings.xml")):
                continue
            count = 0  # rows of this sheet, or entries of the shared strings
            pattern = SHEET_TAGS if is_sheet else SHARED_STRING
            tail = b""
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(STREAM_CHUNK):
                        total += len(chunk)
                        if limits is not None and total > limits.unzipped_bytes:
                            raise _too_unpacked(limits, info)
                        window = tail + chunk
                        # a tag cut by the chunk's end is found whole in the next window; one
                        # wholly in the tail was counted with the window before
                        found = pattern.findall(window)
                        before = pattern.findall(tail)
                        if is_sheet:  # one pass finds rows and formulas: b"row" or b"f"
                            count += found.count(b"row") - before.count(b"row")
                            formulas = formulas or b"f" in found
                        else:
                            count += len(found) - len(before)
                        most = limits.shared_strings if limits is not None else None
                        if not is_sheet and most is not None and strings + count > most:
                            raise _too_many_strings(most, info)
                        tail = window[-16:]
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as error:
                raise unreadable(error) from error
            if is_sheet:
                rows = max(rows, count)
            else:
                strings += count
    return WorkbookCounts(rows, strings, formulas, total)


def check_workbook(data: bytes, limits: Limits) -> bool:
    """Refuse a workbook whose sheets and shared strings decompress past the limits, reading
    them as a stream (:func:`scan_workbook`). Returns whether any sheet has formulas."""
    return scan_workbook(data, limits).formulas


def _too_unpacked(limits: Limits, info: zipfile.ZipInfo) -> ValidationFailed:
    return ValidationFailed(
        f"The HR workbook unpacks to more than {_size(limits.unzipped_bytes)} of sheets and "
        "shared strings, the most one import reads; nothing was imported.",
        [Issue("file", f"{info.filename} and what came before it")],
    )


def _too_many_strings(most: int, info: zipfile.ZipInfo) -> ValidationFailed:
    return ValidationFailed(
        f"The HR workbook's shared-strings table has more than {most:,} "
        "entries, the most one import reads; nothing was imported. Save it as CSV, or split it.",
        [Issue("file", info.filename)],
    )


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n:,} bytes"
