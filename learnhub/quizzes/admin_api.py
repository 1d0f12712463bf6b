"""JSON API for HR / L&D and content admins: question-bank imports and exports, quiz settings,
key fixes and regrades, essay reviews, extra time per person."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from learnhub.auth.services import role_required
from learnhub.core.audit import audit
from learnhub.core.errors import NotFound
from learnhub.core.openapi import ErrorSchema
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.quizzes import banks, regrade, settings, timing
from learnhub.quizzes.admin_schemas import (
    BankImportFileArgs,
    BankImportQueryArgs,
    BankSchema,
    EssayReviewArgs,
    ImportReportSchema,
    QuestionAdminSchema,
    QuestionFixArgs,
    QuizSettingsArgs,
    RegradeArgs,
    RegradeReportSchema,
    ReviewItemSchema,
    TimeAdjustmentArgs,
    TimeAdjustmentSchema,
)
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt, QuestionBank
from learnhub.quizzes.render import stem_html
from learnhub.quizzes.schemas import QuizSettingsSchema

blp = Blueprint(
    "quiz_admin",
    __name__,
    description="Question banks, quiz settings, regrading, essay reviews (HR / L&D, content)",
)

STAFF = ("hr", "content_admin")
#: the role check of every operation here
ROLE_403 = {"schema": ErrorSchema, "description": "The caller lacks the role"}


@blp.route("/question-banks")
class Banks(MethodView):
    @role_required(*STAFF)
    @blp.response(200, BankSchema(many=True))
    @blp.alt_response(403, **ROLE_403)
    def get(self):
        """Every question bank with its categories and current question counts."""
        found = db.session.scalars(db.select(QuestionBank).order_by(QuestionBank.name))
        return [banks.bank_summary(bank) for bank in found]


@blp.route("/question-banks/<name>")
class BankItem(MethodView):
    @role_required(*STAFF)
    @blp.response(200, BankSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such question bank")
    def get(self, name: str):
        """One bank: its categories and current question counts."""
        return banks.bank_summary(banks.get_bank(name))


@blp.route("/question-banks/<name>/imports")
class BankImports(MethodView):
    @role_required(*STAFF)
    @blp.arguments(BankImportQueryArgs, location="query")
    @blp.arguments(BankImportFileArgs, location="files")
    @blp.response(200, ImportReportSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(
        413, schema=ErrorSchema, description="The file is larger than LEARNHUB_MAX_UPLOAD_BYTES"
    )
    def post(self, query: dict, files: dict, name: str):
        """Import a GIFT or Moodle XML file into the bank (created if new), all or nothing.

        The file comes as multipart/form-data field ``file``. A file with errors imports
        nothing: 422 with every error, by line (GIFT) or by question number, name and line
        (XML). With ``?skip_invalid=true`` the questions in error are left out whole and listed
        in ``skipped``; ``?dry_run=true`` checks and reports without importing."""
        upload = files["file"]
        report = banks.import_questions(
            name,
            upload.filename or "upload",
            upload.read(),
            dry_run=query["dry_run"],
            skip_invalid=query["skip_invalid"],
        )
        db.session.commit()
        return report.as_dict()


@blp.route("/question-banks/<name>/export.gift")
class BankExport(MethodView):
    @role_required(*STAFF)
    @blp.response(200, content_type="text/plain", description="The bank as Moodle GIFT")
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such question bank")
    def get(self, name: str):
        """The bank's current questions as GIFT (UTF-8), by category."""
        text, _notes = banks.export_bank(name)
        audit("quizzes.bank_export", target=f"bank:{name}", format="gift")
        db.session.commit()
        return Response(
            text,
            mimetype="text/plain",
            headers={"Content-Disposition": f'attachment; filename="{name}.gift"'},
        )


@blp.route("/quizzes/<int:quiz_id>/settings")
class QuizSettings(MethodView):
    @role_required("content_admin")
    @blp.arguments(QuizSettingsArgs)
    @blp.response(200, QuizSettingsSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such quiz")
    def patch(self, changes: dict, quiz_id: int):
        """Change time limit, shuffling, review policy, essay grading or bank draws of the
        current quiz version, from the next attempt on. Audited."""
        quiz = settings.update_quiz_settings(quiz_id, changes)
        db.session.commit()
        return quiz


@blp.route("/quizzes/<int:quiz_id>/regrade")
class QuizRegrade(MethodView):
    @role_required(*STAFF)
    @blp.arguments(RegradeArgs, required=False)
    @blp.response(200, RegradeReportSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such quiz")
    def post(self, args: dict, quiz_id: int):
        """Rescore every submitted attempt of the quiz version with its current questions;
        evidence, module progress and team summaries follow. Audited."""
        report = regrade.regrade_quiz(quiz_id, dry_run=args["dry_run"])
        db.session.commit()
        return report


@blp.route("/questions/<int:question_id>")
class QuestionFix(MethodView):
    @role_required("content_admin")
    @blp.arguments(QuestionFixArgs)
    @blp.response(200, QuestionAdminSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such question")
    def put(self, args: dict, question_id: int):
        """Correct a question's key in place (same type and number of options); then regrade
        the quizzes that use it. Audited."""
        question = regrade.fix_question(question_id, args["spec"])
        db.session.commit()
        return question


@blp.route("/reviews")
class Reviews(MethodView):
    @role_required(*STAFF)
    @blp.response(200, ReviewItemSchema(many=True))
    @blp.alt_response(403, **ROLE_403)
    def get(self):
        """Submitted attempts with essays waiting for a reviewer, oldest first. Learners are
        named for HR only; content admins review pseudonymously (by attempt)."""
        return [_review_item(a) for a in regrade.awaiting_review()]


@blp.route("/attempts/<int:attempt_id>/review")
class AttemptReview(MethodView):
    @role_required(*STAFF)
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
        attempt = regrade.score_essays(attempt_id, scores, current_user.employee_id)
        db.session.commit()
        return _review_item(attempt)


@blp.route("/employees/<int:employee_id>/quiz-time-adjustment")
class TimeAdjustment(MethodView):
    @role_required("hr")
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

    @role_required("hr")
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
        db.session.commit()
        return row


def _review_item(attempt: Attempt) -> dict:
    responses = {r.question_id: r for r in attempt.responses}
    essays = []
    for question in attempt_questions(attempt):
        if question.qtype != "essay":
            continue
        response = responses.get(question.id)
        reviewed = response is not None and response.reviewed_at is not None
        essays.append(
            {
                "question_id": question.id,
                "stem_html": str(stem_html(question.spec)),
                "max_points": format(question.points.normalize(), "f"),
                "text": (response.answer or {}).get("text", "") if response else "",
                "points": format(response.points.normalize(), "f")
                if reviewed and response.points is not None
                else None,
                "comment": response.comment if response else None,
            }
        )
    employee = None
    if current_user.has_role("hr"):
        person = db.session.get(Employee, attempt.employee_id)
        employee = person.full_name if person else None
    return {
        "attempt_id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "quiz_title": attempt.quiz.title,
        "employee": employee,
        "submitted_at": attempt.submitted_at,
        "needs_review": attempt.needs_review,
        "passed": attempt.passed,
        "essays": essays,
    }
