"""Domain errors and the one error envelope.

Services raise :class:`DomainError` subclasses; the handlers registered by
:func:`register_error_handlers` turn them (and every HTTP error) into
``{"code", "status", "message", "errors"}`` under ``/api/`` and an HTML page elsewhere
(TRAPS.md: flask-smorest would otherwise answer JSON for HTML views too). Each handler first
ends the request's transaction (:func:`learnhub.core.transactions.end_after_error`): rolled
back, unless the error keeps the changes made before it. The envelope is documented by
:class:`learnhub.core.openapi.ErrorSchema`: every 422 has ``errors.issues = [{"where",
"message"}]``, and a schema error also has its messages by location and field
(``errors.json.<field>``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http import HTTPStatus

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from learnhub.core.openapi import issues_from_messages
from learnhub.core.transactions import end_after_error

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issue:
    """One problem found in an input, with where it is.

    ``where`` is a human location such as ``"content/courses/x/course.yaml, line 12"`` or
    ``"row 7, column 'Manager ID'"``; ``message`` says what is wrong.
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


class DomainError(Exception):
    """A rule of LearnHub was broken by the caller's input; maps to a 4xx answer."""

    status_code = 400
    #: True when the work done before the refusal must be committed anyway (the attempt was
    #: closed because its time was up, then the late answers refused); the commit point of the
    #: request, task or command commits before answering with the error
    keep_changes = False

    def __init__(self, message: str, errors: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors or [])


class ValidationFailed(DomainError):
    """An input (import file, form, API body) was invalid; nothing was changed."""

    status_code = 422

    def __str__(self) -> str:
        lines = [self.message, *(f"  - {issue}" for issue in self.errors)]
        return "\n".join(lines)


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


def _envelope(code: int, message: str, errors: object = None) -> Response:
    body = {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": message,
        "errors": errors or {},
    }
    response = jsonify(body)
    response.status_code = code
    return response


def _wants_json() -> bool:
    # integrations (bearer tokens) get the JSON envelope wherever they call
    return (
        request.path.startswith("/api/")
        or request.path == "/healthz"
        or request.headers.get("Authorization", "").startswith("Bearer ")
    )


def _html(code: int, message: str) -> tuple[str, int]:
    status = HTTPStatus(code).phrase
    try:
        return render_template("error.html", code=code, status=status, message=message), code
    except Exception:  # the page itself failed (e.g. the database is down): plain HTML
        logger.exception("error page could not be rendered")
        return (
            f"<!doctype html><title>{code} {status}</title><h1>{code} {status}</h1>"
            f"<p>{escape(message)}</p>",
            code,
        )


def _holds_nul() -> bool:
    """Whether the request's path, query string or form holds a NUL character (``%00``)."""
    values = [request.path, *request.args.values(), *request.form.values()]
    return any("\x00" in value for value in values)


def register_error_handlers(app: Flask) -> None:
    """Register JSON-or-HTML handlers for domain errors, CSRF failures and HTTP errors."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        end_after_error(error)
        errors = [issue.as_dict() for issue in error.errors]
        if _wants_json():
            if errors or error.status_code == 422:
                return _envelope(error.status_code, error.message, {"issues": errors})
            return _envelope(error.status_code, error.message)
        return _html(error.status_code, error.message)

    @app.errorhandler(RecursionError)
    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _hostile(error: Exception):
        # a JSON body nested thousands deep, or a number past any database integer (SQLite
        # raises OverflowError before sending it, PostgreSQL answers with a DataError)
        end_after_error(error)  # PostgreSQL: the transaction is aborted; the page needs a new one
        if isinstance(error, DataError):
            logger.info("database refused a value: %s", error.orig)
        if isinstance(error, RecursionError):
            message = "The request body is nested too deeply."
        elif isinstance(error, OverflowError):
            message = "A number in the request is too large."
        elif _holds_nul():
            # what the pages' own checks (People, audit log) do not catch: PostgreSQL text
            # holds no NUL; say which character, not "out of range"
            message = (
                "A value in the request holds the NUL character (%00), which cannot be stored "
                "or searched for: remove it and try again."
            )
        else:
            message = "A value in the request is out of range or not allowed by the database."
        if _wants_json():
            return _envelope(400, message)
        return _html(400, message)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        end_after_error(error)
        if _wants_json():
            return _envelope(400, f"CSRF check failed: {error.description}")
        # plain words for people; the technical reason stays for whoever supports them
        return _html(
            400,
            "This page had expired or your session had ended, so what you sent was not "
            "saved. Go back, reload the page and try again. (Security check: CSRF token "
            f"missing or out of date — {error.description})",
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        end_after_error(error)
        code = error.code or 500
        message = error.description or HTTPStatus(code).phrase
        if _wants_json():
            # flask-smorest puts marshmallow messages by location in error.data["messages"];
            # a 422 also lists them as issues, like a service's 422 (one shape for both)
            data = getattr(error, "data", None) or {}
            errors = data.get("messages") if isinstance(data, dict) else None
            if isinstance(errors, dict):  # {"json": ["Invalid JSON body."]}: not by field
                errors = {
                    location: {"_schema": found} if isinstance(found, list) else found
                    for location, found in errors.items()
                }
            if code == 422:
                errors = {**(errors or {}), "issues": issues_from_messages(errors or {})}
            response = _envelope(code, message, errors)
            for name, value in getattr(error, "get_headers", lambda: [])() or []:
                if name.lower() not in ("content-type", "content-length"):
                    response.headers[name] = value
            return response
        return _html(code, message)
