"""JSON API of privacy (HR, or a token with ``privacy:read`` / ``privacy:write``; every call
audited by the services):

- ``POST /privacy/subject-access``: ask for a person's subject access export (202: queued, or
  ready already when tasks run in-process); ``GET /privacy/subject-access/<id>`` its state;
  ``GET /privacy/subject-access/<id>/file`` the ZIP (409 unless ready);
- ``POST /privacy/erasures``: erase a leaver (409 while employed, on legal hold or erased);
- ``POST /privacy/legal-holds``: set or lift a legal hold.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from learnhub.auth.permissions import HR_ONLY, role_required, token_scope
from learnhub.core.openapi import ErrorSchema
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.privacy import erasure, subject_access
from learnhub.privacy.models import SubjectAccessRequest

blp = Blueprint("privacy", __name__, description="Personal data on request (GDPR)")

_REASON = fields.String(
    required=True,
    validate=validate.Length(min=1, max=500),
    metadata={"description": "why (the request's reference); kept in the audit log"},
)


class _Args(Schema):
    class Meta:
        unknown = "raise"

    employee_number = fields.String(required=True, validate=validate.Length(min=1, max=60))
    reason = _REASON


class SubjectAccessArgs(_Args):
    """Ask for the export of one person."""


class ErasureArgs(_Args):
    """Erase one leaver (GDPR article 17)."""


class LegalHoldArgs(_Args):
    """Set (``on`` true) or lift (false) a legal hold."""

    on = fields.Boolean(required=True)


class SubjectAccessRequestSchema(Schema):
    """A subject access request and, once ready, its file's digest, size and expiry."""

    id = fields.Integer()
    employee_number = fields.String()
    status = fields.String(metadata={"description": "queued, ready, failed or expired"})
    reason = fields.String()
    requested_at = fields.DateTime()
    produced_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    sha256 = fields.String(allow_none=True, metadata={"description": "hex SHA-256 of the ZIP"})
    size_bytes = fields.Integer(allow_none=True)
    downloads = fields.Integer()
    error = fields.String(allow_none=True)


class ErasureSchema(Schema):
    """What an erasure changed."""

    employee_id = fields.Integer()
    responses = fields.Integer(metadata={"description": "quiz responses cleared"})
    statements = fields.Integer(metadata={"description": "xAPI statements pseudonymised"})
    emails = fields.Integer(metadata={"description": "queued emails deleted"})
    credentials = fields.Integer(metadata={"description": "credentials revoked"})


class LegalHoldSchema(Schema):
    employee_number = fields.String()
    legal_hold = fields.Boolean()


def _dump(row: SubjectAccessRequest) -> dict:
    person = db.session.get(Employee, row.employee_id)
    return {
        "id": row.id,
        "employee_number": person.employee_number if person else None,
        "status": row.status.value,
        "reason": row.reason,
        "requested_at": row.requested_at,
        "produced_at": row.produced_at,
        "expires_at": row.expires_at,
        "sha256": row.sha256,
        "size_bytes": row.size_bytes,
        "downloads": row.downloads,
        "error": row.error,
    }


def _actor() -> dict:
    return {
        "actor_id": current_user.employee_id,
        "token_id": getattr(current_user, "api_token_id", None),
    }


@blp.route("/privacy/subject-access")
class SubjectAccessRequests(MethodView):
    @token_scope("privacy:write")
    @role_required(*HR_ONLY)
    @blp.arguments(SubjectAccessArgs)
    @blp.response(202, SubjectAccessRequestSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="The caller is not HR")
    @blp.alt_response(404, schema=ErrorSchema, description="No person with that number")
    @blp.alt_response(422, schema=ErrorSchema, description="A field is missing or invalid")
    def post(self, args: dict):
        """Ask for everything LearnHub holds about one person as a ZIP (GDPR articles 15 and
        20), made by a background job; poll the request, then download its file."""
        person = erasure.find_person(args["employee_number"])
        row = subject_access.request_export(person, args["reason"], **_actor())
        return _dump(row)


@blp.route("/privacy/subject-access/<int:request_id>")
class SubjectAccessRequestOne(MethodView):
    @token_scope("privacy:read")
    @role_required(*HR_ONLY)
    @blp.response(200, SubjectAccessRequestSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="The caller is not HR")
    @blp.alt_response(404, schema=ErrorSchema, description="No such request")
    def get(self, request_id: int):
        """One subject access request: its state, and its file's digest while ready."""
        return _dump(subject_access.get_request(request_id))


@blp.route("/privacy/subject-access/<int:request_id>/file")
class SubjectAccessFile(MethodView):
    @token_scope("privacy:read")
    @role_required(*HR_ONLY)
    @blp.response(200, content_type="application/zip", description="The ZIP (audited)")
    @blp.alt_response(403, schema=ErrorSchema, description="The caller is not HR")
    @blp.alt_response(404, schema=ErrorSchema, description="No such request")
    @blp.alt_response(409, schema=ErrorSchema, description="Not ready, failed or expired")
    def get(self, request_id: int):
        """Download the ZIP of a ready request (each download is audited). The
        ``Repr-Digest`` header (RFC 9530) carries its SHA-256."""
        row = subject_access.get_request(request_id)
        return subject_access.file_response(row, subject_access.record_download(row))


@blp.route("/privacy/erasures")
class Erasures(MethodView):
    @token_scope("privacy:write")
    @role_required(*HR_ONLY)
    @blp.arguments(ErasureArgs)
    @blp.response(200, ErasureSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="The caller is not HR")
    @blp.alt_response(404, schema=ErrorSchema, description="No person with that number")
    @blp.alt_response(
        409, schema=ErrorSchema, description="Still employed, on legal hold, or erased already"
    )
    @blp.alt_response(422, schema=ErrorSchema, description="A field is missing or invalid")
    def post(self, args: dict):
        """Erase the personal data of a person who has left (GDPR article 17); the figures
        and the audit of the erasure stay."""
        person = erasure.find_person(args["employee_number"])
        done = erasure.erase_person(person, args["reason"], actor_id=current_user.employee_id)
        return done.__dict__


@blp.route("/privacy/legal-holds")
class LegalHolds(MethodView):
    @token_scope("privacy:write")
    @role_required(*HR_ONLY)
    @blp.arguments(LegalHoldArgs)
    @blp.response(200, LegalHoldSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="The caller is not HR")
    @blp.alt_response(404, schema=ErrorSchema, description="No person with that number")
    @blp.alt_response(422, schema=ErrorSchema, description="A field is missing or invalid")
    def post(self, args: dict):
        """Set or lift a legal hold, which stops erasure on request and by retention."""
        person = erasure.find_person(args["employee_number"])
        erasure.set_legal_hold(
            person, args["on"], args["reason"], actor_id=current_user.employee_id
        )
        return {"employee_number": person.employee_number, "legal_hold": person.legal_hold}
