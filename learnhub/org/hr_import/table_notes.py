"""Checks and warnings of :mod:`learnhub.org.hr_import.tables` while it reads a file's header
and rows (a fresh tester's findings: a repeated header, cells past the header)."""

from __future__ import annotations

from learnhub.core.errors import Issue, ValidationFailed

#: rows named by a kind of reading warning before the rest are counted
NOTES_MAX = 20


def note(notes: list[str], counts: dict[str, int], kind: str, text: str) -> None:
    """Add ``text`` to ``notes`` unless NOTES_MAX of its ``kind`` are there (``counts``)."""
    counts[kind] = counts.get(kind, 0) + 1
    if counts[kind] <= NOTES_MAX:
        notes.append(text)


def check_headers(headers: list[str]) -> None:
    """Refuse a header naming one column twice (case and spaces aside): which of the two a
    field would read is a guess (a fresh tester's finding: the first of two ``email`` columns
    won silently)."""
    seen: dict[str, int] = {}
    issues = []
    for number, header in enumerate(headers, start=1):
        key = " ".join(header.split()).casefold()
        if not key:
            continue
        if key in seen:
            issues.append(
                Issue(
                    "row 1",
                    f"the column {header!r} is named twice: columns {seen[key]} and {number}",
                )
            )
        else:
            seen[key] = number
    if issues:
        raise ValidationFailed(
            "The HR file's header names a column twice; nothing was imported. Rename or remove "
            "one of them.",
            issues,
        )
