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

from flask import jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, validate

from learnhub.auth.permissions import HR_ONLY, role_required, token_scope
from learnhub.core.errors import NotFound, ValidationFailed
from learnhub.core.openapi import ROLE_403, ErrorIssueSchema, ErrorSchema
from learnhub.extensions import db
from learnhub.org import import_jobs, import_staging
from learnhub.org.hr_import.file_kind import is_no_hr_file
from learnhub.org.import_runs import ISSUES_KEPT, HRImportRun, RunChannel, RunStatus
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


class ImportRunSchema(Schema):
    id = fields.Integer()
    status = fields.String(
        metadata={
            "description": "planning (a worker checks the file; poll again), dry_run (checked, "
            "nothing changed), applied, invalid (refused: see message), failed (the check "
            "stopped: see message; nothing changed), expired (cancelled, or a preview whose "
            "time ran out: see message; nothing changed)"
        }
    )
    dry_run = fields.Boolean(metadata={"description": "whether the import was asked as a dry run"})
    url = fields.String(metadata={"description": "this run's URL, to poll"})
    file_name = fields.String()
    source = fields.String()
    mode = fields.String()
    phase = fields.String(
        allow_none=True, metadata={"description": "while planning: queued, read, check, apply"}
    )
    rows_done = fields.Integer(allow_none=True, metadata={"description": "while planning"})
    stalled = fields.Boolean(
        metadata={"description": "planning with no progress for a while: import again"}
    )
    summary = fields.Nested(ImportSummarySchema)
    errors = fields.Integer()
    message = fields.String(allow_none=True)
    issues = fields.List(
        fields.Nested(ErrorIssueSchema),
        metadata={
            "description": f"invalid: the file's errors by row or cell, as a small file's 422 "
            f"lists them (``errors.issues``), the first {ISSUES_KEPT} (``errors`` counts all)"
        },
    )
    encoding = fields.String(
        allow_none=True, metadata={"description": "the CSV's encoding; null for XLSX"}
    )
    added = fields.List(
        fields.String(),
        metadata={"description": f"dry_run: the first {LIST_MAX} numbers, as a small file's"},
    )
    updated = fields.List(
        fields.String(),
        metadata={"description": f"dry_run: the first {LIST_MAX} numbers, as a small file's"},
    )
    left = fields.List(
        fields.String(),
        metadata={"description": f"dry_run: the first {LIST_MAX} numbers, as a small file's"},
    )
    units_added = fields.List(fields.String(), metadata={"description": "dry_run"})
    units_moved = fields.List(fields.String(), metadata={"description": "dry_run"})
    warnings = fields.List(fields.String(), metadata={"description": "dry_run"})


def _lists_of(run: HRImportRun) -> dict:
    """A checked dry run's lists as the small-file answer gives them (the preview kept under
    its token: the first LIST_MAX of each); {} when none is kept."""
    if run.status != RunStatus.DRY_RUN or not run.preview_token:
        return {}
    doc = import_staging.read_preview(run.preview_token) or {}
    if "counts" not in doc:
        return {}
    return {
        "added": [n for n, _name in doc.get("added", [])][:LIST_MAX],
        "updated": [u["number"] for u in doc.get("updated", [])][:LIST_MAX],
        "left": [n for n, _name in doc.get("left", [])][:LIST_MAX],
        "units_added": doc.get("units_added", [])[:LIST_MAX],
        "units_moved": doc.get("units_moved", [])[:LIST_MAX],
        "warnings": doc.get("warnings", [])[:LIST_MAX],
    }


def run_view(run: HRImportRun) -> dict:
    """``run`` as :class:`ImportRunSchema` values: a refused run with its errors
    (``issues``), a checked dry run with its lists of numbers."""
    progress = import_jobs.progress_of(run) if run.status == RunStatus.PLANNING else {}
    return _lists_of(run) | {
        "id": run.id,
        "status": str(run.status),
        "dry_run": not (run.options or {}).get("apply") and run.status != RunStatus.APPLIED,
        "url": url_for("org.OrgImportRun", run_id=run.id),
        "file_name": run.file_name,
        "source": run.source,
        "mode": str(run.mode),
        "phase": progress.get("phase"),
        "rows_done": progress.get("done"),
        "stalled": bool(progress.get("stalled")),
        "summary": {n: getattr(run, n) for n in ("rows", "added", "updated", "unchanged", "left")},
        "errors": run.errors,
        "message": run.message,
        "issues": [{"where": w, "message": m} for w, m in run.issues or []],
        "encoding": run.encoding,
    }


@blp.route("/org/imports/runs/<int:run_id>")
class OrgImportRun(MethodView):
    @token_scope("org:write")
    @role_required(*HR_ONLY)
    @blp.response(200, ImportRunSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such import run of the caller's")
    def get(self, run_id: int):
        """One import run, to poll a large import answered with 202: ``planning`` while a
        worker checks (and, unless a dry run, applies) the file, then ``applied``,
        ``dry_run``, ``invalid`` or ``failed`` with the counts. An API token sees its own
        runs; a person signed in as HR sees any."""
        return run_view(_own_run(run_id))


def _own_run(run_id: int) -> HRImportRun:
    """The run ``run_id``: an API token's own, any for a person signed in as HR; NotFound
    otherwise."""
    run = db.session.get(HRImportRun, run_id)
    actor = Actor.current(RunChannel.API)
    if run is None or (actor.api_token_id is not None and run.api_token_id != actor.api_token_id):
        raise NotFound("No import run of yours has this number.")
    return run


@blp.route("/org/imports/runs/<int:run_id>/cancel")
class OrgImportRunCancel(MethodView):
    @token_scope("org:write")
    @role_required(*HR_ONLY)
    @blp.response(200, ImportRunSchema)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such import run of the caller's")
    @blp.alt_response(
        409, schema=ErrorSchema, description="The check has ended (or the import is underway)"
    )
    def post(self, run_id: int):
        """Cancel a large import answered with 202 while its file is being checked
        (``planning``) or after its check ``failed``: nothing is imported, the kept file is
        deleted, the run's ``status`` becomes ``expired`` with a message saying it was
        cancelled; audited. Cancelling again answers the same run (no change); a run whose
        check has ended (or that a worker is importing now) answers 409."""
        run = _own_run(run_id)
        import_jobs.cancel_planning(run)
        return run_view(run)


@blp.route("/org/imports")
class OrgImports(MethodView):
    @token_scope("org:write")
    @role_required(*HR_ONLY)
    @blp.arguments(ImportQueryArgs, location="query")
    @blp.arguments(ImportFileArgs, location="files")
    @blp.response(200, ImportResultSchema)
    @blp.alt_response(
        202,
        schema=ImportRunSchema,
        description="A file over LEARNHUB_HR_IMPORT_JOB_ROWS rows: a worker checks (and, "
        "unless a dry run, applies) it; poll ``url`` (Location) until ``status`` is not "
        "planning",
    )
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
        # a file that is surely no HR export is refused at once (422), never queued (F16)
        rows = (
            0
            if is_no_hr_file(request.data)
            else import_jobs.count_rows(request.data, request.file_name)
        )
        if rows > import_jobs.job_rows():
            run = import_jobs.start_planning(request, actor, rows, apply=not query["dry_run"])
            answer = jsonify(ImportRunSchema().dump(run_view(run)))
            answer.status_code, answer.headers["Location"] = 202, run_view(run)["url"]
            return answer
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
