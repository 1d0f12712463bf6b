"""JSON API of learners' attempts: start or resume, save, submit, read back.

``/courses`` and ``/modules/<id>`` (which carry each module's quiz) are the catalogue's:
``learnhub.catalog.api``.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from learnhub.core.openapi import ErrorSchema
from learnhub.quizzes import services
from learnhub.quizzes.presentation import attempt_view
from learnhub.quizzes.responses import from_display
from learnhub.quizzes.schemas import AttemptSchema, ResponsesArgs

blp = Blueprint("quizzes", __name__, description="Quizzes and attempts")


def _answers(args: dict) -> dict[int, dict]:
    return {int(qid): answer for qid, answer in args.get("responses", {}).items()}


@blp.route("/quizzes/<int:quiz_id>/attempts")
class QuizAttempts(MethodView):
    @login_required
    @blp.response(201, AttemptSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such quiz")
    @blp.alt_response(
        409,
        schema=ErrorSchema,
        description="A newer version of the quiz exists, or every attempt allowed is used",
    )
    def post(self, quiz_id: int):
        """Start an attempt (or resume the one in progress): the questions, without keys."""
        attempt = services.start_attempt(quiz_id, current_user.employee_id)
        return attempt_view(attempt)


@blp.route("/attempts/<int:attempt_id>")
class AttemptItem(MethodView):
    @login_required
    @blp.response(200, AttemptSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such attempt of the caller's")
    def get(self, attempt_id: int):
        """The caller's own attempt; results per the review policy."""
        attempt = services.get_attempt(attempt_id, current_user)
        services.close_if_overdue(attempt)
        return attempt_view(attempt)


@blp.route("/attempts/<int:attempt_id>/responses")
class AttemptResponses(MethodView):
    @login_required
    @blp.arguments(ResponsesArgs, required=False)
    @blp.response(200, AttemptSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such attempt of the caller's")
    @blp.alt_response(
        409,
        schema=ErrorSchema,
        description="Already submitted, time is up, or the answers changed since "
        "answers_revision (another window, tab or client saved)",
    )
    def put(self, args: dict, attempt_id: int):
        """Save responses before submitting (resume after a closed tab)."""
        attempt = services.get_attempt(attempt_id, current_user)
        # time up: the attempt is submitted with what was saved, the late answers refused (409)
        answers = from_display(attempt, _answers(args))
        services.save_responses(attempt, answers, args.get("answers_revision"))
        return attempt_view(attempt)


@blp.route("/attempts/<int:attempt_id>/submit")
class AttemptSubmit(MethodView):
    @login_required
    @blp.arguments(ResponsesArgs, required=False)
    @blp.response(200, AttemptSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such attempt of the caller's")
    @blp.alt_response(
        409,
        schema=ErrorSchema,
        description="Time is up (the attempt is closed), the answers changed since "
        "answers_revision (nothing scored), or the attempt is already submitted and the "
        "responses sent differ from those stored",
    )
    def post(self, args: dict, attempt_id: int):
        """Submit with final responses; scored on the server once. Sent again without
        responses (or with those stored) it answers the stored result; with other responses,
        409."""
        attempt = services.get_attempt(attempt_id, current_user, responses=False)
        answers = from_display(attempt, _answers(args))
        services.submit_attempt(attempt, answers, args.get("answers_revision"))
        return attempt_view(attempt)
