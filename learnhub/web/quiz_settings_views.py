"""Quiz pages for content admins (issue 13): every course's current quizzes with their
settings, a quiz's settings form, and a regrade with its preview.

What the form changes is what :func:`learnhub.quizzes.quiz_settings.update_quiz_settings`
changes (as ``PATCH /api/v1/quizzes/<id>/settings`` does, audited there as
``quizzes.settings``): time limit, shuffling, review policy, feedback after a failed attempt,
essay grading, and how many questions each bank rule draws per attempt. Pass mark, attempts
allowed and grading method are shown but change only with the course's content file (a new
quiz version), because they change what past attempts mean; the page says so.

Of these settings only essay grading changes a submitted attempt's score (an essay scores
nothing without a reviewer); the others apply from the next attempt on. After a change of
essay grading on a quiz with submitted attempts the page offers the regrade
(:func:`learnhub.quizzes.regrade.regrade_quiz`), previewed as a dry run first.

Who: the settings, content admins (as the API); the list and the regrade, HR and content
admins (``QUIZ_STAFF``, as the regrade API). Everybody else: 403.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from learnhub.assignments import submit_tokens
from learnhub.auth.models import Role
from learnhub.auth.permissions import CONTENT_ADMINS, QUIZ_STAFF, role_required
from learnhub.catalog.models import Course, Module
from learnhub.core.errors import DomainError, NotFound, ValidationFailed
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.questionbank.models import Question, QuestionType
from learnhub.quizzes import quiz_settings, regrade
from learnhub.quizzes.models import Attempt, AttemptState, Quiz
from learnhub.quizzes.services import get_quiz
from learnhub.web.bank_forms import FEEDBACK_WORDS, REVIEW_WORDS, QuizSettingsForm, RegradeForm

blp = Blueprint("quizadmin", __name__)

GRADING_WORDS = {
    "highest": "Highest attempt",
    "last": "Last attempt",
    "first": "First attempt",
    "average": "Average of the attempts",
}


def _fixed_counts(quiz_ids: list[int]) -> dict[int, int]:
    """Scored questions each quiz shows every attempt (its own, descriptions excepted)."""
    rows = db.session.execute(
        select(Question.quiz_id, func.count())
        .where(Question.quiz_id.in_(quiz_ids), Question.qtype != QuestionType.DESCRIPTION)
        .group_by(Question.quiz_id)
    ).all()
    return {quiz_id: count for quiz_id, count in rows if quiz_id is not None}


def _submitted(quiz_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                Attempt.quiz_id == quiz_id, Attempt.state == AttemptState.SUBMITTED
            )
        )
        or 0
    )


def _where(quiz: Quiz) -> tuple[Course | None, Module | None]:
    if quiz.module_id is not None:
        module = db.session.get(Module, quiz.module_id)
        return (module.course if module else None), module
    return db.session.get(Course, quiz.course_id), None


def _words(quiz: Quiz, fixed: int) -> dict:
    """What the list and the settings page say of a quiz's settings."""
    drawn = sum(int(rule["count"]) for rule in quiz.draw_rules or [])
    limit = quiz.time_limit_seconds
    return {
        "pass_mark": f"{quiz.pass_mark.normalize():f}%",
        "attempts": str(quiz.max_attempts) if quiz.max_attempts else "Unlimited",
        "grading": GRADING_WORDS.get(quiz.grading_method, quiz.grading_method),
        "time_limit": "None" if limit is None else _duration(limit),
        "per_attempt": fixed + drawn,
        "review": REVIEW_WORDS.get(quiz.review_policy, quiz.review_policy),
        "feedback": FEEDBACK_WORDS.get(quiz.feedback_after_fail, quiz.feedback_after_fail),
    }


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    text = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return text + (f" {rest} seconds" if rest else "")


@blp.get("/content/quizzes")
@role_required(*QUIZ_STAFF)
def quiz_list() -> str:
    """Every course's current quizzes (each module's, and a course's test-out) with their
    settings; three queries."""
    rows = db.session.execute(
        select(Quiz, Course, Module)
        .outerjoin(Module, Quiz.module_id == Module.id)
        .join(Course, Course.id == func.coalesce(Module.course_id, Quiz.course_id))
        .where(Quiz.is_current.is_(True))
        .order_by(Course.title, func.coalesce(Module.position, 0))
    ).all()
    fixed = _fixed_counts([quiz.id for quiz, _c, _m in rows])
    courses: dict[int, dict] = {}
    for quiz, course, module in rows:
        entry = courses.setdefault(course.id, {"course": course, "quizzes": []})
        entry["quizzes"].append(
            {"quiz": quiz, "module": module, "words": _words(quiz, fixed.get(quiz.id, 0))}
        )
    return render_template(
        "quizadmin/list.html",
        courses=list(courses.values()),
        may_edit=current_user.has_role(Role.CONTENT_ADMIN),
    )


def _fill(form: QuizSettingsForm, quiz: Quiz) -> None:
    limit = quiz.time_limit_seconds
    form.time_limit_minutes.data = None if limit is None else max(1, round(limit / 60))
    form.shuffle_questions.data = quiz.shuffle_questions
    form.shuffle_answers.data = quiz.shuffle_answers
    form.review_policy.data = str(quiz.review_policy)
    form.feedback_after_fail.data = str(quiz.feedback_after_fail)
    form.essays_graded.data = quiz.essays_graded
    while form.draw_counts.entries:
        form.draw_counts.pop_entry()
    for rule in quiz.draw_rules or []:
        form.draw_counts.append_entry(int(rule["count"]))


def _changes(form: QuizSettingsForm, quiz: Quiz) -> dict:
    """The settings the form changes, in the service's terms (unchanged ones left out)."""
    changes: dict = {}
    minutes = form.time_limit_minutes.data
    limit = quiz.time_limit_seconds
    if minutes is None and limit is not None:
        changes["time_limit_seconds"] = None
    elif minutes is not None and (limit is None or minutes != max(1, round(limit / 60))):
        changes["time_limit_seconds"] = minutes * 60
    for key in ("shuffle_questions", "shuffle_answers", "essays_graded"):
        if bool(getattr(form, key).data) != getattr(quiz, key):
            changes[key] = bool(getattr(form, key).data)
    for key in ("review_policy", "feedback_after_fail"):
        if getattr(form, key).data != str(getattr(quiz, key)):
            changes[key] = getattr(form, key).data
    rules = quiz.draw_rules or []
    counts = [entry.data for entry in form.draw_counts.entries]
    if len(counts) == len(rules) and any(
        int(rule["count"]) != n for rule, n in zip(rules, counts, strict=True)
    ):
        changes["draw_rules"] = [
            {**rule, "count": n} for rule, n in zip(rules, counts, strict=True)
        ]
    return changes


@blp.route("/content/quizzes/<int:quiz_id>/settings", methods=["GET", "POST"])
@role_required(*CONTENT_ADMINS)
def settings(quiz_id: int) -> str | Response | tuple[str, int]:
    """A quiz's settings form; on POST the changed settings are applied from the next attempt
    on (audited), or every problem is named on its field and nothing changes."""
    try:
        quiz = get_quiz(quiz_id)
    except NotFound as error:
        abort(404, description=error.message)
    form = QuizSettingsForm()
    problem = None
    if request.method == "GET":
        _fill(form, quiz)
    elif form.validate():
        changes = _changes(form, quiz)
        if not changes:
            flash("Nothing changed: the settings were already as you sent them.", "info")
            return redirect(url_for("quizadmin.settings", quiz_id=quiz.id))
        try:
            quiz_settings.update_quiz_settings(quiz.id, changes)
        except ValidationFailed as error:
            end_after_error(error)
            quiz = get_quiz(quiz_id)
            form.add_issues(error.errors)
        except DomainError as error:
            end_after_error(error)
            quiz = get_quiz(quiz_id)
            problem = error.message
        else:
            names = ", ".join(_CHANGE_WORDS[key] for key in changes)
            flash(f"Saved: {names}. It applies from the next attempt on.", "info")
            needs = "essays_graded" in changes and _submitted(quiz.id) > 0
            return redirect(url_for("quizadmin.settings", quiz_id=quiz.id, regrade=needs or None))
    course, module = _where(quiz)
    failed = bool(problem) or any(field.errors for field in form.all_fields())
    page = render_template(
        "quizadmin/settings.html",
        failed=failed,
        quiz=quiz,
        form=form,
        problem=problem,
        course=course,
        module=module,
        words=_words(quiz, _fixed_counts([quiz.id]).get(quiz.id, 0)),
        rules=quiz.draw_rules or [],
        submitted=_submitted(quiz.id),
        regrade_due=bool(request.args.get("regrade")),
    )
    return page, (422 if failed else 200)


_CHANGE_WORDS = {
    "time_limit_seconds": "time limit",
    "shuffle_questions": "question order",
    "shuffle_answers": "option order",
    "review_policy": "review",
    "feedback_after_fail": "feedback after a failed attempt",
    "essays_graded": "essay grading",
    "draw_rules": "questions drawn per attempt",
}


@blp.route("/content/quizzes/<int:quiz_id>/regrade", methods=["GET", "POST"])
@role_required(*QUIZ_STAFF)
def regrade_page(quiz_id: int) -> str | Response:
    """What a regrade of the quiz's submitted attempts would change (a dry run: nothing
    kept), and its confirmation (once per form: a one-time token)."""
    try:
        quiz = get_quiz(quiz_id)
    except NotFound as error:
        abort(404, description=error.message)
    form = RegradeForm()
    if request.method == "POST" and form.validate():
        owner = current_user.get_id()
        if submit_tokens.claim(owner, form.submit_token.data) is None:
            report = regrade.regrade_quiz(quiz.id)
            flash(
                f"Regraded {report['attempts']} submitted attempt(s): "
                f"{len(report['changed'])} changed.",
                "info",
            )
        return redirect(url_for("quizadmin.regrade_page", quiz_id=quiz.id))
    form.submit_token.data = submit_tokens.new_token()
    preview = regrade.regrade_quiz(quiz.id, dry_run=True)
    changed = preview["changed"]
    course, module = _where(quiz)
    return render_template(
        "quizadmin/regrade.html",
        quiz=quiz,
        form=form,
        course=course,
        module=module,
        preview=preview,
        to_fail=sum(1 for c in changed if c["passed_before"] and not c["passed_after"]),
        to_pass=sum(1 for c in changed if not c["passed_before"] and c["passed_after"]),
        may_edit=current_user.has_role(Role.CONTENT_ADMIN),
    )
