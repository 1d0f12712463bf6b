"""Write question-spec dicts as Moodle XML (the inverse of :func:`parse_moodle_xml`).

The layout is Moodle's own export, qformat_xml::writequestion() (question/format/xml/
format.php): a ``<question type="category">`` whenever the category changes, then per question
``<name>``, ``<questiontext format=…>``, ``<generalfeedback>``, ``<defaultgrade>``,
``<idnumber>``, the type's own elements, and ``<tags>``. The tree is built with ElementTree,
which escapes ``&``, ``<`` and ``>`` in every text and quotes in attributes; Moodle writes HTML
in ``<![CDATA[…]]>`` sections instead, which any XML reader (Moodle's, ours) reads as the same
characters, so nothing is lost by escaping. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement

from learnhub.questionbank.models import QuestionType

# LearnHub's text formats as qformat_xml::get_format() names them (reader.FORMATS reversed)
FORMAT_NAMES = {
    "html": "html",
    "moodle": "moodle_auto_format",
    "plain": "plain_text",
    "markdown": "markdown",
}
# characters XML 1.0 cannot hold at all (a file with one is not well-formed)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# the characters a cloze subquestion escapes with a backslash (qtype_multianswer)
_CLOZE_SPECIAL = re.compile(r'([}#~/"\\])')
_CLOZE_TYPES = {
    QuestionType.SINGLE_CHOICE: "MULTICHOICE",
    QuestionType.MULTIPLE_CHOICE: "MULTIRESPONSE",
    QuestionType.NUMERIC: "NUMERICAL",
}
_XML_TYPES = {
    QuestionType.SINGLE_CHOICE: "multichoice",
    QuestionType.MULTIPLE_CHOICE: "multichoice",
    QuestionType.TRUE_FALSE: "truefalse",
    QuestionType.SHORT_ANSWER: "shortanswer",
    QuestionType.NUMERIC: "numerical",
    QuestionType.MATCHING: "matching",
    QuestionType.ESSAY: "essay",
    QuestionType.DESCRIPTION: "description",
}


def export_moodle_xml(questions: list[dict]) -> tuple[bytes, list[str]]:
    """Write question-spec dicts (the question-spec contract, as the bank keeps them) as a
    Moodle XML ``<quiz>`` document, UTF-8 with an XML declaration.

    ``category`` is the category path as LearnHub keeps it ("Security/Phishing", ``//`` for a
    slash inside a name); it is written as ``$course$/top/<path>``, and a question without one
    after one with goes back to ``$course$/top``. Returns (the document, notes): a numeric
    answer given as a range ``min..max`` is written as its midpoint with half its width as
    tolerance (Moodle XML has no ranges; it accepts exactly the same numbers), noted. A
    missing-word question (``embedded``) is written as a cloze question with its one gap.
    For every other spec, ``parse_moodle_xml(doc).questions`` equals the specs without
    "line", given texts without edge whitespace (Moodle trims them, as the reader does).

    Raises ValueError naming the question for what XML cannot carry: a character XML 1.0
    forbids (a NUL or another control character), an unknown type or text format.
    """
    root = Element("quiz")
    notes: list[str] = []
    category: str | None = None
    for index, question in enumerate(questions):
        try:
            new_category = question.get("category") or None
            if new_category != category and (index or new_category):
                _category(root, new_category)
                category = new_category
            notes.extend(
                f"{question.get('name') or f'question {index + 1}'}: {note}"
                for note in _question(root, question)
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"question {index + 1} ({question.get('name')!r}): {exc}") from exc
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n", notes


def _checked(text: str) -> str:
    bad = _NOT_XML.search(text)
    if bad:
        raise ValueError(f"character U+{ord(bad[0]):04X} cannot be written in XML")
    return text


def _text_element(parent: Element, tag: str, body: str) -> Element:
    holder = SubElement(parent, tag)
    SubElement(holder, "text").text = _checked(body)
    return holder


def _formatted(parent: Element, tag: str, text: dict) -> Element:
    """``<tag format="…"><text>…</text></tag>`` of a ``{"format", "text"}``."""
    if text["format"] not in FORMAT_NAMES:
        raise ValueError(f"unknown text format {text['format']!r}")
    holder = _text_element(parent, tag, text["text"])
    holder.set("format", FORMAT_NAMES[text["format"]])
    return holder


def _feedback(parent: Element, feedback: dict | None, tag: str = "feedback") -> None:
    if feedback and feedback.get("text"):
        _formatted(parent, tag, feedback)


def _category(root: Element, path: str | None) -> None:
    question = SubElement(root, "question", type="category")
    _text_element(question, "category", f"$course$/top/{path}" if path else "$course$/top")


def _question(root: Element, q: dict) -> list[str]:
    qtype = QuestionType(q["type"])
    notes: list[str] = []
    stem = dict(q["stem"])
    if q.get("embedded"):
        stem["text"] = stem["text"].replace("{gap}", _cloze(q, notes), 1)
        xml_type = "cloze"
    else:
        xml_type = _XML_TYPES[qtype]
    el = SubElement(root, "question", type=xml_type)
    _text_element(el, "name", q.get("name") or "")
    _formatted(el, "questiontext", stem)
    _feedback(el, q.get("general_feedback"), "generalfeedback")
    SubElement(el, "defaultgrade").text = str(q.get("points", "1"))
    if q.get("idnumber"):
        SubElement(el, "idnumber").text = _checked(q["idnumber"])
    if not q.get("embedded"):
        _WRITERS[qtype](el, q, notes)
    if q.get("tags"):
        tags = SubElement(el, "tags")
        for tag in q["tags"]:
            _text_element(tags, "tag", tag)
    return notes


def _choices(el: Element, q: dict, notes: list[str]) -> None:
    single = q["type"] == QuestionType.SINGLE_CHOICE
    SubElement(el, "single").text = "true" if single else "false"
    SubElement(el, "shuffleanswers").text = "true"
    SubElement(el, "answernumbering").text = "abc"
    for choice in q["choices"]:
        answer = _formatted(el, "answer", choice["text"])
        answer.set("fraction", choice["weight"])
        _feedback(answer, choice.get("feedback"))


def _true_false(el: Element, q: dict, notes: list[str]) -> None:
    for choice in q["choices"]:
        label = choice["text"]["text"].strip().lower()
        if label not in ("true", "false"):
            raise ValueError(f"a true/false choice reads {label!r}, not true or false")
        answer = _text_element(el, "answer", label)
        answer.set("fraction", "100" if Decimal(choice["weight"]) == 100 else "0")
        answer.set("format", "moodle_auto_format")
        _feedback(answer, choice.get("feedback"))


def _short_answer(el: Element, q: dict, notes: list[str]) -> None:
    SubElement(el, "usecase").text = "1" if q.get("case_sensitive") else "0"
    for item in q["answers"]:
        answer = _text_element(el, "answer", item["text"])
        answer.set("fraction", item["weight"])
        answer.set("format", "moodle_auto_format")
        _feedback(answer, item.get("feedback"))


def _value_tolerance(item: dict, notes: list[str]) -> tuple[str, str]:
    """A numeric answer as (value, tolerance); a range becomes midpoint ± half its width."""
    if item["kind"] != "range":
        return item["value"], item["tolerance"]
    low, high = Decimal(item["min"]), Decimal(item["max"])
    notes.append(f"the range {item['min']}..{item['max']} is written as its midpoint ± half width")
    return _plain((low + high) / 2), _plain(abs(high - low) / 2)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _numeric(el: Element, q: dict, notes: list[str]) -> None:
    for item in q["answers"]:
        value, tolerance = _value_tolerance(item, notes)
        answer = _text_element(el, "answer", value)
        answer.set("fraction", item["weight"])
        answer.set("format", "moodle_auto_format")
        SubElement(answer, "tolerance").text = tolerance
        _feedback(answer, item.get("feedback"))


def _matching(el: Element, q: dict, notes: list[str]) -> None:
    SubElement(el, "shuffleanswers").text = "true"
    fmt = q["stem"]["format"]
    for pair in q["pairs"]:
        left = pair["left"] or {"format": fmt, "text": ""}
        sub = _formatted(el, "subquestion", left)
        _text_element(sub, "answer", pair["right"])


def _essay(el: Element, q: dict, notes: list[str]) -> None:
    SubElement(el, "responseformat").text = "editor"
    SubElement(el, "responserequired").text = "1"
    SubElement(el, "responsefieldlines").text = "15"
    SubElement(el, "attachments").text = "0"


def _description(el: Element, q: dict, notes: list[str]) -> None:
    return None


_WRITERS = {
    QuestionType.SINGLE_CHOICE: _choices,
    QuestionType.MULTIPLE_CHOICE: _choices,
    QuestionType.TRUE_FALSE: _true_false,
    QuestionType.SHORT_ANSWER: _short_answer,
    QuestionType.NUMERIC: _numeric,
    QuestionType.MATCHING: _matching,
    QuestionType.ESSAY: _essay,
    QuestionType.DESCRIPTION: _description,
}


def _cloze_text(text: str) -> str:
    return _CLOZE_SPECIAL.sub(r"\\\1", text)


def _cloze(q: dict, notes: list[str]) -> str:
    """The gap of a missing-word question as one cloze subquestion (qtype_multianswer syntax:
    ``{:MULTICHOICE:=right#feedback~%50%half~wrong}``); weights ``=`` for 100, else ``%w%``.
    Feedback is kept as text in the stem's format (the cloze syntax has no other)."""
    qtype = QuestionType(q["type"])
    if qtype == QuestionType.SHORT_ANSWER:
        kind = "SHORTANSWER_C" if q.get("case_sensitive") else "SHORTANSWER"
        items = [(a["weight"], a["text"], a.get("feedback")) for a in q["answers"]]
    elif qtype in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        kind = _CLOZE_TYPES[qtype]
        items = [(c["weight"], c["text"]["text"], c.get("feedback")) for c in q["choices"]]
    elif qtype == QuestionType.NUMERIC:
        kind = "NUMERICAL"
        items = []
        for a in q["answers"]:
            value, tolerance = _value_tolerance(a, notes)
            items.append((a["weight"], f"{value}:{tolerance}", a.get("feedback")))
    else:
        raise ValueError(f"a missing-word {qtype} question cannot be written as a cloze gap")
    parts = []
    for weight, text, feedback in items:
        mark = "=" if Decimal(weight) == 100 else f"%{weight}%"
        body = text if qtype == QuestionType.NUMERIC else _cloze_text(text)
        note = f"#{_cloze_text(feedback['text'])}" if feedback and feedback.get("text") else ""
        parts.append(mark + body + note)
    return "{:" + kind + ":" + "~".join(parts) + "}"
