"""JSON API: the manager's team skill gaps and HR's completions export."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import (
    RAISE,
    Schema,
    fields,
    pre_load,
    validate,
)

from learnhub.auth.permissions import HR_ONLY, can_view_team, role_required, token_scope
from learnhub.core.audit import audit
from learnhub.core.errors import Forbidden, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.core.openapi import ErrorSchema
from learnhub.reports.completion_filters import (
    COMPLETION_STATUSES,
    CompletionFilters,
    export_scope,
    resolve_completion_filters,
)
from learnhub.reports.completions import completion_records, csv_bytes, header_for
from learnhub.reports.dictionary import dictionary_rows
from learnhub.reports.formats import (
    FORMATS,
    MEDIA_TYPES,
    ExportFormat,
    csv_text,
    excel_issue,
    jsonl_text,
    xlsx_chunks,
)
from learnhub.reports.jobs.writing import export_dir
from learnhub.reports.people import person_view, visible_employee
from learnhub.reports.requirements import STATUSES, requirement_records, resolve_filters
from learnhub.reports.requirements_sql import csv_bytes as requirements_csv_bytes
from learnhub.reports.schemas import PersonProfileSchema, TeamSkillGapsSchema
from learnhub.reports.team import MAX_PER_PAGE, PER_PAGE, team_view

blp = Blueprint("reports", __name__, description="Team skill gaps and exports")


class TeamPageArgs(Schema):
    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(
        load_default=PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )


@blp.route("/teams/me/skill-gaps")
class MyTeamSkillGaps(MethodView):
    @login_required
    @blp.arguments(TeamPageArgs, location="query")
    @blp.response(200, TeamSkillGapsSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Nobody reports to the caller")
    def get(self, args: dict):
        """The skill-gap summary of the caller's whole subtree, with one page of its people
        (``?page=&per_page=``; 403 for non-managers)."""
        if not can_view_team(current_user):
            raise Forbidden("Only managers have a team: nobody reports to you.")
        return team_view(current_user.employee_id, page=args["page"], per_page=args["per_page"])


@blp.route("/employees/<employee_number>/profile")
class EmployeeProfile(MethodView):
    @login_required
    @blp.response(200, PersonProfileSchema)
    @blp.alt_response(
        404, schema=ErrorSchema, description="No such person, or not one the caller may see"
    )
    def get(self, employee_number: str):
        """A person's competence profile and completion, for their managers (direct or
        indirect) and HR; 404 for anyone else, whether or not the person exists."""
        return person_view(visible_employee(employee_number))


class ExportArgs(Schema):
    """What every export takes in its query string: the format and the scope filters shared by
    the completions and required-learning exports. Empty fields count as absent, as the pages'
    forms send them."""

    class Meta:
        unknown = RAISE

    format = fields.String(load_default="csv", validate=validate.OneOf(FORMATS))
    excel = fields.Boolean(
        load_default=False,
        metadata={
            "description": "CSV for Excel: a UTF-8 byte order mark first (CSV only: with "
            "another format, 422 naming the field ``excel``, as the jobs API answers)"
        },
    )
    course = fields.String(load_default=None, metadata={"description": "a course slug"})
    org_unit = fields.String(
        load_default=None, metadata={"description": "an org unit code (with its sub-units)"}
    )
    include_sub_units = fields.Boolean(load_default=True)

    @pre_load
    def _blank_is_absent(self, data, **_: object):
        return {k: v for k, v in data.items() if v != ""} if hasattr(data, "items") else data


class CompletionsExportArgs(ExportArgs):
    """Format and filters of the completions export (query string; empty fields count as
    absent, as the pages' forms send them)."""

    status = fields.List(
        fields.String(validate=validate.OneOf(COMPLETION_STATUSES)),
        load_default=list,
        metadata={"description": "module status; repeat for several; none: every status"},
    )
    completed_from = fields.Date(
        load_default=None, metadata={"description": "completed on or after this UTC day"}
    )
    completed_to = fields.Date(
        load_default=None, metadata={"description": "completed on or before this UTC day"}
    )


@contextmanager
def _excel_checked(chosen: ExportFormat, excel: bool) -> Iterator[None]:
    """Around resolving an export's filters: raise ValidationFailed with the filters' issues
    and, at field ``excel``, "CSV for Excel" asked with another format (the /exports page and
    the jobs API refuse it so; this endpoint gave the file without its byte order mark)."""
    extra = [issue] if (issue := excel_issue(chosen, excel)) else []
    try:
        yield
    except ValidationFailed as error:
        raise ValidationFailed(error.message, [*error.errors, *extra]) from None
    if extra:
        raise ValidationFailed("the export's filters are not valid", extra)


def _completions_download(args: dict, target: str | None = None) -> Response:
    """The completions export the caller may have (HR: everyone; a manager: their subtree
    without the quiz columns), in the format asked, streamed; audited with its filters.
    ValidationFailed (422) for a filter naming nothing known, or ``excel`` with a format
    other than CSV (the field named, every issue listed)."""
    chosen = ExportFormat(args["format"])
    with _excel_checked(chosen, args["excel"]):
        filters = resolve_completion_filters(
            manager_id=export_scope(current_user),
            course=args["course"],
            org_unit=args["org_unit"],
            include_sub_units=args["include_sub_units"],
            statuses=args["status"],
            completed_from=args["completed_from"],
            completed_to=args["completed_to"],
        )
    excel = args["excel"]
    filename = f"learnhub-completions-{utcnow():%Y%m%dT%H%M%SZ}.{chosen.value}"
    audit(
        "export_completions",
        target=target or filename,
        format=chosen.value,
        excel=excel,
        **filters.as_audit(),
    )
    body: Iterator[str] | Iterator[bytes]
    if chosen == ExportFormat.XLSX:
        body = xlsx_chunks(completion_records(filters), title="Completions", folder=export_dir())
    elif chosen == ExportFormat.JSONL:
        body = jsonl_text(completion_records(filters))
    else:
        body = csv_bytes(filters, excel=excel)
    return Response(
        stream_with_context(body),
        mimetype=MEDIA_TYPES[chosen],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@blp.route("/exports/completions")
class CompletionsExport(MethodView):
    @token_scope("exports:read")
    @login_required
    @blp.arguments(CompletionsExportArgs, location="query")
    @blp.response(
        200,
        content_type="text/csv",
        description="One row per employee x module of each enrolled course (CSV; "
        "?format=xlsx an XLSX workbook, ?format=jsonl JSON Lines; ?excel=true a CSV for Excel)",
    )
    @blp.alt_response(403, schema=ErrorSchema, description="Neither HR nor a manager")
    @blp.alt_response(
        422,
        schema=ErrorSchema,
        description="A filter names nothing known, or excel with XLSX or JSONL",
    )
    def get(self, args: dict):
        """Stream the completions export, audited: HR (and tokens with exports:read) get
        everyone; a manager gets their own subtree, without grades, points and attempts."""
        return _completions_download(args)


@blp.route("/exports/completions.csv")
class CompletionsCsvExport(MethodView):
    @token_scope("exports:read")
    @role_required(*HR_ONLY)
    @blp.response(
        200,
        content_type="text/csv",
        description="One row per employee x module of each enrolled course",
    )
    @blp.alt_response(403, schema=ErrorSchema, description="The caller is not HR")
    def get(self):
        """Stream the whole completions CSV (HR only; audited): the first URL of this export,
        kept for the integrations that call it; ``/exports/completions`` filters."""
        return _completions_download(CompletionsExportArgs().load({}), target="completions.csv")


def _dictionary(export: str, columns: list[str] | None) -> Response:
    filename = f"learnhub-{export}-data-dictionary.csv"
    return Response(
        csv_text(dictionary_rows(export, columns)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@blp.route("/exports/completions/dictionary.csv")
class CompletionsDictionary(MethodView):
    @token_scope("exports:read")
    @login_required
    @blp.response(200, content_type="text/csv", description="column, meaning, type, source")
    @blp.alt_response(403, schema=ErrorSchema, description="Neither HR nor a manager")
    def get(self):
        """The completions export's data dictionary: a row per column of the file the caller
        gets (a manager's has no quiz columns) with its meaning, type and source."""
        manager_id = export_scope(current_user)
        return _dictionary("completions", header_for(CompletionFilters(manager_id=manager_id)))


@blp.route("/exports/requirements/dictionary.csv")
class RequirementsDictionary(MethodView):
    @token_scope("exports:read")
    @role_required(*HR_ONLY)
    @blp.response(200, content_type="text/csv", description="column, meaning, type, source")
    @blp.alt_response(403, schema=ErrorSchema, description="The caller is not HR")
    def get(self):
        """The required-learning export's data dictionary: a row per column with its
        meaning, type and source (HR only, as the export)."""
        return _dictionary("requirements", None)


class RequirementsExportArgs(ExportArgs):
    """Filters of the required-learning export (query string; the HR page's form sends
    empty fields for "any", which count as absent)."""

    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)),
        load_default=list,
        metadata={"description": "repeat for several; none: every status"},
    )
    include_unassigned = fields.Boolean(
        load_default=False,
        metadata={
            "description": "add the people nobody assigned anything (of the course, if given): "
            "one row each, status not_assigned"
        },
    )


@blp.route("/exports/requirements")
class RequirementsExport(MethodView):
    @token_scope("exports:read")
    @role_required(*HR_ONLY)
    @blp.arguments(RequirementsExportArgs, location="query")
    @blp.response(
        200,
        content_type="text/csv",
        description="One row per requirement of every assigned person, started or not (CSV; "
        "?format=xlsx gives an XLSX workbook, ?format=jsonl JSON Lines)",
    )
    @blp.alt_response(403, schema=ErrorSchema, description="The caller is not HR")
    @blp.alt_response(
        422,
        schema=ErrorSchema,
        description="A filter names nothing known, or excel with XLSX or JSONL",
    )
    def get(self, args: dict):
        """Stream the required-learning export (HR only; every export is audited): person,
        course and module, status, assigned on, due (local day and UTC instant), completed
        at, expires at, the assignments that apply."""
        chosen = ExportFormat(args["format"])
        excel = args["excel"]
        with _excel_checked(chosen, excel):
            filters = resolve_filters(
                course=args["course"],
                org_unit=args["org_unit"],
                include_sub_units=args["include_sub_units"],
                statuses=args["status"],
                include_unassigned=args["include_unassigned"],
            )
        now = utcnow()
        filename = f"learnhub-requirements-{now:%Y%m%dT%H%M%SZ}.{chosen.value}"
        audit(
            "export_requirements",
            target=filename,
            format=chosen.value,
            excel=excel,
            **filters.as_audit(),
        )
        body: Iterator[str] | Iterator[bytes]
        if chosen == ExportFormat.XLSX:
            body = xlsx_chunks(
                requirement_records(filters, now), title="Required learning", folder=export_dir()
            )
        elif chosen == ExportFormat.JSONL:
            body = jsonl_text(requirement_records(filters, now))
        else:
            body = requirements_csv_bytes(filters, now, excel=excel)
        return Response(
            stream_with_context(body),
            mimetype=MEDIA_TYPES[chosen],
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
