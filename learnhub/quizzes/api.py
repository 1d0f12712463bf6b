"""JSON API: catalogue (courses, modules with their quiz) and attempts.

Courses and modules are served here rather than from catalog because a module's view carries
its quiz and catalog may not import quizzes (DESIGN.md dependency order).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from learnhub.catalog import services as catalog
from learnhub.core.errors import Conflict
from learnhub.core.openapi import ErrorSchema
from learnhub.extensions import db
from learnhub.quizzes import services
from learnhub.quizzes.responses import from_display
from learnhub.quizzes.review import attempt_view, module_view
from learnhub.quizzes.schemas import AttemptSchema, CourseSchema, ModuleSchema, ResponsesArgs

blp = Blueprint("quizzes", __name__, description="Courses, modules, quizzes and attempts")


def _answers(args: dict) -> dict[int, dict]:
    return {int(qid): answer for qid, answer in args.get("responses", {}).items()}


@blp.route("/courses")
class Courses(MethodView):
    @login_required
    @blp.response(200, CourseSchema(many=True))
    def get(self):
        """Published courses with their modules and current quiz ids."""
        quizzes = services.current_quiz_ids()
        return [
            {
                "id": c.id,
                "slug": c.slug,
                "title": c.title,
                "summary": c.summary,
                "modules": [
                    {
                        "id": m.id,
                        "slug": m.slug,
                        "title": m.title,
                        "position": m.position,
                        "minutes": m.minutes,
                        "quiz_id": quizzes.get(m.id),
                    }
                    for m in c.modules
                    if m.active
                ],
            }
            for c in catalog.published_courses()
        ]


@blp.route("/modules/<int:module_id>")
class ModuleItem(MethodView):
    @login_required
    @blp.response(200, ModuleSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such module")
    def get(self, module_id: int):
        """A module: lesson HTML, outcomes and its quiz's settings (never its questions)."""
        return module_view(catalog.get_module(module_id))


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
        db.session.commit()
        return attempt_view(attempt)


@blp.route("/attempts/<int:attempt_id>")
class AttemptItem(MethodView):
    @login_required
    @blp.response(200, AttemptSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such attempt of the caller's")
    def get(self, attempt_id: int):
        """The caller's own attempt; results per the review policy."""
        attempt = services.get_attempt(attempt_id, current_user.employee_id)
        if services.close_if_overdue(attempt):
            db.session.commit()
        return attempt_view(attempt)


@blp.route("/attempts/<int:attempt_id>/responses")
class AttemptResponses(MethodView):
    @login_required
    @blp.arguments(ResponsesArgs, required=False)
    @blp.response(200, AttemptSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such attempt of the caller's")
    @blp.alt_response(409, schema=ErrorSchema, description="Already submitted, or time is up")
    def put(self, args: dict, attempt_id: int):
        """Save responses before submitting (resume after a closed tab)."""
        attempt = services.get_attempt(attempt_id, current_user.employee_id)
        if services.close_if_overdue(attempt):  # keep the submission, refuse the late answers
            db.session.commit()
            raise Conflict(services.TIME_UP)
        services.save_responses(attempt, from_display(attempt, _answers(args)))
        db.session.commit()
        return attempt_view(attempt)


@blp.route("/attempts/<int:attempt_id>/submit")
class AttemptSubmit(MethodView):
    @login_required
    @blp.arguments(ResponsesArgs, required=False)
    @blp.response(200, AttemptSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such attempt of the caller's")
    @blp.alt_response(409, schema=ErrorSchema, description="Time is up (the attempt is closed)")
    def post(self, args: dict, attempt_id: int):
        """Submit with final responses; scored on the server once, however often it is sent."""
        attempt = services.get_attempt(attempt_id, current_user.employee_id)
        services.submit_attempt(attempt, from_display(attempt, _answers(args)))
        db.session.commit()
        return attempt_view(attempt)
