"""Essay review pages (issue 13): the attempts waiting for a mark, oldest first, and one
attempt's essays to mark, for the roles that mark through the API
(:data:`learnhub.auth.permissions.QUIZ_STAFF`: HR and content admins).

A reviewer is the one person besides the learner who reads a learner's responses (DESIGN.md
"Who uses it"): a manager never gets these pages unless they also hold one of those roles.
Built on :mod:`learnhub.quizzes.essay_review`: the list is ``awaiting_review``, saving is
``score_essays`` (the attempt is re-scored; pass or fail, evidence, module progress, team
summaries and xAPI statements follow; audited as ``quizzes.essay_scored``).

Choices where the issue is silent:

- learners are named for HR only; content admins mark by the attempt's reference
  number (its id, as in the API and the audit log); the queue, the page and the message after
  saving name an attempt the same way (:func:`_label`)
  (:func:`learnhub.auth.permissions.can_see_reviewee`, as the API does);
- nobody marks their own attempt (listed as waiting for someone else, 403 when opened);
- a marked attempt stays open to its reviewers to correct a mark (the service allows it); an
  attempt in progress, or one without essays to mark, is a 404;
- sending the same marks twice (a double click, a resent form) changes nothing the second
  time: the service stores the same fractions and the attempt's score does not move.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from learnhub.auth.permissions import QUIZ_STAFF, can_see_reviewee, role_required
from learnhub.catalog.models import Course, Module
from learnhub.core.errors import DomainError
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.questionbank.models import Question, QuestionType
from learnhub.quizzes import essay_review
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt, AttemptState
from learnhub.quizzes.render import render_text, stem_html
from learnhub.web.lnd_forms import COMMENT_MAX, ReviewForm, parse_points

blp = Blueprint("reviews", __name__)


def _places(attempts: list[Attempt]) -> dict[int, tuple[str, str | None]]:
    """{attempt id: (course title, module title or None for a course's test-out)}; two
    queries whatever the number of attempts."""
    module_ids = {a.quiz.module_id for a in attempts if a.quiz.module_id is not None}
    modules = (
        {m.id: m for m in db.session.scalars(select(Module).where(Module.id.in_(module_ids)))}
        if module_ids
        else {}
    )
    course_ids = {m.course_id for m in modules.values()}
    course_ids |= {a.quiz.course_id for a in attempts if a.quiz.course_id is not None}
    courses = (
        {c.id: c.title for c in db.session.scalars(select(Course).where(Course.id.in_(course_ids)))}
        if course_ids
        else {}
    )
    places: dict[int, tuple[str, str | None]] = {}
    for attempt in attempts:
        module = modules.get(attempt.quiz.module_id or 0)
        course_id = module.course_id if module is not None else attempt.quiz.course_id
        places[attempt.id] = (courses.get(course_id or 0, ""), module.title if module else None)
    return places


def _essays(attempt: Attempt) -> list[Question]:
    return [q for q in attempt_questions(attempt) if q.qtype == QuestionType.ESSAY]


def _label(attempt: Attempt, named: bool, people: dict[int, Employee]) -> str:
    """How the queue, the review page and the message after saving name an attempt (the same
    words everywhere, a tester's finding): "Evan Price (E1007), attempt 1" (the person's own
    attempt number) for those who see names; "Attempt reference 13" (the attempt's id, as the
    API and the audit log have it) for those who mark without names."""
    person = people.get(attempt.employee_id) if named else None
    if person is None:
        return f"Attempt reference {attempt.id}"
    return f"{person.full_name} ({person.employee_number}), attempt {attempt.number}"


@blp.get("/reviews")
@role_required(*QUIZ_STAFF)
def queue() -> str:
    """The attempts with an essay waiting for a mark, oldest first (the API's list)."""
    attempts = essay_review.awaiting_review()
    mine = [a for a in attempts if a.employee_id == current_user.employee_id]
    attempts = [a for a in attempts if a.employee_id != current_user.employee_id]
    named = can_see_reviewee(current_user)
    people = {}
    if named and attempts:
        ids = {a.employee_id for a in attempts}
        people = {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(ids)))}
    places = _places(attempts)
    rows = [
        {
            "attempt": a,
            "who": _label(a, named, people),
            "course": places[a.id][0],
            "module": places[a.id][1],
            "questions": [q.name or f"Question {n}" for n, q in enumerate(_essays(a), start=1)],
        }
        for a in attempts
    ]
    return render_template("reviews/queue.html", rows=rows, own=len(mine), named=named)


def _reviewable(attempt_id: int) -> Attempt:
    """The submitted attempt with essays a reviewer may mark; 404 for anything else (an
    attempt in progress is the learner's alone), 403 for the reviewer's own."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.state != AttemptState.SUBMITTED or not _essays(attempt):
        abort(404, description="No attempt with essays to mark has that number.")
    if not attempt.quiz.essays_graded and not attempt.needs_review:
        abort(404, description="This quiz does not mark essays.")
    if attempt.employee_id == current_user.employee_id:
        abort(403, description="You cannot mark your own answers: another reviewer marks them.")
    return attempt


@blp.route("/reviews/<int:attempt_id>", methods=["GET", "POST"])
@role_required(*QUIZ_STAFF)
def review(attempt_id: int) -> tuple[str, int] | Response:
    """One attempt's essays: the question, the learner's answer, the question's feedback as
    guidance, and a points field and comment each. Saving re-scores the attempt; a refused
    save shows the form again with its errors, 422."""
    attempt = _reviewable(attempt_id)
    form = ReviewForm()
    essays = _essays(attempt)
    responses = {r.question_id: r for r in attempt.responses}
    errors: dict[str, list[str]] = {}
    posted: dict[str, str] = {}
    seen = essay_review.marked_stamp(attempt)
    named = can_see_reviewee(current_user)
    people = {}
    if named:
        person = db.session.get(Employee, attempt.employee_id)
        people = {person.id: person} if person else {}
    who = _label(attempt, named, people)
    sent = request.method == "POST" and form.validate()
    if sent and essays and request.form.get("seen", seen) != seen:
        # marked by someone else (or this form sent twice) since the page was opened: show
        # the marks as they are now instead of overwriting them unseen (a tester's finding)
        errors[f"points-{essays[0].id}"] = [essay_review.MARKED_SINCE]
    if sent and not errors:
        scores: dict[int, dict] = {}
        for number, question in enumerate(essays, start=1):
            what = f"Points for question {number}"
            points_name, comment_name = f"points-{question.id}", f"comment-{question.id}"
            posted[points_name] = request.form.get(points_name, "")[:100]
            posted[comment_name] = request.form.get(comment_name, "")
            points, problem = parse_points(posted[points_name], Decimal(question.points), what)
            if problem:
                errors.setdefault(points_name, []).append(problem)
            if len(posted[comment_name]) > COMMENT_MAX:
                errors.setdefault(comment_name, []).append(
                    f"Comment on question {number}: use {COMMENT_MAX} characters or fewer"
                )
            if question.id not in responses:
                errors.setdefault(points_name, []).append(
                    f"{what}: the learner's answer is not stored, so it cannot be marked"
                )
            scores[question.id] = {"points": str(points), "comment": posted[comment_name]}
        if not errors:
            try:
                essay_review.score_essays(
                    attempt.id, scores, current_user.employee_id, request.form.get("seen", seen)
                )
            except DomainError as error:
                end_after_error(error)
                errors.setdefault(f"points-{essays[0].id}", []).append(error.message)
            else:
                flash(_outcome(attempt, who), "info")
                return redirect(url_for("reviews.queue"))
    course, module = _places([attempt])[attempt.id]
    items = []
    for number, question in enumerate(essays, start=1):
        response = responses.get(question.id)
        marked = response is not None and response.reviewed_at is not None
        items.append(
            {
                "number": number,
                "question": question,
                "stem": stem_html(question.spec),
                "guidance": render_text(question.spec.get("general_feedback")) or None,
                "text": ((response.answer or {}).get("text") if response else None) or "",
                "max": Decimal(question.points),
                "points": posted.get(f"points-{question.id}")
                if posted
                else (_plain(response.points) if marked and response else ""),
                "comment": posted.get(f"comment-{question.id}")
                if posted
                else ((response.comment if response else None) or ""),
                "marked": marked,
            }
        )
    failing = [{"id": key, "errors": messages} for key, messages in errors.items()]
    page = render_template(
        "reviews/review.html",
        attempt=attempt,
        who=who,
        course=course,
        module=module,
        items=items,
        form=form,
        errors=errors,
        failing=failing,
        seen=seen,
    )
    # a form sent back with its errors is 422, as every other form (a tester's finding)
    return page, 422 if request.method == "POST" else 200


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(Decimal(value).normalize(), "f")


def _outcome(attempt: Attempt, who: str) -> str:
    """The flash after saving: what the attempt's result is now; ``who`` names the attempt as
    the page did (:func:`_label`)."""
    if attempt.needs_review:
        return f"Saved. {who}: an essay is still waiting for a mark."
    score = f"{_plain(attempt.raw_points)} of {_plain(attempt.max_points)} points"
    verdict = "passed" if attempt.passed else "did not pass"
    return f"Saved. {who}: {verdict} ({score}); the learner sees the result."
