"""Marshmallow schemas of the API tokens and audit-log API (dump and load schemas apart)."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from learnhub.auth.permissions import SCOPES


class ApiTokenSchema(Schema):
    """A token as listed: never its secret."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "first characters, to recognise it"})
    scopes = fields.List(fields.String())
    owner_id = fields.Integer(allow_none=True, metadata={"description": "employee id"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)


class NewApiTokenSchema(ApiTokenSchema):
    """The token just created, with its secret: shown this once, never stored."""

    token = fields.String(metadata={"description": "send as 'Authorization: Bearer <token>'"})


class ApiTokenCreateArgs(Schema):
    """What ``create_token`` checks (and answers 422 for, with its own issues) is documented
    here too, so the document allows only what the API accepts."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"pattern": r"\S", "description": "not blank"},
    )
    scopes = fields.List(
        fields.String(metadata={"enum": sorted(SCOPES)}),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "only scopes a role of the caller allows"},
    )
    expires_days = fields.Integer(
        load_default=90,
        metadata={
            "minimum": 1,
            "maximum": 365,
            "description": "1 to LEARNHUB_TOKEN_MAX_DAYS (365 unless configured lower)",
        },
    )


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "employee id"})
    actor_token_id = fields.Integer(allow_none=True, metadata={"description": "API token id"})
    target = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    details = fields.Dict()


class AuditEventArgs(Schema):
    """Filters: one action, and a time range [since, until) (ISO 8601; a date means its
    midnight UTC)."""

    action = fields.String(validate=validate.Length(min=1, max=80))
    since = fields.AwareDateTime(default_timezone=UTC)
    until = fields.AwareDateTime(default_timezone=UTC)
