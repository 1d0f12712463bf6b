"""Cells safe to open in a spreadsheet (DESIGN.md: every exported cell that a spreadsheet could
read as a formula is neutralised)."""

from __future__ import annotations

#: OWASP "CSV injection": a cell starting with one of these may be run as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell as text (None -> ""), prefixed with ``'`` when it starts like a formula
    (= + - @ tab CR), per OWASP's CSV-injection advice."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
