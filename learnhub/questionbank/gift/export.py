"""Write question-spec dicts as Moodle GIFT (the inverse of parse_gift)."""

from __future__ import annotations

import logging
from decimal import Decimal

from learnhub.questionbank.gift.common import (
    DEFAULT_FORMAT,
    FORMATS,
    NUMBER_RE,
    WEIGHT_RE,
    WS,
    escape_text,
)
from learnhub.questionbank.models import QuestionType

logger = logging.getLogger(__name__)

_CONTROL = {chr(c) for c in (*range(0x20), 0x7F)}


def export_gift(questions: list[dict]) -> str:
    """Write question-spec dicts as GIFT text, one block per question, blank lines between.

    `questions` are dicts as in the question-spec contract (the shape parse_gift() returns);
    "points" and "line" are not written (GIFT has no place for them), nor is a short answer's
    "case_sensitive" (GIFT short answers are case-insensitive). For everything else
    parse_gift(export_gift(qs)).questions equals qs, given texts without edge whitespace (GIFT
    trims texts, as Moodle does) and, for a missing-word question, some text after "{gap}".

    Layout follows Moodle's writequestion(): `// [id:]` and `// [tag:]` comments, `::name::`,
    the text with `[format]` when it differs from the default, the answers one a line, `####`
    general feedback last. A `$CATEGORY:` line is written whenever the category changes.

    Raises ValueError for what GIFT cannot express: fewer than 2 choices, an unknown type or
    format, a weight or number that is not a decimal, `->` inside a matching question's left
    side or anywhere in a short-answer question (Moodle would read a matching question), a
    description with general feedback, a return to "no category", a control character in an
    id number or tag.
    """
    blocks: list[str] = []
    category: str | None = None
    for index, question in enumerate(questions):
        try:
            new_category = question.get("category")
            if new_category != category:
                if not new_category:
                    raise ValueError("GIFT cannot go back to no category once one is set")
                blocks.append(f"$CATEGORY: {_category(new_category)}\n")
                category = new_category
            blocks.append(_question(question))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"question {index} ({question.get('name')!r}): {exc}") from exc
    return "\n".join(blocks)


def _category(path: str) -> str:
    # The rest of the `$CATEGORY:` line is the path; only `\` and line breaks need escaping.
    path = path.replace("\r\n", "\n").replace("\r", "\n")
    return path.replace("\\", "\\\\").replace("\n", "\\n")


def _comment_value(value: str, forbidden: str = "") -> str:
    if (
        not value
        or value != value.strip(WS)
        or any(c in _CONTROL or c in forbidden for c in value)
        or "[id:" in value
        or "[tag:" in value
    ):
        raise ValueError(f"{value!r} cannot be written in a GIFT [id:] or [tag:] comment")
    return value.replace("]", "\\]")


def _text(text: dict, default_format: str) -> str:
    """Escape a {"format","text"}; write `[format]` when it differs or could be misread."""
    fmt, body = text["format"], text["text"]
    if fmt not in FORMATS:
        raise ValueError(f"unknown text format {fmt!r}")
    # A text starting with "[" would lose a leading "[html]" to the format parser; one starting
    # with "//" would be a comment line.
    needs_marker = fmt != default_format or body.startswith(("[", "//"))
    return (f"[{fmt}]" if needs_marker else "") + escape_text(body)


def _feedback(feedback: dict | None, default_format: str) -> str:
    if not feedback or not feedback["text"]:
        return ""
    return "#" + _text(feedback, default_format)


def _weight(weight: str) -> str:
    if not WEIGHT_RE.fullmatch(weight) or not -100 <= Decimal(weight) <= 100:
        raise ValueError(f"weight {weight!r} is not a percentage in [-100, 100]")
    return weight


def _question(q: dict) -> str:
    qtype = q["type"]
    stem = q["stem"]
    fmt = stem["format"]
    lines = []
    if q.get("idnumber"):
        lines.append(f"// [id:{_comment_value(q['idnumber'])}]")
    lines.extend(f"// [tag:{_comment_value(tag, '<>`')}]" for tag in q.get("tags") or [])
    head = f"::{escape_text(q['name'])}::" if q.get("name") else ""
    general = q.get("general_feedback")
    general = "####" + _text(general, fmt) if general and general["text"] else ""

    if qtype == QuestionType.DESCRIPTION:
        if general:
            raise ValueError("a GIFT description cannot carry general feedback")
        if not stem["text"]:
            raise ValueError("a GIFT description needs text")
        return "\n".join([*lines, head + _text(stem, DEFAULT_FORMAT)]) + "\n"

    before, after = stem, None
    if q.get("embedded"):
        text_before, gap, text_after = stem["text"].partition("{gap}")
        if not gap:
            raise ValueError("a missing-word question's text has no {gap}")
        before = {"format": fmt, "text": text_before}
        after = escape_text(text_after)
    written = _text(before, DEFAULT_FORMAT) if before["text"] or fmt != DEFAULT_FORMAT else ""

    writer = _BLOCK_WRITERS.get(qtype)
    if writer is None:
        raise ValueError(f"unknown question type {qtype!r}")
    block = writer(q, fmt, general)
    if after is None and written:
        written += " "  # "Question? {" reads better; the space is trimmed on reading
    return "\n".join([*lines, head + written + block + (after or "")]) + "\n"


def _lines_block(answer_lines: list[str], general: str, opener: str = "{") -> str:
    body = "".join(f"\t{line}\n" for line in answer_lines)
    if general:
        body += f"\t{general}\n"
    return f"{opener}\n{body}}}"


def _essay(q: dict, fmt: str, general: str) -> str:
    return "{" + general + "}"


def _true_false(q: dict, fmt: str, general: str) -> str:
    true_choice, false_choice = q["choices"]
    is_true = true_choice["weight"] == "100"
    if not is_true and false_choice["weight"] != "100":
        raise ValueError("a true/false question needs one choice with weight 100")
    right, wrong = (true_choice, false_choice) if is_true else (false_choice, true_choice)
    # Moodle writequestion(): {TRUE#feedback for a wrong answer#feedback for a right one}.
    right_fb, wrong_fb = _feedback(right["feedback"], fmt), _feedback(wrong["feedback"], fmt)
    if right_fb and not wrong_fb:
        wrong_fb = "#"
    return "{" + ("TRUE" if is_true else "FALSE") + wrong_fb + right_fb + general + "}"


def _choices(q: dict, fmt: str, general: str) -> str:
    choices = q["choices"]
    if len(choices) < 2:
        raise ValueError("a choice question needs at least 2 choices")
    # Moodle reads a block with any `=` answer as single choice and one without as multiple.
    equals_at = -1
    if q["type"] == QuestionType.SINGLE_CHOICE:
        equals_at = next((i for i, c in enumerate(choices) if c["weight"] == "100"), 0)
    lines = []
    for i, choice in enumerate(choices):
        weight = _weight(choice["weight"])
        plain = weight == ("100" if i == equals_at else "0")
        # A text starting with "%" would be read as a weight unless one is written first.
        explicit = not plain or choice["text"]["text"].startswith("%")
        marker = "=" if i == equals_at else "~"
        lines.append(
            marker
            + (f"%{weight}%" if explicit else "")
            + _text(choice["text"], fmt)
            + _feedback(choice["feedback"], fmt)
        )
    return _lines_block(lines, general)


def _short_answer(q: dict, fmt: str, general: str) -> str:
    lines = []
    for answer in q["answers"]:
        weight, text = _weight(answer["weight"]), answer["text"]
        feedback = answer["feedback"]
        if "->" in text or (feedback and "->" in feedback["text"]):
            raise ValueError("'->' in a short-answer question would make GIFT read a matching one")
        explicit = weight != "100" or text.startswith("%")
        lines.append(
            "="
            + (f"%{weight}%" if explicit else "")
            + _text({"format": fmt, "text": text}, fmt)
            + _feedback(feedback, fmt)
        )
    if not lines:
        raise ValueError("a short-answer question needs at least one answer")
    return _lines_block(lines, general)


def _number(value: str) -> str:
    if not NUMBER_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not a number")
    return value


def _numeric(q: dict, fmt: str, general: str) -> str:
    lines = []
    for answer in q["answers"]:
        if answer["kind"] == "range":
            spec = f"{_number(answer['min'])}..{_number(answer['max'])}"
        else:
            spec = f"{_number(answer['value'])}:{_number(answer['tolerance'])}"
        weight = _weight(answer["weight"])
        lines.append(
            "="
            + (f"%{weight}%" if weight != "100" else "")
            + spec
            + _feedback(answer["feedback"], fmt)
        )
    if not lines:
        raise ValueError("a numeric question needs at least one answer")
    return _lines_block(lines, general, opener="{#")


def _matching(q: dict, fmt: str, general: str) -> str:
    lines = []
    for pair in q["pairs"]:
        left = pair["left"]
        if left and "->" in left["text"]:
            raise ValueError("a matching question's left side cannot hold '->' in GIFT")
        if not pair["right"]:
            raise ValueError("a matching pair needs a right side")
        left_text = _text(left, fmt) if left and left["text"] else ""
        lines.append(f"={left_text} -> {escape_text(pair['right'])}")
    return _lines_block(lines, general)


_BLOCK_WRITERS = {
    QuestionType.ESSAY: _essay,
    QuestionType.TRUE_FALSE: _true_false,
    QuestionType.SINGLE_CHOICE: _choices,
    QuestionType.MULTIPLE_CHOICE: _choices,
    QuestionType.SHORT_ANSWER: _short_answer,
    QuestionType.NUMERIC: _numeric,
    QuestionType.MATCHING: _matching,
}
