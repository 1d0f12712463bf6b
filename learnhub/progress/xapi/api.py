"""JSON API: the xAPI statement export (HR, or a token with ``xapi:read``; audited)."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from learnhub.auth.permissions import HR_ONLY, role_required, token_scope
from learnhub.core.audit import audit
from learnhub.core.models import utcnow
from learnhub.core.openapi import ErrorSchema
from learnhub.progress.xapi.export import resolve_filter, statements_jsonl

blp = Blueprint("xapi", __name__, description="xAPI statements")


class StatementExportArgs(Schema):
    """Filters of the statement export (query string)."""

    since = fields.AwareDateTime(
        load_default=None, metadata={"description": "statements at or after (ISO 8601, offset)"}
    )
    until = fields.AwareDateTime(
        load_default=None, metadata={"description": "statements before (ISO 8601, offset)"}
    )
    employee = fields.String(
        load_default=None, metadata={"description": "one person's employee number"}
    )


@blp.route("/xapi/statements.jsonl")
class StatementExport(MethodView):
    @token_scope("xapi:read")
    @role_required(*HR_ONLY)
    @blp.arguments(StatementExportArgs, location="query")
    @blp.response(200, content_type="application/x-ndjson", description="One xAPI statement a line")
    @blp.alt_response(403, schema=ErrorSchema, description="The caller is not HR")
    @blp.alt_response(422, schema=ErrorSchema, description="A filter is invalid")
    def get(self, args: dict):
        """Stream the stored xAPI statements as JSON Lines, by timestamp, optionally of one
        person and a time window (HR only; every export is audited)."""
        selection = resolve_filter(args["since"], args["until"], args["employee"])
        audit("export_xapi_statements", target="xapi-statements.jsonl", **selection.as_audit())
        filename = f"learnhub-xapi-{utcnow():%Y%m%dT%H%M%SZ}.jsonl"
        return Response(
            stream_with_context(statements_jsonl(selection)),
            mimetype="application/x-ndjson",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
