"""Moodle cloze (multianswer) questions as LearnHub missing-word questions.

A cloze text holds subquestions such as ``{1:MULTICHOICE:=right#fine~wrong#no}``. LearnHub keeps
one gap per question, so a cloze with exactly one subquestion becomes a missing-word question
(the stem holds "{gap}" where the subquestion stood); any other cloze is reported and not
imported. Syntax from Moodle's qtype_multianswer (question/type/multianswer/questiontype.php,
qtype_multianswer_extract_question() and its ANSWER_* regular expressions).
"""

from __future__ import annotations

import re
from decimal import Decimal

from learnhub.questionbank.gift.common import NUMBER_RE, is_moodle_fraction
from learnhub.questionbank.models import QuestionType
from learnhub.questionbank.moodle_xml.reader import Question, decimal, plain_decimal

# The subquestion types, longest names first so that MCVS is not read as MC.
_TYPES = {
    "NUMERICAL": "numeric",
    "NM": "numeric",
    "SHORTANSWER_C": "short_answer_c",
    "SHORTANSWER": "short_answer",
    "SAC": "short_answer_c",
    "MWC": "short_answer_c",
    "SA": "short_answer",
    "MW": "short_answer",
    "MULTIRESPONSE_HS": "multiple_choice",
    "MULTIRESPONSE_H": "multiple_choice",
    "MULTIRESPONSE_S": "multiple_choice",
    "MULTIRESPONSE": "multiple_choice",
    "MRHS": "multiple_choice",
    "MRH": "multiple_choice",
    "MRS": "multiple_choice",
    "MR": "multiple_choice",
    "MULTICHOICE_VS": "single_choice",
    "MULTICHOICE_HS": "single_choice",
    "MULTICHOICE_V": "single_choice",
    "MULTICHOICE_H": "single_choice",
    "MULTICHOICE_S": "single_choice",
    "MULTICHOICE": "single_choice",
    "MCVS": "single_choice",
    "MCHS": "single_choice",
    "MCV": "single_choice",
    "MCH": "single_choice",
    "MCS": "single_choice",
    "MC": "single_choice",
}
_TYPE_NAMES = "|".join(sorted(_TYPES, key=len, reverse=True))
# ANSWER_START_REGEX, then the alternatives up to the first "}" not escaped with a backslash.
_SUBQUESTION = re.compile(r"\{([0-9]*):(" + _TYPE_NAMES + r"):((?:\\.|[^\\}])*)\}", re.S)
_FRACTION = re.compile(r"^(?:=|%(-?[0-9]+(?:[.,][0-9]*)?)%)")
_UNESCAPE = re.compile(r"\\([}#~/\"\\])")


def _split(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is not escaped with a backslash."""
    parts, current, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if c == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text).strip()


def read_cloze(q: Question, spec: dict, fmt: str) -> None:
    """Read a cloze question with one subquestion into a missing-word question; report any other.

    The gap's alternatives become choices (MULTICHOICE: single choice, MULTIRESPONSE: multiple
    answers), answers (SHORTANSWER, case sensitive for SHORTANSWER_C) or numeric answers
    (NUMERICAL ``value:tolerance``). Weights: ``=`` is 100, ``%50%`` is 50, none is 0.
    """
    stem = spec["stem"]
    found = list(_SUBQUESTION.finditer(stem["text"]))
    if len(found) != 1:
        q.error(
            f"a cloze question with {len(found)} gaps cannot be imported: LearnHub holds exactly "
            "one gap per question (split it into one question per gap)"
        )
        return
    match = found[0]
    kind = _TYPES[match[2]]
    if "{gap}" in stem["text"]:
        q.error("the question text holds '{gap}', which LearnHub keeps for the gap")
        return
    alternatives = []
    for n, raw in enumerate(_split(match[3], "~"), start=1):
        fraction = _FRACTION.match(raw)
        weight = "0"
        if fraction:
            weight = "100" if fraction[0] == "=" else fraction[1].replace(",", ".")
            raw = raw[fraction.end() :]
        answer, *rest = _split(raw, "#")
        feedback = "#".join(rest)
        text = _unescape(answer)
        if not text:
            q.error(f"alternative {n} of the gap has no text")
            continue
        value = decimal(weight)
        if value is None or not Decimal(-100) <= value <= Decimal(100):
            q.error(f"alternative {n} of the gap has weight {weight}%, outside [-100, 100]")
            continue
        if not is_moodle_fraction(plain_decimal(value)):
            q.warn(f"alternative {n}: weight {weight}% is not one Moodle accepts; scored as is")
        note = _unescape(feedback)
        alternatives.append(
            (plain_decimal(value), text, {"format": fmt, "text": note} if note else None)
        )
    if q.failed:
        return
    spec["stem"] = {
        "format": stem["format"],
        "text": stem["text"][: match.start()] + "{gap}" + stem["text"][match.end() :],
    }
    spec["embedded"] = True
    if q.name and _SUBQUESTION.search(q.name):
        # The name is shown to learners; the subquestion in it would give the answer away.
        q.name = _SUBQUESTION.sub("_____", q.name)
        q.warn("the name held the gap with its answers; they are replaced by _____")
    if q.el.find("defaultgrade") is None and match[1]:
        spec["points"] = match[1]
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        spec["type"] = QuestionType(kind)
        spec["choices"] = [
            {"text": {"format": fmt, "text": t}, "weight": w, "feedback": f}
            for w, t, f in alternatives
        ]
        if len(alternatives) < 2:
            q.error("a multiple-choice gap needs at least 2 alternatives")
    elif kind.startswith(QuestionType.SHORT_ANSWER):
        spec["type"] = QuestionType.SHORT_ANSWER
        spec["answers"] = [{"text": t, "weight": w, "feedback": f} for w, t, f in alternatives]
        spec["case_sensitive"] = kind == "short_answer_c"
    else:
        spec["type"] = QuestionType.NUMERIC
        spec["answers"] = _numeric(q, alternatives)
    if not q.failed and not any(Decimal(w) > 0 for w, _t, _f in alternatives):
        q.error("no alternative of the gap carries a positive weight: nobody could get it right")


def _numeric(q: Question, alternatives: list[tuple]) -> list[dict]:
    answers = []
    for n, (weight, text, feedback) in enumerate(alternatives, start=1):
        if text == "*":
            if Decimal(weight):
                q.error(f"alternative {n} is '*' (any number) with weight {weight}%")
            continue
        value, _, tolerance = text.partition(":")
        tolerance = tolerance or "0"
        if not (NUMBER_RE.fullmatch(value.strip()) and NUMBER_RE.fullmatch(tolerance.strip())):
            q.error(f"alternative {n} {text!r} is not a number[:tolerance]")
            continue
        answers.append(
            {
                "kind": "tolerance",
                "value": plain_decimal(decimal(value)),
                "tolerance": plain_decimal(abs(decimal(tolerance))),
                "weight": weight,
                "feedback": feedback,
            }
        )
    return answers
