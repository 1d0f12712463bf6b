"""Telling a file that is no HR export (an image, a PDF, an archive, an old Excel file) from a
CSV or XLSX before reading it, by the signature its first bytes carry.

Read as CSV such a file gave a decoding error ("neither UTF-8 nor readable in a known code
page"), a header of binary junk ("no column mapping recognises this file's header") or, for
a ZIP that is no workbook, openpyxl's "no item named '[Content_Types].xml'": words about
encodings and headers for what is the wrong file (a fresh tester's finding, issue 13).

Signatures: PNG (ISO/IEC 15948), JPEG (``FF D8 FF``), GIF, TIFF, WebP, PDF (``%PDF-``),
the OLE2 compound file of Excel 97-2003 and other old Office files, gzip, 7-Zip, RAR, ELF.
A ZIP archive (``PK``) is an XLSX only with a workbook part (``xl/``, ECMA-376 Part 2); a
DOCX, a PPTX or an OpenDocument file says so. A file with no known signature is read as CSV;
one that then fails to decode and is mostly bytes no text holds (C0 controls but tab, line
feed and carriage return) is called binary.
"""

from __future__ import annotations

import io
import zipfile

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.org.hr_import.encoding import utf16_without_bom

#: (first bytes, what the file looks like), checked in this order
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%PDF-", "a PDF document"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an Excel 97-2003 workbook (.xls) or another old Office file",
    ),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
)
#: ZIP archives: a local file header, or the end record of an empty archive
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
#: what a ZIP archive that is no workbook holds, by its parts' names
ZIP_KINDS = (
    ("word/", "a Word document (.docx)"),
    ("ppt/", "a PowerPoint presentation (.pptx)"),
)
#: the ``mimetype`` part of an OpenDocument file, and its words
OPENDOCUMENT = {
    b"application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (.ods)",
    b"application/vnd.oasis.opendocument.text": "an OpenDocument text (.odt)",
}
#: bytes a text file holds only rarely: C0 controls but tab, line feed and carriage return
BINARY_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32)])
#: the share of such bytes in a file's first SAMPLE bytes from which it is called binary
BINARY_SHARE = 0.1
SAMPLE = 4096


def not_hr_file(looks_like: str, data: bytes) -> ValidationFailed:
    """The refusal of a file that is not a CSV or XLSX file, saying what it looks like and
    showing its first bytes (the signature)."""
    first = data[:8].hex(" ")
    return ValidationFailed(
        f"This file is not a CSV or XLSX file: it looks like {looks_like}. Export the people "
        "from the HR system as CSV or XLSX (a spreadsheet program saves either) and upload "
        "that; nothing was imported.",
        [Issue("file", f"starts with the bytes {first}")],
    )


def check_file_kind(data: bytes) -> None:
    """Raise :func:`not_hr_file`'s ValidationFailed when ``data`` carries the signature of a
    file that is neither CSV nor XLSX (module docstring); return for anything else, a ZIP
    that cannot be opened included (the XLSX reader words that)."""
    for signature, looks_like in SIGNATURES:
        if data.startswith(signature):
            raise not_hr_file(looks_like, data)
    if data.startswith(ZIP_SIGNATURES):
        archive_kind = zip_kind(data)
        if archive_kind is not None:
            raise not_hr_file(archive_kind, data)


def signature_kind(data: bytes) -> str | None:
    """What ``data`` looks like by its first bytes ("a PNG image", "a Word document (.docx)",
    "an XLSX workbook" …; SIGNATURES, ZIP_KINDS), or None for no known signature (text, or
    a binary file of no known kind). Shared with the question-bank import, which takes no
    file with a signature at all."""
    for signature, looks_like in SIGNATURES:
        if data.startswith(signature):
            return looks_like
    if data.startswith(ZIP_SIGNATURES):
        return zip_kind(data) or "an XLSX workbook or another ZIP archive"
    return None


def is_no_hr_file(data: bytes) -> bool:
    """Whether ``data`` is surely no HR export: the signature of another kind of file
    (:func:`check_file_kind`), or, not being a ZIP, mostly bytes no text holds
    (:func:`looks_binary`). Asked by an upload before its rows are counted: such a file is
    never queued for a worker (a 20 MB random ``.csv`` was, as "about 78,119 rows", and
    refused only then), the import refuses it at once in words."""
    try:
        check_file_kind(data)
    except ValidationFailed:
        return True
    return not data.startswith(ZIP_SIGNATURES) and looks_binary(data)


def zip_kind(data: bytes) -> str | None:
    """What a ZIP archive is when it has no workbook part; None for a workbook or an
    archive that does not open (reading only its directory: no part is decompressed but
    ``mimetype``, a few bytes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if any(name.startswith("xl/") for name in names):
                return None
            if "mimetype" in names:
                kind = archive.read("mimetype").strip()
                if kind in OPENDOCUMENT:
                    return OPENDOCUMENT[kind]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        return None
    for prefix, looks_like in ZIP_KINDS:
        if any(name.startswith(prefix) for name in names):
            return looks_like
    return "a ZIP archive that holds no XLSX workbook"


def looks_binary(data: bytes) -> bool:
    """Whether the start of ``data`` is mostly bytes no text file holds (BINARY_SHARE or
    more of its first SAMPLE bytes); asked only of a file that failed to decode."""
    sample = data[:SAMPLE]
    if not sample or utf16_without_bom(data) is not None:
        return False  # UTF-16 text has a NUL in every other byte
    strange = len(sample) - len(sample.translate(None, BINARY_BYTES))
    return strange >= BINARY_SHARE * len(sample)
