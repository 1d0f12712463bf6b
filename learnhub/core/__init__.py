"""What every feature stands on: the base model and ``db``, transactions, errors, the audit log,
the email outbox, security helpers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the transaction commit points and the error handlers (after flask-smorest's
    ``api.init_app``: ours replace its HTTP error handler) and make core's tables known."""
    from learnhub.core import audit, mail, transactions  # noqa: F401  (the audit log and outbox tables)
    from learnhub.core.errors import register_error_handlers

    transactions.init_app(app)
    register_error_handlers(app)
