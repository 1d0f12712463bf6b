"""JSON API of export jobs: ask for one, follow it, download its file (issue 13).

``POST /api/v1/exports/jobs`` always makes a job (an integration polls it, whatever the size);
the Exports page streams small exports at once instead. HR and ``exports:read`` tokens export
the whole organisation; a manager their own subtree, without grades, points and attempts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import Response, url_for
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, pre_load, validate

from learnhub.auth.permissions import token_scope
from learnhub.core.audit import audit
from learnhub.core.errors import Conflict, DomainError, NotFound
from learnhub.core.models import utcnow
from learnhub.core.openapi import ErrorSchema
from learnhub.reports.competence_export import SkillsFilters, profile_header
from learnhub.reports.completion_filters import CompletionFilters, export_scope
from learnhub.reports.completions import header_for
from learnhub.reports.dictionary import dictionary_rows
from learnhub.reports.formats import FILE_CHUNK, FORMATS, ExportFormat, csv_text
from learnhub.reports.jobs import services, stalls
from learnhub.reports.jobs.catalogue import ExportRequest, Report, prepare
from learnhub.reports.jobs.models import ExportJob, JobStatus
from learnhub.reports.jobs.writing import media_type

blp = Blueprint("export_jobs", __name__, description="Export jobs: large exports as files")


class Gone(DomainError):
    """The export's file was deleted at its expiry (410)."""

    status_code = 410
    keep_changes = True  # the deleted file and the audit event stay recorded


class ExportJobArgs(Schema):
    """What to export: the report, its filters and the format (JSON body)."""

    class Meta:
        unknown = RAISE

    report = fields.String(required=True, validate=validate.OneOf([r.value for r in Report]))
    format = fields.String(load_default="csv", validate=validate.OneOf(FORMATS))
    excel = fields.Boolean(load_default=False)
    course = fields.String(load_default=None, metadata={"description": "a course slug"})
    org_unit = fields.String(load_default=None, metadata={"description": "an org unit code"})
    include_sub_units = fields.Boolean(load_default=True)
    status = fields.List(fields.String(), load_default=list)
    date_from = fields.Date(load_default=None, metadata={"description": "UTC day, inclusive"})
    date_to = fields.Date(load_default=None, metadata={"description": "UTC day, inclusive"})
    assigned_only = fields.Boolean(load_default=False)
    include_unassigned = fields.Boolean(load_default=False)

    @pre_load
    def _blank_is_absent(self, data, **_: object):
        return {k: v for k, v in data.items() if v != ""} if hasattr(data, "items") else data


class ExportJobSchema(Schema):
    """An export job as its requester (or HR) sees it."""

    id = fields.Integer()
    report = fields.String()
    format = fields.String()
    excel = fields.Boolean()
    filters = fields.Dict()
    status = fields.String()
    rows_done = fields.Integer()
    rows_estimated = fields.Integer(allow_none=True)
    progress = fields.Float(allow_none=True, metadata={"description": "0 to 1"})
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    expired = fields.Boolean()
    size_bytes = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True, metadata={"description": "hex, of the file"})
    error = fields.String(allow_none=True)
    attempts = fields.Integer(metadata={"description": "runs started"})
    heartbeat_at = fields.DateTime(allow_none=True, metadata={"description": "last progress"})
    stalled = fields.Boolean(
        metadata={"description": "queued or running with no progress for the stall time"}
    )
    cancelled = fields.Boolean()
    file_url = fields.String(allow_none=True)
    dictionary_url = fields.String()


def job_view(job: ExportJob) -> dict:
    """The job as :class:`ExportJobSchema` dumps it."""
    expired = job.expired(utcnow())
    ready = job.status == JobStatus.DONE and not expired
    return {
        "id": job.id,
        "report": job.report,
        "format": job.format,
        "excel": job.excel,
        "filters": job.filters,
        "status": str(job.status),
        "rows_done": job.rows_done,
        "rows_estimated": job.rows_estimated,
        "progress": job.progress(),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "expired": expired,
        "size_bytes": job.size_bytes,
        "sha256": job.sha256,
        "error": job.error,
        "attempts": job.attempts,
        "heartbeat_at": job.heartbeat_at,
        "stalled": stalls.is_stalled(job),
        "cancelled": job.cancelled_at is not None,
        "file_url": url_for("export_jobs.ExportJobFile", job_id=job.id) if ready else None,
        # the API's address, which a token opens too (the page's, /exports/..., refuses
        # tokens: tester report E6); a signed-in browser opens it as well
        "dictionary_url": url_for("export_jobs.ExportDictionary", report=job.report),
    }


def dictionary_file(report: str) -> Response:
    """Report ``report``'s data dictionary as a CSV attachment (column, meaning, type, source)
    for the columns the caller's file has: a manager's completions and competence profiles have
    fewer. Forbidden (403) to anyone but HR, managers and ``exports:read`` tokens; NotFound
    (404) for a name that is no report."""
    manager_id = export_scope(current_user)
    try:
        chosen = Report(report)
    except ValueError:
        raise NotFound("There is no such report.") from None
    columns = None
    if chosen == Report.COMPLETIONS:
        columns = header_for(CompletionFilters(manager_id=manager_id))
    elif chosen == Report.COMPETENCE_PROFILES:
        columns = profile_header(SkillsFilters(manager_id=manager_id))
    filename = f"learnhub-{chosen.value.replace('_', '-')}-data-dictionary.csv"
    return Response(
        csv_text(dictionary_rows(chosen.value, columns)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def request_from(args: dict) -> ExportRequest:
    """The :class:`ExportRequest` of loaded arguments, scoped to the caller: HR and tokens
    everyone, a manager their subtree (Forbidden, 403, for anyone else)."""
    return ExportRequest(
        report=Report(args["report"]),
        format=ExportFormat(args["format"]),
        excel=args["excel"],
        manager_id=export_scope(current_user),
        course=args["course"],
        org_unit=args["org_unit"],
        include_sub_units=args["include_sub_units"],
        statuses=tuple(args["status"]),
        date_from=args["date_from"],
        date_to=args["date_to"],
        assigned_only=args["assigned_only"],
        include_unassigned=args["include_unassigned"],
    )


@blp.route("/exports/jobs")
class ExportJobs(MethodView):
    @token_scope("exports:read")
    @login_required
    @blp.response(200, ExportJobSchema(many=True))
    @blp.alt_response(403, schema=ErrorSchema, description="Neither HR nor a manager")
    def get(self):
        """The caller's own export jobs, newest first (20 at most)."""
        export_scope(current_user)
        return [job_view(job) for job in services.jobs_of(current_user)]

    @token_scope("exports:read")
    @login_required
    @blp.arguments(ExportJobArgs)
    @blp.response(202, ExportJobSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Neither HR nor a manager")
    @blp.alt_response(
        200, schema=ExportJobSchema, description="The caller's identical job, still going"
    )
    @blp.alt_response(422, schema=ErrorSchema, description="A filter is not valid for the report")
    def post(self, args: dict):
        """Ask for an export job (audited); a worker writes the file. Follow it at
        ``GET /exports/jobs/<id>``; download it at ``file_url`` once done. The same request
        (report, filters, format) while the caller's earlier one is still queued or running
        answers 200 with that job, and starts no second one."""
        request = request_from(args)
        prepared = prepare(request, utcnow())
        existing = services.identical_job(request, current_user)
        if existing is not None:
            return job_view(existing), 200
        return job_view(services.create_job(request, prepared, current_user))


@blp.route("/exports/<report>/dictionary.csv")
class ExportDictionary(MethodView):
    @token_scope("exports:read")
    @login_required
    @blp.response(200, content_type="text/csv", description="column, meaning, type, source")
    @blp.alt_response(403, schema=ErrorSchema, description="Neither HR nor a manager")
    @blp.alt_response(404, schema=ErrorSchema, description="No such report")
    def get(self, report: str):
        """Any report's data dictionary (``competence_profiles``, ``team_gap_summaries``; the
        completions and required-learning ones have their own addresses, which this one's
        pattern also gives): a row per column of the file the caller gets."""
        return dictionary_file(report)


@blp.route("/exports/jobs/<int:job_id>")
class ExportJobDetail(MethodView):
    @token_scope("exports:read")
    @login_required
    @blp.response(200, ExportJobSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No job of the caller's (HR: any)")
    def get(self, job_id: int):
        """One export job: status, progress, checksum, expiry."""
        return job_view(services.visible_job(current_user, job_id))


def send_job_file(job: ExportJob) -> Response:
    """The job's file as an attachment, audited (``export_job_download``). Conflict (409) while
    it is not done; Gone (410) after its expiry, when the file is deleted if still there."""
    now = utcnow()
    if job.status != JobStatus.DONE:
        raise Conflict(f"Export job {job.id} is {job.status}: there is no file to download.")
    if job.expired(now):
        services.delete_file(job, now)
        audit("export_job_download_expired", target=f"export-job:{job.id}")
        raise Gone(
            f"Export job {job.id}'s file expired on {job.expires_at:%Y-%m-%d %H:%M} UTC and was "
            "deleted. Run the export again."
        )
    path = services.file_path(job)
    assert path is not None  # a done job has its file
    audit("export_job_download", target=f"export-job:{job.id}", sha256=job.sha256)
    return Response(
        _chunks(path),
        mimetype=media_type(ExportFormat(job.format)),
        headers={
            "Content-Disposition": f'attachment; filename="{services.download_name(job)}"',
            "Content-Length": str(job.size_bytes),
            "Cache-Control": "no-store",
            "X-Content-SHA256": job.sha256 or "",
        },
    )


def _chunks(path: Path) -> Iterator[bytes]:
    # the file is closed when the body is read to its end, or when a client that stops early
    # drops the response (the generator is closed), never left open
    with path.open("rb") as handle:
        while chunk := handle.read(FILE_CHUNK):
            yield chunk


@blp.route("/exports/jobs/<int:job_id>/file")
class ExportJobFile(MethodView):
    @token_scope("exports:read")
    @login_required
    @blp.response(200, content_type="application/octet-stream", description="The file")
    @blp.alt_response(404, schema=ErrorSchema, description="No job of the caller's (HR: any)")
    @blp.alt_response(409, schema=ErrorSchema, description="Not done yet, or failed")
    @blp.alt_response(410, schema=ErrorSchema, description="Expired: the file was deleted")
    def get(self, job_id: int):
        """Download a finished job's file (audited): the requester or HR only."""
        return send_job_file(services.visible_job(current_user, job_id))


@blp.route("/exports/jobs/<int:job_id>/retry")
class ExportJobRetry(MethodView):
    @token_scope("exports:read")
    @login_required
    @blp.response(200, ExportJobSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No job of the caller's (HR: any)")
    @blp.alt_response(409, schema=ErrorSchema, description="Done, or running with progress")
    def post(self, job_id: int):
        """Queue a stalled or failed job again, same id (audited). Idempotent: a job already
        queued again and not stalled is answered as it is. The run starts from zero."""
        job = services.visible_job(current_user, job_id)
        stalls.retry_job(job, stalls.who(current_user))
        return job_view(job)


@blp.route("/exports/jobs/<int:job_id>/cancel")
class ExportJobCancel(MethodView):
    @token_scope("exports:read")
    @login_required
    @blp.response(200, ExportJobSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No job of the caller's (HR: any)")
    @blp.alt_response(409, schema=ErrorSchema, description="Done: nothing to cancel")
    def post(self, job_id: int):
        """Cancel a queued or running job (audited); it becomes ``failed`` with
        ``cancelled`` true. Cancelling again changes nothing."""
        job = services.visible_job(current_user, job_id)
        stalls.cancel_job(job, stalls.who(current_user))
        return job_view(job)
