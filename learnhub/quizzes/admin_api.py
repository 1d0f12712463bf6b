"""JSON API for HR / L&D and content admins: quiz settings, key fixes and regrades, essay
reviews, extra time per person. The question-bank endpoints are in
``learnhub.questionbank.api``."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from learnhub.auth.permissions import (
    CONTENT_ADMINS,
    HR_ONLY,
    QUIZ_STAFF,
    can_see_reviewee,
    role_required,
)
from learnhub.core.errors import NotFound
from learnhub.core.openapi import ROLE_403, ErrorSchema
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.questionbank.models import Question
from learnhub.quizzes import essay_review, quiz_settings, regrade, timing
from learnhub.quizzes.admin_schemas import (
    EssayReviewArgs,
    QuestionAdminSchema,
    QuestionFixArgs,
    QuizSettingsArgs,
    RegradeArgs,
    RegradeReportSchema,
    ReviewItemSchema,
    TimeAdjustmentArgs,
    TimeAdjustmentSchema,
)
from learnhub.quizzes.schemas import QuizSettingsSchema

blp = Blueprint(
    "quiz_admin",
    __name__,
    description="Quiz settings, regrading, essay reviews, extra time (HR / L&D, content)",
)


@blp.route("/quizzes/<int:quiz_id>/settings")
class QuizSettings(MethodView):
    @role_required(*CONTENT_ADMINS)
    @blp.arguments(QuizSettingsArgs)
    @blp.response(200, QuizSettingsSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such quiz")
    def patch(self, changes: dict, quiz_id: int):
        """Change time limit, shuffling, review policy, essay grading or bank draws of the
        current quiz version, from the next attempt on. Audited."""
        quiz = quiz_settings.update_quiz_settings(quiz_id, changes)
        return quiz


@blp.route("/quizzes/<int:quiz_id>/regrade")
class QuizRegrade(MethodView):
    @role_required(*QUIZ_STAFF)
    @blp.arguments(RegradeArgs, required=False)
    @blp.response(200, RegradeReportSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such quiz")
    def post(self, args: dict, quiz_id: int):
        """Rescore every submitted attempt of the quiz version with its current questions;
        evidence, module progress and team summaries follow. Audited."""
        report = regrade.regrade_quiz(quiz_id, dry_run=args["dry_run"])
        return report


@blp.route("/questions/<int:question_id>")
class QuestionFix(MethodView):
    @role_required(*CONTENT_ADMINS)
    @blp.response(200, QuestionAdminSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such question")
    def get(self, question_id: int):
        """A question with its whole stored spec, answer key included, to read, modify and PUT
        back (content admins only, as the PUT)."""
        question = db.session.get(Question, question_id)
        if question is None:
            raise NotFound("No such question.")
        return question

    @role_required(*CONTENT_ADMINS)
    @blp.arguments(QuestionFixArgs)
    @blp.response(200, QuestionAdminSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such question")
    def put(self, args: dict, question_id: int):
        """Correct a question's key in place (same type and number of options); then regrade
        the quizzes that use it. The spec is the whole question (read it with GET first); one
        that is incomplete or that the GIFT / Moodle XML importers would refuse answers 422
        naming each field, and nothing changes. Audited."""
        question = regrade.fix_question(question_id, args["spec"])
        return question


@blp.route("/reviews")
class Reviews(MethodView):
    @role_required(*QUIZ_STAFF)
    @blp.response(200, ReviewItemSchema(many=True))
    @blp.alt_response(403, **ROLE_403)
    def get(self):
        """Submitted attempts with essays waiting for a reviewer, oldest first. Learners are
        named for HR only; content admins review pseudonymously (by attempt)."""
        named = can_see_reviewee(current_user)
        return [essay_review.review_item(a, named=named) for a in essay_review.awaiting_review()]


@blp.route("/attempts/<int:attempt_id>/review")
class AttemptReview(MethodView):
    @role_required(*QUIZ_STAFF)
    @blp.arguments(EssayReviewArgs)
    @blp.response(200, ReviewItemSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such attempt")
    @blp.alt_response(
        409,
        schema=ErrorSchema,
        description="The attempt is not submitted yet, its quiz does not score essays, or "
        "its essays were marked after the `marked_at` sent (nothing saved)",
    )
    @blp.alt_response(422, schema=ErrorSchema, description="Not an essay, or points out of range")
    def post(self, args: dict, attempt_id: int):
        """Score the essays of an attempt; once none waits, the attempt gets its final score,
        pass decision and evidence. Send the `marked_at` read (as the review page does) so
        that two reviewers never overwrite each other unseen. Audited."""
        scores = {int(qid): value for qid, value in args["scores"].items()}
        expected = (args["marked_at"] or "") if "marked_at" in args else None
        attempt = essay_review.score_essays(attempt_id, scores, current_user.employee_id, expected)
        return essay_review.review_item(attempt, named=can_see_reviewee(current_user))


#: the largest internal id the path may give (PostgreSQL's INTEGER): past it, no employee
ID_MAX = 2**31 - 1

EMPLOYEE_IN_PATH = {
    "in": "path",
    "name": "employee_number",
    "description": "The employee number (E1008), as every other employee endpoint takes. "
    "The internal id (8), which this endpoint took first, is still accepted when no employee "
    "has that number.",
}


def _employee(employee_number: str) -> Employee:
    """The employee the path names: by employee number (exact, as the other employee endpoints
    match it), else, for the clients of this endpoint's first version, by internal id when
    ``employee_number`` is all digits and no employee has that number (a tester's finding:
    the id appears nowhere else in the API). NotFound("No such employee.") otherwise."""
    employee = db.session.scalar(
        select(Employee).where(Employee.employee_number == employee_number)
    )
    if employee is None and employee_number.isascii() and employee_number.isdigit():
        key = int(employee_number)
        employee = db.session.get(Employee, key) if key <= ID_MAX else None
    if employee is None:
        raise NotFound("No such employee.")
    return employee


def _adjustment(employee: Employee) -> dict:
    """``{"employee_id", "employee_number", "extra_percent", "no_time_limit", "updated_at"}``
    of ``employee`` (0 and False, and no ``updated_at``, without an adjustment)."""
    row = timing.adjustment_of(employee.id)
    found = {"employee_id": employee.id, "employee_number": employee.employee_number}
    if row is None:
        return found | {"extra_percent": 0, "no_time_limit": False}
    return found | {
        "extra_percent": row.extra_percent,
        "no_time_limit": row.no_time_limit,
        "updated_at": row.updated_at,
    }


@blp.route("/employees/<employee_number>/quiz-time-adjustment", parameters=[EMPLOYEE_IN_PATH])
class TimeAdjustment(MethodView):
    @role_required(*HR_ONLY)
    @blp.response(200, TimeAdjustmentSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such employee")
    def get(self, employee_number: str):
        """The employee's extra time on timed quizzes (WCAG 2.2.1)."""
        return _adjustment(_employee(employee_number))

    @role_required(*HR_ONLY)
    @blp.arguments(TimeAdjustmentArgs)
    @blp.response(200, TimeAdjustmentSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such employee")
    def put(self, args: dict, employee_number: str):
        """Set extra time (percent of every limit) or no time limit, for attempts started from
        now on. Audited."""
        employee = _employee(employee_number)
        timing.set_time_adjustment(
            employee.id,
            extra_percent=args["extra_percent"],
            no_time_limit=args["no_time_limit"],
            set_by_id=current_user.employee_id,
        )
        return _adjustment(employee)
