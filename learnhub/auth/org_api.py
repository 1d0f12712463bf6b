"""JSON API of the organisation for HR systems: ``POST /api/v1/org/imports`` (scope
``org:write``, or an HR session).

It lives in auth, not org, because its guards (roles, token scopes) are auth's and org sits
below auth in the layers (DESIGN.md). The import itself is org's
(:func:`learnhub.org.hr_import.plan_import`, :func:`~learnhub.org.hr_import.apply_import`),
in the request's one transaction, through :mod:`learnhub.org.import_service`, which records
every run (applied, dry run, refused) in the import history; the invitations follow as a job
after its commit.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, validate

from learnhub.auth.permissions import HR_ONLY, role_required, token_scope
from learnhub.core.errors import ValidationFailed
from learnhub.core.openapi import ROLE_403, ErrorSchema
from learnhub.extensions import db
from learnhub.org.import_runs import RunChannel
from learnhub.org.import_service import (
    Actor,
    ImportRequest,
    apply_and_record,
    plan_request,
    record_dry_run,
    record_refusal,
    refusal_kept,
)
from learnhub.org.models import IMPORT_MODES

blp = Blueprint("org", __name__, description="The organisation: HR imports (HR systems, HR)")

#: employee numbers listed per kind of change in the answer (the counts are whole)
LIST_MAX = 100


class ImportFileArgs(Schema):
    class Meta:
        unknown = RAISE

    file = Upload(required=True, metadata={"description": "the HR export, CSV or XLSX"})


class ImportQueryArgs(Schema):
    class Meta:
        unknown = RAISE

    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "validate and report; change nothing"}
    )
    profile = fields.String(
        validate=validate.Length(min=1, max=60),
        metadata={"description": "a saved import profile (its mapping, source, mode, encoding)"},
    )
    source = fields.String(
        load_default="hr",
        validate=validate.Length(min=1, max=60),
        metadata={"description": "the HR source of these people (without a profile)"},
    )
    mode = fields.String(
        validate=validate.OneOf(IMPORT_MODES),
        metadata={"description": "full (missing people leave) or delta; default: the profile's"},
    )
    encoding = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"description": "the CSV's encoding; default: the profile's, else detected"},
    )
    max_leavers = fields.Float(
        load_default=20,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "a full sync making more than this percent leave is refused"},
    )


class ImportSummarySchema(Schema):
    rows = fields.Integer()
    added = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    left = fields.Integer()


class ImportResultSchema(Schema):
    dry_run = fields.Boolean()
    source = fields.String()
    mode = fields.String()
    encoding = fields.String(
        allow_none=True, metadata={"description": "the CSV's encoding; null for XLSX"}
    )
    summary = fields.Nested(ImportSummarySchema)
    added = fields.List(fields.String(), metadata={"description": f"first {LIST_MAX} numbers"})
    updated = fields.List(fields.String(), metadata={"description": f"first {LIST_MAX} numbers"})
    left = fields.List(fields.String(), metadata={"description": f"first {LIST_MAX} numbers"})
    units_added = fields.List(fields.String())
    units_moved = fields.List(fields.String())
    warnings = fields.List(fields.String())


@blp.route("/org/imports")
class OrgImports(MethodView):
    @token_scope("org:write")
    @role_required(*HR_ONLY)
    @blp.arguments(ImportQueryArgs, location="query")
    @blp.arguments(ImportFileArgs, location="files")
    @blp.response(200, ImportResultSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such import profile")
    @blp.alt_response(409, schema=ErrorSchema, description="Another HR import is running")
    @blp.alt_response(
        413, schema=ErrorSchema, description="The file is larger than LEARNHUB_MAX_UPLOAD_BYTES"
    )
    def post(self, query: dict, files: dict):
        """Import employees, org units, job roles and reporting lines from an HR export (CSV
        or XLSX, multipart field ``file``), validated whole, applied in one transaction.

        A bad file changes nothing: 422 with every error by row (``row 7``) or cell
        (``Sheet1!C7``). ``?dry_run=true`` answers the same plan and changes nothing. Another
        import running answers 409 at once (try again when it has finished). Audited; every
        run (applied, dry run, refused) is in the import history (``/hr/imports``)."""
        upload = files["file"]
        request = ImportRequest(
            data=upload.read(),
            file_name=upload.filename or "upload",
            profile=query.get("profile"),
            source=query["source"],
            mode=query.get("mode"),
            encoding=query.get("encoding"),
            max_leavers=query["max_leavers"],
        )
        actor = Actor.current(RunChannel.API)
        try:
            plan = plan_request(request, wait=False)
        except ValidationFailed as error:
            db.session.rollback()  # the refusal is recorded in the history, and kept
            record_refusal(error, request, actor)
            raise refusal_kept(error) from error
        if query["dry_run"]:
            summary = plan.summary()
            db.session.rollback()  # before the request's commit point (the lock ends too)
            record_dry_run(plan, request, actor)
        else:
            summary, _run = apply_and_record(plan, request, actor)
        return {
            "dry_run": query["dry_run"],
            "source": plan.source,
            "mode": str(plan.mode),
            "encoding": plan.encoding,
            "summary": summary,
            "added": plan.added[:LIST_MAX],
            "updated": plan.updated[:LIST_MAX],
            "left": sorted(plan.left)[:LIST_MAX],
            "units_added": plan.units_added,
            "units_moved": plan.units_moved,
            "warnings": plan.warnings,
        }
