"""The API's OpenAPI contract, beyond what each view's schemas say: the error envelope, how
clients authenticate, and the answers every operation can give because of that.

:class:`LearnHubApi` is flask-smorest's ``Api`` with

- :class:`ErrorSchema` as the error envelope ``{"code", "status", "message", "errors"}``
  (learnhub.core.errors answers with it); every 422, from a schema or from a service, has
  ``errors.issues`` and, for a schema error, the messages by location and field;
- no catch-all ``default`` response: each operation lists the status codes it can answer with,
  so a test that meets an undocumented one fails;
- the security schemes: the session cookie with the CSRF header on writes (``X-CSRFToken``,
  the page's ``<meta name="csrf-token">``), and ``Authorization: Bearer <token>`` on the
  operations whose view accepts a token scope (``learnhub.core.security.token_scope``). Each
  operation's ``security`` and its 400/401/403 answers are derived from the view itself, so
  the document cannot drift from what is enforced (a write without a session is 401, not a
  CSRF failure: learnhub.app checks CSRF only for signed-in callers of the API);
- the ``X-Pagination`` header documented as what it is: a JSON object in a header.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields, validate

from learnhub.core.security import SCOPE_ATTRIBUTE

SAFE_METHODS = frozenset({"get", "head", "options"})

SECURITY_SCHEMES = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The sign-in cookie of a browser session (sign in at /sign-in).",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "With the session cookie, every write sends the CSRF token of the "
        'page\'s <meta name="csrf-token">.',
    },
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (HR and platform admins create them). It authenticates "
        "alone (the cookie is then ignored) and reaches only the operations that accept one of "
        "its scopes: see each operation's x-token-scope.",
    },
}

#: response components every operation may reference: name -> (status, description)
AUTH_RESPONSES = {
    "BAD_REQUEST_OR_CSRF": (
        400,
        "Bad request: a signed-in write without a valid CSRF token, a body that is not JSON or "
        "nested too deeply, a number too large for the database, or a request the rules refuse",
    ),
    "SIGN_IN_REQUIRED": (
        401,
        "Not signed in (no or an expired session), or an unknown, expired or revoked API token",
    ),
    "TOKEN_SCOPE_MISSING": (
        403,
        "The API token lacks the scope this operation needs, or its owner lost the role "
        "that allows it",
    ),
}


class ErrorIssueSchema(Schema):
    where = fields.String(
        metadata={
            "description": "where the problem is: a field (`json.name`), a line of an "
            "uploaded file (`line 3`), a question (`question 12`)…"
        }
    )
    message = fields.String()


class ErrorDetailsSchema(Schema):
    """``errors`` of the envelope: empty for most errors; on 422 ``issues`` lists every problem,
    and a schema error also gives its messages by location and field (``{"json": {"name":
    ["Missing data for required field."]}}``)."""

    issues = fields.List(fields.Nested(ErrorIssueSchema))
    json = fields.Dict(metadata={"description": "schema messages by body field"})
    query = fields.Dict(metadata={"description": "schema messages by query parameter"})
    files = fields.Dict(metadata={"description": "schema messages by multipart file field"})
    form = fields.Dict(metadata={"description": "schema messages by form field"})
    headers = fields.Dict(metadata={"description": "schema messages by header"})
    cookies = fields.Dict(metadata={"description": "schema messages by cookie"})
    path = fields.Dict(metadata={"description": "schema messages by path parameter"})


class ErrorSchema(Schema):
    """The one error envelope of the API."""

    code = fields.Integer(metadata={"description": "the HTTP status code"})
    status = fields.String(metadata={"description": "the HTTP status phrase"})
    message = fields.String(metadata={"description": "what went wrong, for a person"})
    errors = fields.Nested(ErrorDetailsSchema)


#: ``@blp.alt_response(403, **ROLE_403)``: the role check of an operation refused the caller
ROLE_403 = {"schema": ErrorSchema, "description": "The caller lacks the role"}


def issues_from_messages(messages: dict[str, Any]) -> list[dict[str, str]]:
    """Flatten marshmallow messages by location (``{"json": {"a": {"b": ["msg"]}}}``) into
    issues (``[{"where": "json.a.b", "message": "msg"}]``)."""
    issues: list[dict[str, str]] = []

    def walk(where: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{where}.{key}" if where else str(key), inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(where, inner)
        else:
            issues.append({"where": where, "message": str(value)})

    walk("", messages)
    return issues


def _dict_key_pattern(converter, field: fields.Field, **kwargs: Any) -> dict:
    """apispec attribute function: a ``Dict`` whose keys must match a pattern (question ids)
    says so with ``propertyNames`` (JSON Schema, OpenAPI 3.1), so the document does not allow
    keys the API refuses."""
    key_field = getattr(field, "key_field", None) if isinstance(field, fields.Dict) else None
    patterns = [
        v.regex.pattern
        for v in getattr(key_field, "validators", ())
        if isinstance(v, validate.Regexp)
    ]
    return {"propertyNames": {"pattern": patterns[0]}} if patterns else {}


class _AuthPlugin(BasePlugin):
    """Give each operation its ``security``, ``x-token-scope`` and the 400/401/403 answers
    that come from authentication, read from the view function that serves it."""

    def __init__(self, api: LearnHubApi) -> None:
        self.api = api

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        view = self.api._app.view_functions.get(rule.endpoint)
        view_class = getattr(view, "view_class", None)
        for method, operation in operations.items():
            handler = getattr(view_class, method, None) if view_class else view
            scope = getattr(handler, SCOPE_ATTRIBUTE, None)
            session: dict[str, list[str]] = (
                {"session": []} if method in SAFE_METHODS else {"session": [], "csrf": []}
            )
            operation["security"] = [session, {"bearer": []}] if scope else [session]
            responses = operation.setdefault("responses", {})
            responses.setdefault(401, "SIGN_IN_REQUIRED")
            responses.setdefault(400, "BAD_REQUEST_OR_CSRF")
            if scope:
                operation["x-token-scope"] = scope
                role_check = responses.get(403)
                if isinstance(role_check, dict):  # the view documents its own 403: add ours
                    role_check["description"] += (
                        f"; or the API token lacks the scope {scope!r}, or its owner lost the "
                        "role that allows it"
                    )
                else:
                    responses[403] = "TOKEN_SCOPE_MISSING"


class LearnHubApi(Api):
    """flask-smorest's ``Api`` with LearnHub's contract (see the module docstring)."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _init_spec(self, **kwargs: Any) -> None:
        kwargs["extra_plugins"] = [*(kwargs.get("extra_plugins") or ()), _AuthPlugin(self)]
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(_dict_key_pattern)
        for name, scheme in SECURITY_SCHEMES.items():
            self.spec.components.security_scheme(name, scheme)

    def _register_responses(self) -> None:
        super()._register_responses()
        for name, (_status, description) in AUTH_RESPONSES.items():
            response = {"description": description, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(name, response, lazy=True)

    def _register_pagination_header(self) -> None:
        # the header's value is JSON, not OpenAPI's "simple" serialisation of an object
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Paging as JSON: total, total_pages, first_page, last_page, "
                "page, previous_page, next_page (the last two only when there is one)",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )
