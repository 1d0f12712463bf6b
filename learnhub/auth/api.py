"""JSON API of auth: API tokens (HR and platform admins manage them) and the audit log."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from learnhub.auth import audit_log, tokens
from learnhub.auth.permissions import ADMINS, role_required, token_scope
from learnhub.auth.schemas import (
    ApiTokenCreateArgs,
    ApiTokenSchema,
    AuditEventArgs,
    AuditEventSchema,
    NewApiTokenSchema,
)
from learnhub.core.openapi import ErrorSchema
from learnhub.core.pagination import QueryPage

blp = Blueprint("auth_api", __name__, description="API tokens and the audit log")

#: the 403 of every operation here (roles: permissions.ADMINS)
ROLE_403 = {"schema": ErrorSchema, "description": "The caller is neither HR nor a platform admin"}


@blp.route("/api-tokens")
class ApiTokens(MethodView):
    @role_required(*ADMINS)
    @blp.response(200, ApiTokenSchema(many=True))
    @blp.alt_response(403, **ROLE_403)
    def get(self):
        """Every API token, newest first (never their secrets)."""
        return tokens.list_tokens()

    @role_required(*ADMINS)
    @blp.arguments(ApiTokenCreateArgs)
    @blp.response(201, NewApiTokenSchema)
    @blp.alt_response(403, **ROLE_403)
    def post(self, args: dict):
        """Create a token: its secret is in this answer only (stored hashed). Audited."""
        owner = current_user.employee
        token, secret = tokens.create_token(
            args["name"], args["scopes"], args["expires_days"], owner=owner
        )
        return {
            "token": secret,
            **{name: getattr(token, name) for name in ApiTokenSchema._declared_fields},
        }


@blp.route("/api-tokens/<int:token_id>")
class ApiTokenItem(MethodView):
    @role_required(*ADMINS)
    @blp.response(204)
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="No such API token")
    def delete(self, token_id: int) -> None:
        """Revoke a token (it stops working at once). Audited."""
        tokens.revoke_token(token_id)


@blp.route("/audit-events")
class AuditEvents(MethodView):
    @token_scope("audit:read")
    @role_required(*ADMINS)
    @blp.arguments(AuditEventArgs, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(422, schema=ErrorSchema, description="An unknown action, until <= since")
    @blp.paginate(QueryPage, page_size=50, max_page_size=500)
    def get(self, args: dict):
        """The audit log, newest first, filtered by action and time [since, until); paged with
        ``page`` and ``page_size`` (the totals are in the X-Pagination header). 422 for an
        unknown action or ``until`` not after ``since`` (the audit page's check)."""
        audit_log.check_filters(args.get("action"), args.get("since"), args.get("until"))
        return audit_log.events_query(args.get("action"), args.get("since"), args.get("until"))


@blp.route("/audit-events.csv")
class AuditEventsExport(MethodView):
    @token_scope("audit:read")
    @role_required(*ADMINS)
    @blp.arguments(AuditEventArgs, location="query")
    @blp.response(200, content_type="text/csv", description="One row per audit event")
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(422, schema=ErrorSchema, description="An unknown action, until <= since")
    def get(self, args: dict):
        """The audit log as CSV with the same filters (cells neutralised against formulas).
        The export itself is audited. 422 for wrong filters, as the list."""
        audit_log.check_filters(args.get("action"), args.get("since"), args.get("until"))
        query = audit_log.events_query(args.get("action"), args.get("since"), args.get("until"))
        return audit_log.csv_download(query, _jsonable(args))


def _jsonable(args: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in args.items()}
