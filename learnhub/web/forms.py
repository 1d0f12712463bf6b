"""Turn a quiz page's form fields into response dicts (shapes in learnhub.quizzes.scoring)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from learnhub.questionbank.models import QuestionType

#: characters of one text field read at most: above every limit of
#: learnhub.quizzes.responses.MAX_TEXT, so an over-long answer is refused by name there, never
#: cut short silently here
CAP = 60_000


def responses_from_form(form: MultiDict, questions: list[dict]) -> dict[int, dict]:
    """``questions`` are learner views (id, type, left). Field names: ``q<id>`` for the answer,
    ``q<id>_m<left index>`` for each matching select. A question left unanswered gives ``{}``,
    which clears a saved answer (unticking every box or emptying a text means "no answer").
    Texts keep their length (up to :data:`CAP`): their limits are checked by
    :func:`learnhub.quizzes.responses.checked_answers`."""
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
            # a browser sends a textarea's line breaks as CRLF but counts them as one character
            # against maxlength: LF here, so the field's limit and the server's agree
            value = form.get(name, "")[:CAP].replace("\r\n", "\n")
            if value.strip():
                answers[qid] = {"text": value}
        elif kind == QuestionType.NUMERIC:
            value = form.get(name, "")[:CAP].strip()
            if value:
                answers[qid] = {"value": value}
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
