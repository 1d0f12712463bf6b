"""Turn a quiz page's form fields into response dicts (shapes in learnhub.quizzes.scoring)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from learnhub.questionbank.models import QuestionType


def responses_from_form(form: MultiDict, questions: list[dict]) -> dict[int, dict]:
    """``questions`` are learner views (id, type, left). Field names: ``q<id>`` for the answer,
    ``q<id>_m<left index>`` for each matching select. A question left unanswered gives ``{}``,
    which clears a saved answer (unticking every box or emptying a text means "no answer")."""
    answers: dict[int, dict] = {}
    for question in questions:
        qid, kind, name = question["id"], question["type"], f"q{question['id']}"
        if kind != QuestionType.DESCRIPTION:
            answers[qid] = {}
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
            value = form.get(name, "")
            if value.isdecimal() and value.isascii():
                answers[qid] = {"choice": int(value)}
        elif kind == QuestionType.MULTIPLE_CHOICE:
            values = [int(v) for v in form.getlist(name) if v.isdecimal() and v.isascii()]
            if values:
                answers[qid] = {"choices": values}
        elif kind in (QuestionType.SHORT_ANSWER, QuestionType.ESSAY):
            value = form.get(name, "")
            if value.strip():
                answers[qid] = {"text": value[:60_000]}
        elif kind == QuestionType.NUMERIC:
            value = form.get(name, "").strip()
            if value:
                answers[qid] = {"value": value[:100]}
        elif kind == QuestionType.MATCHING:
            matches = {
                str(left["id"]): form.get(f"{name}_m{left['id']}", "")
                for left in question.get("left", [])
            }
            matches = {k: v for k, v in matches.items() if v}
            if matches:
                answers[qid] = {"matches": matches}
    return answers


def answer_summary(questions: list[dict], answers: dict[int, dict]) -> list[dict]:
    """Every question of the page with whether ``answers`` (from :func:`responses_from_form`)
    answer it, like Moodle's attempt summary: ``[{"number": position from 1 as the page shows
    it, "id": question id, "answered": bool, "needs_answer": False for a description}]``."""
    return [
        {
            "number": number,
            "id": question["id"],
            "answered": bool(answers.get(question["id"])),
            "needs_answer": question["type"] != QuestionType.DESCRIPTION,
        }
        for number, question in enumerate(questions, start=1)
    ]


def unanswered(questions: list[dict], answers: dict[int, dict]) -> list[dict]:
    """The questions ``answers`` (from :func:`responses_from_form`) leave without an answer,
    as in :func:`answer_summary`; descriptions need none."""
    return [
        item
        for item in answer_summary(questions, answers)
        if item["needs_answer"] and not item["answered"]
    ]


#: the answer of an autosave that was taken: the attempt's answer revision now, for the page's
#: next save (learnhub.quizzes.revisions)
REVISION_HEADER = "X-Answers-Revision"


def sent_revision(form: MultiDict) -> int | None:
    """The answer revision the quiz page was showing (its hidden ``answers_revision`` field),
    or None when the form has none (a page served before the field existed: not checked)."""
    raw = form.get("answers_revision", "")
    return int(raw) if raw.isdecimal() and raw.isascii() and len(raw) < 12 else None
