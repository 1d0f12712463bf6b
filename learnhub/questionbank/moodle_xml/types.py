"""Moodle XML question types to question-spec dicts, one reader per type.

Each follows the matching qformat_xml::import_<type>() of Moodle; where Moodle silently builds
something LearnHub cannot score (no right answer, no items to match) the question gets an error
and is not imported.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from learnhub.questionbank.gift.common import NUMBER_RE
from learnhub.questionbank.models import QuestionType
from learnhub.questionbank.moodle_xml.cloze import read_cloze
from learnhub.questionbank.moodle_xml.reader import Question, decimal, plain_decimal, trim


def _answers(q: Question, what: str = "answer") -> list:
    answers = q.el.findall("answer")
    if not answers:
        q.error(f"a {q.el.get('type')} question needs at least one <{what}>")
    return answers


def read_multichoice(q: Question, spec: dict, fmt: str) -> None:
    """multichoice: <single>true</single> (Moodle's default when missing) is single choice,
    anything Moodle reads as false ("false", "0", empty) is multiple answers."""
    single = q.child_text("single")
    is_single = single is None or not (single == "false" or single in ("", "0"))
    spec["type"] = QuestionType.SINGLE_CHOICE if is_single else QuestionType.MULTIPLE_CHOICE
    choices = []
    for n, answer in enumerate(_answers(q), start=1):
        weight = q.weight(answer, f"answer {n}")
        text = q.text(answer, f"text of answer {n}", fmt)
        if text is None or not text["text"]:
            q.error(f"answer {n} has no text")
            continue
        feedback = q.feedback(answer.find("feedback"), f"feedback of answer {n}", fmt)
        choices.append({"text": text, "weight": weight, "feedback": feedback})
    if q.failed:
        return
    if len(choices) < 2:
        q.error("a multiple-choice question needs at least 2 answers")
        return
    weights = [Decimal(c["weight"]) for c in choices]
    if max(weights) <= 0:
        q.error("no answer carries a positive fraction: nobody could get it right")
    elif is_single and sum(1 for w in weights if w == 100) > 1:
        q.warn(
            "single choice (radio buttons) with several 100% answers: any one of them earns "
            "full marks (Moodle reads a missing <single> as true)"
        )
    spec["choices"] = choices


def read_truefalse(q: Question, spec: dict, fmt: str) -> None:
    """truefalse: the answer whose text is "true" or "false" says which is right (fraction 100);
    an old file with other texts is read true first, then false (as Moodle does)."""
    spec["type"] = QuestionType.TRUE_FALSE
    right: bool | None = None
    feedback: dict[str, dict | None] = {"true": None, "false": None}
    answers = _answers(q)
    if len(answers) != 2:
        q.error(f"a true/false question needs exactly 2 answers, not {len(answers)}")
        return
    for n, answer in enumerate(answers):
        text = (q.raw_text(answer, f"text of answer {n + 1}") or "").lower()
        if text not in ("true", "false"):
            q.warn(f"answer {n + 1} is {text!r}, not true/false; read in order true, false")
            text = "true" if n == 0 else "false"
        weight = q.weight(answer, f"answer {n + 1}")
        feedback[text] = q.feedback(answer.find("feedback"), f"feedback of answer {n + 1}", fmt)
        if weight is not None and Decimal(weight) == 100:
            right = text == "true"
    if q.failed:
        return
    if right is None:
        q.error("neither answer has fraction 100: there is no right answer")
        return
    spec["choices"] = [
        {
            "text": {"format": "plain", "text": label},
            "weight": "100" if right == (label == "True") else "0",
            "feedback": feedback[label.lower()],
        }
        for label in ("True", "False")
    ]


def read_shortanswer(q: Question, spec: dict, fmt: str) -> None:
    """shortanswer: answers with fractions; <usecase>1</usecase> makes it case sensitive."""
    spec["type"] = QuestionType.SHORT_ANSWER
    answers = []
    for n, answer in enumerate(_answers(q), start=1):
        weight = q.weight(answer, f"answer {n}")
        text = q.raw_text(answer, f"text of answer {n}") or ""
        feedback = q.feedback(answer.find("feedback"), f"feedback of answer {n}", fmt)
        if not text:
            q.error(f"answer {n} has no text")
            continue
        answers.append({"text": text, "weight": weight, "feedback": feedback})
    if q.failed:
        return
    if not any(Decimal(a["weight"]) > 0 for a in answers):
        q.error("no answer carries a positive fraction: nobody could get it right")
    spec["answers"] = answers
    spec["case_sensitive"] = q.child_text("usecase") in ("1", "true")


def read_numerical(q: Question, spec: dict, fmt: str) -> None:
    """numerical: each <answer> a number with its own absolute <tolerance> (0 when missing, as
    in Moodle; a <tolerance> outside every answer is ignored, as Moodle does, with a warning).
    Units are ignored: learners answer with the number alone. A "*" answer with fraction 0
    (Moodle's "any other answer") only carries feedback and is left out."""
    spec["type"] = QuestionType.NUMERIC
    answers = []
    for n, answer in enumerate(_answers(q), start=1):
        weight = q.weight(answer, f"answer {n}")
        value = q.raw_text(answer, f"value of answer {n}") or ""
        feedback = q.feedback(answer.find("feedback"), f"feedback of answer {n}", fmt)
        if weight is None:
            continue
        if value == "*":
            if Decimal(weight) != 0:
                q.error(f"answer {n} is '*' (any number) with fraction {weight}%")
            else:
                q.warn(f"answer {n} is '*' (any other number); its feedback is not imported")
            continue
        tolerance_raw = trim(answer.findtext("tolerance")) or "0"
        number = decimal(value) if NUMBER_RE.fullmatch(value) else None
        tolerance = decimal(tolerance_raw) if NUMBER_RE.fullmatch(tolerance_raw) else None
        if number is None:
            q.error(f"answer {n} {value!r} is not a number")
            continue
        if tolerance is None:
            q.error(f"the tolerance {tolerance_raw!r} of answer {n} is not a number")
            continue
        answers.append(
            {
                "kind": "tolerance",
                "value": plain_decimal(number),
                "tolerance": plain_decimal(abs(tolerance)),
                "weight": weight,
                "feedback": feedback,
            }
        )
    if q.el.find("tolerance") is not None:
        q.warn(
            "a <tolerance> outside the answers is ignored, as Moodle does (put it inside the "
            "<answer> it belongs to)"
        )
    if q.el.find("units") is not None:
        q.warn("units are ignored: learners answer with the number alone")
    if q.failed:
        return
    if not any(Decimal(a["weight"]) > 0 for a in answers):
        q.error("no answer carries a positive fraction: nobody could get it right")
    spec["answers"] = answers


def read_matching(q: Question, spec: dict, fmt: str) -> None:
    """matching: each <subquestion> a left item and its <answer> on the right; one with empty
    text is a distractor (an extra right-hand option)."""
    spec["type"] = QuestionType.MATCHING
    pairs = []
    for n, sub in enumerate(q.el.findall("subquestion"), start=1):
        left = q.text(sub, f"text of subquestion {n}", fmt)
        right = q.raw_text(sub.find("answer"), f"answer of subquestion {n}") or ""
        if not right:
            q.error(f"subquestion {n} has no answer")
            continue
        pairs.append({"left": left if left and left["text"] else None, "right": right})
    if q.failed:
        return
    if not any(p["left"] is not None for p in pairs):
        q.error("a matching question needs at least one subquestion with text")
        return
    spec["pairs"] = pairs


def read_essay(q: Question, spec: dict, fmt: str) -> None:
    """essay: the text only; response format, template and attachments are Moodle settings."""
    spec["type"] = QuestionType.ESSAY
    if q.raw_text(q.el.find("graderinfo"), "grader information"):
        q.warn("the information for graders is not imported")


def read_description(q: Question, spec: dict, fmt: str) -> None:
    spec["type"] = QuestionType.DESCRIPTION


READERS: dict[str, Callable[[Question, dict, str], None]] = {
    "multichoice": read_multichoice,
    "truefalse": read_truefalse,
    "shortanswer": read_shortanswer,
    "numerical": read_numerical,
    "matching": read_matching,
    "essay": read_essay,
    "description": read_description,
    "cloze": read_cloze,
    "multianswer": read_cloze,
}
