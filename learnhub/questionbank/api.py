"""JSON API of the question banks for HR / L&D and content admins: bank summaries, GIFT and
Moodle XML imports, GIFT and Moodle XML exports."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from learnhub.auth.permissions import QUIZ_STAFF, role_required
from learnhub.core.audit import audit
from learnhub.core.openapi import ROLE_403, ErrorSchema
from learnhub.extensions import db
from learnhub.questionbank import reading
from learnhub.questionbank import services as banks
from learnhub.questionbank.models import QuestionBank
from learnhub.questionbank.schemas import (
    BankImportFileArgs,
    BankImportQueryArgs,
    BankSchema,
    ImportReportSchema,
)

blp = Blueprint(
    "question_banks",
    __name__,
    description="Question banks: GIFT and Moodle XML imports and exports (HR / L&D, content)",
)


@blp.route("/question-banks")
class Banks(MethodView):
    @role_required(*QUIZ_STAFF)
    @blp.response(200, BankSchema(many=True))
    @blp.alt_response(403, **ROLE_403)
    def get(self):
        """Every question bank with its categories and current question counts."""
        found = db.session.scalars(db.select(QuestionBank).order_by(QuestionBank.name))
        return [reading.bank_summary(bank) for bank in found]


@blp.route("/question-banks/<name>")
class BankItem(MethodView):
    @role_required(*QUIZ_STAFF)
    @blp.response(200, BankSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such question bank")
    def get(self, name: str):
        """One bank: its categories and current question counts."""
        return reading.bank_summary(reading.get_bank(name))


@blp.route("/question-banks/<name>/imports")
class BankImports(MethodView):
    @role_required(*QUIZ_STAFF)
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
        return report.as_dict()


@blp.route("/question-banks/<name>/export.gift")
class BankExport(MethodView):
    @role_required(*QUIZ_STAFF)
    @blp.response(200, content_type="text/plain", description="The bank as Moodle GIFT")
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such question bank")
    def get(self, name: str):
        """The bank's current questions as GIFT (UTF-8), by category."""
        text, _notes = reading.export_bank(name)
        audit("quizzes.bank_export", target=f"bank:{name}", format="gift")
        return Response(
            text,
            mimetype="text/plain",
            headers={"Content-Disposition": f'attachment; filename="{name}.gift"'},
        )


@blp.route("/question-banks/<name>/export.xml")
class BankExportXml(MethodView):
    @role_required(*QUIZ_STAFF)
    @blp.response(200, content_type="application/xml", description="The bank as Moodle XML")
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such question bank")
    def get(self, name: str):
        """The bank's current questions as Moodle XML (UTF-8), by category, with marks, tags,
        id numbers and feedback; Moodle's and LearnHub's XML importers read it back."""
        data, _notes = reading.export_bank_xml(name)
        audit("quizzes.bank_export", target=f"bank:{name}", format="moodle_xml")
        return Response(
            data,
            mimetype="application/xml",
            headers={"Content-Disposition": f'attachment; filename="{name}.xml"'},
        )
