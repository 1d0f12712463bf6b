"""Checks on a question file before and after parsing that refuse it whole (issue 13: imports
limited by work, and a fresh tester's findings): too many questions for one import, a NUL
character, a "GIFT" file that is only text. Each answers an :class:`Issue` or None."""

from __future__ import annotations

import re

from flask import current_app

from learnhub.core.errors import Issue
from learnhub.questionbank.models import QuestionType

#: what only a GIFT file has: a ::title::, a $CATEGORY: line or a [format] at a text's start
_GIFT_MARKS = re.compile(r"::|^\$CATEGORY:|^\s*\[(?:html|moodle|plain|markdown)\]", re.M)
#: the end of a GIFT question block: text, then one or more blank lines, then text
_BLOCK_END = re.compile(rb"\S(?:\r?\n[ \t]*){2,}(?=\S)")


def too_much(fmt: str, data: bytes) -> Issue | None:
    """The work limit, checked before any parsing (a 32 MB GIFT file of small questions took
    2.4 GB): at most LEARNHUB_BANK_IMPORT_MAX_QUESTIONS questions, counted as ``<question``
    elements of Moodle XML or blank-line separated blocks of GIFT (an upper bound: comments
    and categories count too)."""
    limit = current_app.config["LEARNHUB_BANK_IMPORT_MAX_QUESTIONS"]
    found = data.count(b"<question") if fmt == "moodle_xml" else len(_BLOCK_END.findall(data)) + 1
    if found <= limit:
        return None
    return Issue(
        "file",
        f"the file holds about {found} questions, more than the {limit} one import may take "
        "(LEARNHUB_BANK_IMPORT_MAX_QUESTIONS): split it into smaller files",
    )


def nul_character(data: bytes) -> Issue | None:
    """A NUL character, with its line: no PostgreSQL text can hold one."""
    if b"\x00" not in data:
        return None
    line = data[: data.index(b"\x00")].count(b"\n") + 1
    return Issue(f"line {line}", "the file holds a NUL character (\\0)")


def only_text(questions: list[dict], text: str) -> Issue | None:
    """GIFT reads any text without {answers} as a "description": a staff list or an XML file
    chosen by mistake would become one unscored question. A file of real descriptions has
    GIFT's marks (a ::title::, a category or a [format]); one without any is refused."""
    if (
        questions
        and all(q.get("type") == QuestionType.DESCRIPTION for q in questions)
        and not _GIFT_MARKS.search(text)
    ):
        return Issue(
            "line 1",
            "no question found: a GIFT question has its answers in {braces}; this file holds "
            "only text. Is it a GIFT file?",
        )
    return None
