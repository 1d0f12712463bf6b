"""The learner's quiz page: the form while the attempt is in progress (autosave, save, submit),
the result once it is submitted. Its routes join the ``web`` blueprint.

An answer the server cannot take (a text over its limit, :data:`MAX_TEXT`) never costs the
learner the others: every save (the script's autosave, "Save and finish later", the save before
"Check before you submit") stores the valid responses and refuses only the invalid ones, whose
stored answer stays as it was (LearnHub choice, after Moodle's quiz, which saves each question
on its own). The autosave answers 422 naming each refused question; the form is shown again
(422) with the learner's entries as typed, each refused one with its error and an error summary.
A submit with a refused answer is not scored, unless the time is up on the server's clock: then
the valid answers are submitted with the saved one of each refused question.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learnhub.catalog import services as catalog
from learnhub.core.errors import Conflict, Issue
from learnhub.core.transactions import end_after_error
from learnhub.questionbank.models import QuestionType
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.models import Attempt, AttemptState
from learnhub.quizzes.presentation import attempt_view
from learnhub.quizzes.responses import MAX_TEXT, checked_answers, question_of
from learnhub.quizzes.revisions import ChangedElsewhere
from learnhub.quizzes.timing import DEADLINE_GRACE
from learnhub.web import drafts
from learnhub.web.forms import (
    REVISION_HEADER,
    answer_summary,
    responses_from_form,
    sent_revision,
    unanswered,
)
from learnhub.web.views import blp

#: the autosave's answer when some responses were refused (the valid ones are saved)
NOT_SAVED = "Some answers are not saved: each is named below its question."
#: the 409 of a save or submit reaching an attempt already submitted (another tab, a retry)
SUBMITTED_ELSEWHERE = (
    "This attempt is already submitted (in another window or tab, or by the timer), so the "
    "answers on this page were not saved."
)


@blp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int) -> str | Response | tuple[str, int]:
    """The quiz form while in progress (save or submit), the result once submitted. Every
    save and submit carries the page's answer revision (``answers_revision``): one from a page
    older than the stored answers is refused, and the page is shown again with the answers
    stored now (learnhub.quizzes.revisions). Refused answers: the module docstring."""
    item = quizzes.get_attempt(attempt_id, current_user)
    if request.method == "GET":
        quizzes.close_if_overdue(item)
        return _attempt_page(item)
    view = attempt_view(item)
    sent = responses_from_form(request.form, view["questions"])
    answers, issues = checked_answers(item, sent, numbers_checked=False)
    revision = sent_revision(request.form)
    action = request.form.get("action")
    if action == "autosave":  # the page's script (quiz-save.js)
        return _autosave(item, view, sent, answers, issues, revision)
    if item.state != AttemptState.IN_PROGRESS:
        return _to_submitted(item, None if action == "submit_saved" else answers)
    time_up = view["seconds_left"] == 0  # the server's clock, never the page's
    if action == "save" or (issues and not (action == "submit" and time_up)):
        try:
            quizzes.save_responses(item, answers, revision)
        except quizzes.TimeUp as error:  # closed with what was saved: show the result
            end_after_error(error)
            flash(error.message, "error")
            return redirect(url_for("web.attempt", attempt_id=item.id))
        except ChangedElsewhere as error:
            return _changed_elsewhere(item, error)
        if issues:  # the valid ones are saved; the page again with the learner's entries
            return _attempt_page(item, sent=sent, errors=_errors(view, sent, issues)), 422
        flash("Your answers are saved. You can come back and finish later.", "info")
        return redirect(url_for("web.attempt", attempt_id=item.id))
    if action == "submit":
        missing = unanswered(view["questions"], answers)  # confirm before scoring them 0
        if missing and not request.form.get("confirmed"):
            try:
                quizzes.save_responses(item, answers, revision)
            except quizzes.TimeUp as error:
                end_after_error(error)
                flash(error.message, "error")
                return redirect(url_for("web.attempt", attempt_id=item.id))
            except ChangedElsewhere as error:
                return _changed_elsewhere(item, error)
            return render_template(
                "attempt_confirm.html",
                attempt=item,
                missing=missing,
                summary=answer_summary(view["questions"], answers),
            )
    # confirmed ("submit_saved"): the answers just saved, else those of this form
    confirmed = action == "submit_saved"
    try:
        quizzes.submit_attempt(item, None if confirmed else answers, revision)
    except ChangedElsewhere as error:
        return _changed_elsewhere(item, error)
    return redirect(url_for("web.attempt", attempt_id=item.id))


def _autosave(
    item: Attempt,
    view: dict,
    sent: dict[int, dict],
    answers: dict[int, dict],
    issues: list[Issue],
    revision: int | None,
) -> Response:
    """The script's save: 204 with the new answer revision (``X-Answers-Revision``); 422 (the
    valid answers saved, the revision moved on) ``{"message", "invalid": [{"question": id,
    "message": sentence naming the question}]}``; 409 ``{"message", "closed": bool}`` when
    another page saved since (closed false) or the attempt is submitted or its time is up
    (closed true: the attempt's page now shows its result)."""
    if item.state != AttemptState.IN_PROGRESS:
        return _refused(SUBMITTED_ELSEWHERE, closed=True)
    try:
        quizzes.save_responses(item, answers, revision)
    except quizzes.TimeUp as error:  # closed with what was saved before; this page's refused
        end_after_error(error)
        return _refused(error.message, closed=True)
    except Conflict as error:  # another page saved (or submitted): this one stops
        end_after_error(error)
        closed = item.state != AttemptState.IN_PROGRESS
        return _refused(f"{error.message} Reload the page to see the answers saved now.", closed)
    headers = {REVISION_HEADER: str(item.answers_revision)}
    if not issues:
        return Response(status=204, headers=headers)
    errors = _errors(view, sent, issues)
    body = jsonify(
        message=NOT_SAVED,
        invalid=[{"question": qid, "message": e["summary"]} for qid, e in errors.items()],
    )
    body.status_code = 422
    body.headers.update(headers)
    return body


def _refused(message: str, closed: bool) -> Response:
    refused = jsonify(message=message, closed=closed)
    refused.status_code = 409
    return refused


def _errors(view: dict, sent: dict[int, dict], issues: list[Issue]) -> dict[int, dict]:
    """``{question id: {"number": position on the page from 1, "message": what is wrong, for
    beside the field, "summary": the same naming the question}}`` for the refused answers."""
    numbers = {q["id"]: (n, q["type"]) for n, q in enumerate(view["questions"], start=1)}
    errors: dict[int, dict] = {}
    for issue in issues:
        qid = question_of(issue)
        if qid is None or qid not in numbers:
            continue
        number, kind = numbers[qid]
        text = next(iter((sent.get(qid) or {}).values()), "")
        limit = MAX_TEXT.get(QuestionType(kind))
        if limit and isinstance(text, str) and len(text) > limit:
            message = (
                f"Your answer is {len(text):,} characters long: it can be at most {limit:,}. "
                "Shorten it; until then it is not saved."
            )
        else:
            message = f"This answer cannot be saved ({issue.message})."
        errors[qid] = {
            "number": number,
            "message": message,
            "summary": f"Question {number}: {message}",
        }
    return errors


def _to_submitted(item: Attempt, answers: dict[int, dict] | None) -> Response | tuple[str, int]:
    """A save or submit reaching a submitted attempt: the same answers again (a double click,
    a retry) or the timer's submit of an attempt the server closed at its deadline show the
    result; others are refused (409) on a page that links to the result (the owner's own
    attempt: ``get_attempt`` checked it)."""
    deadline, submitted = item.deadline_at, item.submitted_at
    late = deadline is not None and submitted is not None and submitted >= deadline
    if late and request.form.get("confirmed"):
        flash(quizzes.TIME_UP, "error")
        return redirect(url_for("web.attempt", attempt_id=item.id))
    try:
        quizzes.submit_attempt(item, answers)
    except Conflict as error:
        end_after_error(error)
        page = render_template(
            "error.html",
            code=409,
            status="Conflict",
            message=f"{SUBMITTED_ELSEWHERE} Its result stands; start a new attempt to answer "
            "again.",
            result_url=url_for("web.attempt", attempt_id=item.id),
        )
        return page, 409
    return redirect(url_for("web.attempt", attempt_id=item.id))


def _changed_elsewhere(item: Attempt, error: ChangedElsewhere) -> tuple[str, int]:
    """A save or submit from a page older than the stored answers: nothing of it is kept, and
    the page is shown again (409) with the answers stored now and the message (Moodle's
    "This quiz has been changed in another window or tab")."""
    end_after_error(error)
    flash(
        f"{error.message} The answers saved there are shown below: check them, then save or "
        "submit again.",
        "error",
    )
    return _attempt_page(item), 409


def _attempt_page(
    item: Attempt, sent: dict[int, dict] | None = None, errors: dict[int, dict] | None = None
) -> str:
    """The attempt page: the quiz form in progress, the result once submitted. ``sent``: the
    answers as the learner sent them (display ids), shown instead of the saved ones, with
    ``errors`` (:func:`_errors`) beside the refused ones."""
    view = drafts.restore(item, attempt_view(item))
    if sent is not None:
        view = {**view, "saved": {str(qid): answer for qid, answer in sent.items() if answer}}
    passed = view["result"] is not None and view["result"]["passed"]
    common = {
        "attempt": item,
        "view": view,
        "errors": errors or {},
        "max_text": {str(kind): limit for kind, limit in MAX_TEXT.items()},
        "grace_seconds": DEADLINE_GRACE,
    }
    if item.quiz.course_id is not None:  # a course's test-out (diagnostic quiz)
        course = catalog.get_course(item.quiz.course_id)
        return render_template("attempt.html", module=None, course=course, **common)
    module_item = catalog.get_module(item.quiz.module_id or 0)
    return render_template(
        "attempt.html",
        module=module_item,
        next_module=catalog.next_module(module_item) if passed else None,
        **common,
    )
