"""The text checks of a staged HR import plan (:mod:`.staging`), in Python before COPY: whether
``COPY … (FORMAT csv)`` reads the decoded file exactly as the csv module does, and whether a
cell needs stripping. Each is a few substring searches over the whole text (C loops), never a
split of every line or a regular expression over it (0.05 to 0.4 s at 100,000 rows)."""

from __future__ import annotations

from learnhub.org.hr_import.checks import BIDI_CHARACTERS
from learnhub.org.hr_import.tables import Limits, Table

#: the characters ``str.strip()`` removes (``str.isspace``); a test keeps it in step
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: the csv module's default longest cell: a longer one is the row path's error
FIELD_LIMIT = 131072


def copy_text(table: Table, limits: Limits) -> str | None:
    """The text COPY would read exactly as the csv module does, or None (see the module's
    docstring). Line ends become line feeds."""
    body = table.text
    if table.kind != "csv" or not body or body[0] in "\r\n" or table.delimiter is None:
        return None
    if '"' in body or "\\." in body or "\x00" in body:
        return None
    if "\r" in body:
        if body.count("\r") != body.count("\r\n"):
            return None
        body = body.replace("\r\n", "\n")
    if "\n\n" in body:
        return None
    count = body.count("\n") + (0 if body.endswith("\n") else 1) - 1
    if not 0 < count <= limits.rows:
        return None
    if _has_long_line(body, FIELD_LIMIT):
        return None  # a cell may be longer than the csv module reads
    return body


def _has_long_line(body: str, limit: int) -> bool:
    """Whether a line of ``body`` holds ``limit`` characters or more: from each line's start,
    a window of ``limit`` characters without a line feed is such a line, else the next
    start is after the window's last line feed (a few searches where splitting every line
    cost 0.05 s at 100,000 rows)."""
    start = 0
    while len(body) - start >= limit:
        last = body.rfind("\n", start, start + limit)
        if last < 0:
            return True
        start = last + 1
    return False


def needs_strip(body: str, delimiter: str) -> bool:
    """Whether a cell of ``body`` (no quotes: cells lie between delimiters and line ends)
    starts or ends with a character ``str.strip`` removes (substring searches: a regular
    expression over the whole text cost 0.4 s at 100,000 rows)."""
    for c in WHITESPACE:
        if c in "\n" + delimiter or c not in body:
            continue
        if body.startswith(c) or body.endswith(c) or body.endswith(c + "\n"):
            return True
        for edge in ("\n", delimiter):
            if c + edge in body or edge + c in body:
                return True
    return False


#: the control characters the row path refuses (CONTROL_RE), each looked for by itself, and
#: the line breaks it refuses inside a cell (LINE_BREAK_RE) that an unquoted CSV cell can hold
#: (NEL, U+2028, U+2029: COPY and the csv module end lines only at CR and LF); a file holding
#: one goes row by row, which finds whether it sits inside a cell and words the error
CONTROLS = [chr(i) for i in (*range(0, 9), 11, 12, *range(14, 32), 127)]
BREAKS = ["\x85", "\u2028", "\u2029"]
#: the bidirectional formatting characters the row path refuses (BIDI_RE): one anywhere in
#: the text sends the file row by row too
BIDI = list(BIDI_CHARACTERS)
