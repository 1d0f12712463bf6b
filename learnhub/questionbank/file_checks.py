"""Checks on a question file before and after parsing that refuse it whole (issue 13: imports
limited by work, and a fresh tester's findings): too many questions for one import, a file of
another kind (an image, a PDF …), text that is not UTF-8 or UTF-16, a NUL character, a "GIFT"
file that is only text; and warns of one name twice in a category. Each answers an
:class:`Issue` or None (:func:`gift_text` the text, :func:`question_too_big` one question's
error, :func:`duplicate_names` a list).

The kind and the UTF-16 reading are the HR import's (learnhub.org.hr_import.file_kind and
.encoding), so both imports word a wrong file alike."""

from __future__ import annotations

import re

from flask import current_app

from learnhub.core.errors import Issue
from learnhub.org.hr_import.encoding import BOMS, utf16_without_bom
from learnhub.org.hr_import.file_kind import signature_kind
from learnhub.questionbank.models import QuestionType

#: the most text one question may hold (stem, answers, feedback, name: UTF-8 bytes). Moodle
#: keeps question text in a MySQL/PostgreSQL TEXT column with no limit of its own; 64 KiB is
#: far above any real question (the longest essay answer a learner may write is 50,000
#: characters, learnhub.quizzes.responses.MAX_TEXT) and keeps one pasted blob from filling
#: every attempt's page (the whole file's limit is the upload's, LEARNHUB_MAX_UPLOAD_BYTES)
MAX_QUESTION_BYTES = 64 * 1024

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


def other_kind(data: bytes) -> Issue | None:
    """A file that carries the signature of another kind of file (a PNG image, a PDF, a Word
    document, a ZIP archive …: learnhub.org.hr_import.file_kind), named as the HR import
    names it, with its first bytes."""
    looks_like = signature_kind(data)
    if looks_like is None:
        return None
    return Issue(
        "file",
        f"this is not a GIFT or Moodle XML file: it looks like {looks_like} (it starts with "
        f"the bytes {data[:8].hex(' ')}). Export the questions from Moodle as GIFT or Moodle "
        "XML and upload that",
    )


def gift_text(data: bytes) -> str | Issue:
    """The text of a GIFT file: UTF-8, or UTF-8/UTF-16/UTF-32 with a byte-order mark, or
    UTF-16 without one (as the HR import reads them: learnhub.org.hr_import.encoding; Moodle
    reads only UTF-8, so a file saved as "Unicode" by Notepad is read here rather than
    refused). An Issue, with its line, for bytes that do not decode or a NUL character."""
    marked = next(((bom, name) for bom, name in BOMS if data.startswith(bom)), None)
    if marked is not None:
        data, codec = data[len(marked[0]) :], marked[1]
    else:
        codec = utf16_without_bom(data) or "utf-8"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        return Issue(f"line {line}", f"the file is not {codec.upper()} text")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return Issue(f"line {line}", "the file holds a NUL character (\\0)")
    return text


def question_too_big(spec: dict) -> str | None:
    """Why ``spec`` holds too much text (MAX_QUESTION_BYTES of UTF-8 in all its texts), or
    None."""
    size = _text_bytes(spec)
    if size <= MAX_QUESTION_BYTES:
        return None
    return (
        f"the question holds {size // 1024} KiB of text, more than the "
        f"{MAX_QUESTION_BYTES // 1024} KiB one question may hold: shorten it"
    )


def _text_bytes(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", errors="replace"))
    if isinstance(value, dict):
        return sum(_text_bytes(v) for k, v in value.items() if k not in ("line", "category"))
    if isinstance(value, list):
        return sum(_text_bytes(v) for v in value)
    return 0


def _shared(questions: list[dict], path_of, key) -> list[tuple[str, str, list[dict], str]]:
    """The groups of two or more questions of one category (``path_of(spec)`` its path) with
    the same non-empty ``key(spec)``, in file order: ``(key, where in words, specs, "lines 2
    and 5")``."""
    seen: dict[tuple[str, str], list[dict]] = {}
    for spec in questions:
        if value := key(spec):
            seen.setdefault((path_of(spec), value), []).append(spec)
    groups = []
    for (path, value), specs in seen.items():
        if len(specs) > 1:
            lines = [str(spec.get("line", 0)) for spec in specs]
            where = f"category {path!r}" if path else "the top category"
            groups.append((value, where, specs, f"lines {', '.join(lines[:-1])} and {lines[-1]}"))
    return groups


def duplicate_names(questions: list[dict], path_of) -> list[Issue]:
    """One warning per name used by two or more questions of one category (``path_of(spec)``
    its path), naming every line. Names are how a re-import finds the question it updates
    (learnhub.questionbank.matching, as Moodle's id number): with two of one name a later
    import cannot tell which one an edited question updates, and refuses it then
    (matching.name_clash: nothing changed, the lines named). Questions that all carry an id
    number are matched by it and may share a name.

    A warning, not a refusal, and the same for GIFT and Moodle XML: Moodle neither requires
    unique names nor matches by them, and real files reuse them (Moodle's own GIFT sample
    names two questions "Jesus' hometown"; a Moodle XML export in realdata three true/false
    questions alike), so refusing them would refuse Moodle's files, and a bank imported from
    such XML could not take its own GIFT export back. A name Moodle XML's reader made from
    the text counts too."""
    return [
        Issue(
            lines,
            f"the name {name!r} is used by {len(specs)} questions in {where}: a later "
            "import can update one of them only if each has an id number ([id:] in GIFT, "
            "<idnumber> in Moodle XML) or a name of its own; an edited one is refused",
        )
        for name, where, specs, lines in _shared(
            questions, path_of, lambda spec: (spec.get("name") or "")[:255]
        )
        if not all(spec.get("idnumber") for spec in specs)
    ]


def duplicate_idnumbers(questions: list[dict], path_of) -> list[Issue]:
    """One error per id number used by two or more questions of one category (``path_of(spec)``
    its path), naming every line: an id number names one question of its category (Moodle keeps
    a category's id numbers unique), and a re-import updates the question with that id number
    (learnhub.questionbank.matching), so the second would silently update the first.
    Returns ``[Issue(where="lines 2 and 5", message=…)]``; the caller leaves those questions out."""
    return [
        Issue(
            lines,
            f"the id number {idnumber!r} is used by {len(specs)} questions in {where}: an "
            "id number names one question of its category; give each its own",
        )
        for idnumber, where, specs, lines in _shared(
            questions, path_of, lambda spec: spec.get("idnumber")
        )
    ]


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
