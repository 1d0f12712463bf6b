"""JSON API for HR / L&D and content admins: quiz settings, key fixes and regrades, essay
reviews, extra time per person. The question-bank endpoints are in
``learnhub.questionbank.api``."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

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
    @blp.arguments(QuestionFixArgs)
    @blp.response(200, QuestionAdminSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such question")
    def put(self, args: dict, question_id: int):
        """Correct a question's key in place (same type and number of options); then regrade
        the quizzes that use it. Audited."""
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
        description="The attempt is not submitted yet, or its quiz does not score essays",
    )
    def post(self, args: dict, attempt_id: int):
        """Score the essays of an attempt; once none waits, the attempt gets its final score,
        pass decision and evidence. Audited."""
        scores = {int(qid): value for qid, value in args["scores"].items()}
        attempt = essay_review.score_essays(attempt_id, scores, current_user.employee_id)
        return essay_review.review_item(attempt, named=can_see_reviewee(current_user))


@blp.route("/employees/<int:employee_id>/quiz-time-adjustment")
class TimeAdjustment(MethodView):
    @role_required(*HR_ONLY)
    @blp.response(200, TimeAdjustmentSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such employee")
    def get(self, employee_id: int):
        """The employee's extra time on timed quizzes (WCAG 2.2.1)."""
        row = timing.adjustment_of(employee_id)
        if row is None:
            if db.session.get(Employee, employee_id) is None:
                raise NotFound("No such employee.")
            return {"employee_id": employee_id, "extra_percent": 0, "no_time_limit": False}
        return row

    @role_required(*HR_ONLY)
    @blp.arguments(TimeAdjustmentArgs)
    @blp.response(200, TimeAdjustmentSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such employee")
    def put(self, args: dict, employee_id: int):
        """Set extra time (percent of every limit) or no time limit, for attempts started from
        now on. Audited."""
        row = timing.set_time_adjustment(
            employee_id,
            extra_percent=args["extra_percent"],
            no_time_limit=args["no_time_limit"],
            set_by_id=current_user.employee_id,
        )
        return row
