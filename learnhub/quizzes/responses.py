"""Responses as the learner sends them, and as LearnHub stores and scores them.

Learners see options under ids that are their positions in the attempt's own (shuffled) order,
so an id says nothing about which option is right (an author who always writes the right
answer first must not give it away). Stored responses, scoring and regrading use the indexes of
the question spec. :func:`from_display` checks a learner's response and translates it in;
:func:`to_display` translates a stored one (or a correct response) back out.

Shapes (display ids; the spec-index shapes are the same with indexes):
single_choice/true_false ``{"choice": int}``; multiple_choice ``{"choices": [int, ...]}``;
short_answer/essay ``{"text": str}``; numeric ``{"value": str}``; matching
``{"matches": {"<left id>": "<right text>"}}``; ``{}`` clears an answer.
"""

from __future__ import annotations

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.questionbank.models import QuestionType
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt
from learnhub.quizzes.scoring.typed import response_number

MAX_TEXT = {QuestionType.SHORT_ANSWER: 500, QuestionType.ESSAY: 50_000, QuestionType.NUMERIC: 100}
MAX_RIGHT = 1_000


#: why a numeric response is refused (the page's hint says the same)
NOT_A_NUMBER = "value {value!r} is not a number: write digits with a point for decimals, e.g. 3.5"


def _number(value: str) -> bool:
    """Whether a numeric response is a number the scorer reads ("" clears the answer)."""
    return not value.strip() or response_number(value) is not None


def _order(attempt: Attempt, question_id: int, size: int) -> list[int]:
    """Display position -> spec index for the question's options (identity when unshuffled)."""
    order = attempt.layout.get("choices", {}).get(str(question_id))
    return list(order) if order and len(order) == size else list(range(size))


def _size(spec: dict) -> int:
    return len(spec.get("choices") or spec.get("pairs") or [])


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def from_display(
    attempt: Attempt, answers: dict[int, dict], *, numbers_checked: bool = True
) -> dict[int, dict]:
    """Check and translate ``{question_id: response in display ids}`` to spec indexes.

    Raises ValidationFailed (422) listing each bad response as ``question <id>: <what is
    wrong>`` (:func:`checked_answers` says what is refused). All or nothing: the JSON API
    stores nothing when anything is wrong (README, "Responses"); the quiz page uses
    :func:`checked_answers` instead and keeps the valid ones.
    """
    result, issues = checked_answers(attempt, answers, numbers_checked=numbers_checked)
    if issues:
        raise ValidationFailed("Some responses are not valid; nothing was saved.", issues)
    return result


def checked_answers(
    attempt: Attempt, answers: dict[int, dict], *, numbers_checked: bool = True
) -> tuple[dict[int, dict], list[Issue]]:
    """Split ``{question_id: response in display ids}`` into the valid responses, translated
    to spec indexes (``{question_id: response}``), and one Issue per refused response
    (``where`` = ``question <id>``).

    Refused: a question not in the attempt, a key the type does not take, a wrong type, an id
    out of range, a text over its limit (:data:`MAX_TEXT`: short answer 500, numeric 100, essay
    50,000 characters; the quiz page's fields carry the same numbers as ``maxlength``), and
    with ``numbers_checked`` (the API) a numeric value that is not a number as the scorer reads
    one (:func:`learnhub.quizzes.scoring.typed.response_number`: "3.5", never "NaN", "1e999"
    or "3,5"; a tester's finding). The quiz page passes False: a learner's typo is saved and
    scored as a wrong answer, as Moodle does, rather than losing the page's other answers.
    """
    questions = {q.id: q for q in attempt_questions(attempt)}
    issues: list[Issue] = []
    result: dict[int, dict] = {}
    for question_id, answer in answers.items():
        where = f"question {question_id}"
        question = questions.get(question_id)
        if question is None:
            issues.append(Issue(where, "is not part of this attempt"))
            continue
        if not isinstance(answer, dict):
            issues.append(Issue(where, "a response must be an object"))
            continue
        if not answer:
            result[question_id] = {}
            continue
        spec, kind = question.spec, question.spec["type"]
        size = _size(spec)
        order = _order(attempt, question_id, size)
        expected = {
            QuestionType.SINGLE_CHOICE: {"choice"},
            QuestionType.TRUE_FALSE: {"choice"},
            QuestionType.MULTIPLE_CHOICE: {"choices"},
            QuestionType.SHORT_ANSWER: {"text"},
            QuestionType.ESSAY: {"text"},
            QuestionType.NUMERIC: {"value"},
            QuestionType.MATCHING: {"matches"},
        }.get(kind, set())
        unknown = sorted(set(answer) - expected)
        if unknown:
            allowed = ", ".join(sorted(expected)) or "nothing (it is not answered)"
            issues.append(Issue(where, f"unknown field(s) {unknown}; a {kind} takes {allowed}"))
            continue
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
            choice = answer.get("choice")
            if not _is_int(choice) or not 0 <= choice < size:
                issues.append(Issue(where, f"choice must be an option id from 0 to {size - 1}"))
                continue
            result[question_id] = {"choice": order[choice]}
        elif kind == QuestionType.MULTIPLE_CHOICE:
            choices = answer.get("choices")
            if (
                not isinstance(choices, list)
                or not all(_is_int(c) and 0 <= c < size for c in choices)
                or len(set(choices)) != len(choices)
            ):
                issues.append(
                    Issue(where, f"choices must be distinct option ids from 0 to {size - 1}")
                )
                continue
            result[question_id] = {"choices": sorted(order[c] for c in choices)}
        elif kind in MAX_TEXT:
            key = "value" if kind == QuestionType.NUMERIC else "text"
            value = answer.get(key)
            if not isinstance(value, str):
                issues.append(Issue(where, f"{key} must be a string"))
            elif len(value) > MAX_TEXT[kind]:
                issues.append(
                    Issue(
                        where,
                        f"{key} is longer than {MAX_TEXT[kind]} characters (it has {len(value)})",
                    )
                )
            elif numbers_checked and kind == QuestionType.NUMERIC and not _number(value):
                issues.append(Issue(where, NOT_A_NUMBER.format(value=value[:40])))
            else:
                result[question_id] = {key: value}
        elif kind == QuestionType.MATCHING:
            matches = answer.get("matches")
            lefts = {
                str(p): order[p] for p in range(size) if spec["pairs"][order[p]]["left"] is not None
            }
            if not isinstance(matches, dict) or not all(
                k in lefts and isinstance(v, str) and len(v) <= MAX_RIGHT
                for k, v in matches.items()
            ):
                issues.append(Issue(where, "matches must map item ids to the text of a choice"))
                continue
            result[question_id] = {"matches": {str(lefts[k]): v for k, v in matches.items()}}
        else:
            issues.append(Issue(where, f"a {kind} takes no response"))
    return result, issues


def question_of(issue: Issue) -> int | None:
    """The question id an Issue of :func:`checked_answers` is about (its ``where``)."""
    number = issue.where.removeprefix("question ")
    return int(number) if number.isdecimal() and number.isascii() else None


def to_display(attempt: Attempt, question_id: int, spec: dict, answer: dict | None) -> dict | None:
    """A stored (spec-index) response, or a correct response, in the attempt's display ids."""
    if not answer:
        return answer
    size = _size(spec)
    order = _order(attempt, question_id, size)
    position = {index: p for p, index in enumerate(order)}
    if "choice" in answer and _is_int(answer["choice"]) and answer["choice"] in position:
        return {"choice": position[answer["choice"]]}
    if "choices" in answer and isinstance(answer["choices"], list):
        return {"choices": sorted(position[c] for c in answer["choices"] if c in position)}
    if "matches" in answer and isinstance(answer["matches"], dict):
        return {
            "matches": {
                str(position[int(k)]): v
                for k, v in answer["matches"].items()
                if str(k).isdigit() and int(k) in position
            }
        }
    return answer
