"""Checks of an XLSX workbook before openpyxl reads it (split from :mod:`.tables`): its sheets'
and shared strings' decompressed size and the number of shared strings, read as a stream (a
ZIP's stated sizes can lie), and a refusal of an unreadable workbook in words HR understands.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.core.xml_safety import refusal_words

if TYPE_CHECKING:
    from learnhub.org.hr_import.tables import Limits

#: a formula element of SpreadsheetML (``<f>…</f>``, ``<x:f …/>``)
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
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


def check_workbook(data: bytes, limits: Limits) -> bool:
    """Refuse a workbook whose sheets and shared strings decompress past the limits, reading
    them as a stream (a ZIP's stated sizes can lie). Returns whether any sheet has formulas."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise unreadable(error) from error
    total = 0
    strings = 0
    formulas = False
    with archive:
        for info in archive.infolist():
            name = info.filename.lower()
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            is_strings = name.endswith("sharedstrings.xml")
            if not (is_sheet or is_strings):
                continue
            tail = b""
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(STREAM_CHUNK):
                        total += len(chunk)
                        if total > limits.unzipped_bytes:
                            raise ValidationFailed(
                                "The HR workbook unpacks to more than "
                                f"{_size(limits.unzipped_bytes)} of sheets and shared "
                                "strings, the most one import reads; nothing was imported.",
                                [Issue("file", f"{info.filename} and what came before it")],
                            )
                        window = tail + chunk
                        if is_sheet and not formulas:
                            formulas = FORMULA.search(window) is not None
                        if is_strings:
                            strings += len(SHARED_STRING.findall(window))
                            strings -= len(SHARED_STRING.findall(tail))
                            if strings > limits.shared_strings:
                                raise ValidationFailed(
                                    "The HR workbook's shared-strings table has more than "
                                    f"{limits.shared_strings:,} entries, the most one import "
                                    "reads; nothing was imported. Save it as CSV, or split it.",
                                    [Issue("file", info.filename)],
                                )
                        tail = chunk[-16:]
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise unreadable(error) from error
    return formulas


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n:,} bytes"
