"""What every feature stands on: the base model and ``db``, transactions, errors, the audit log,
the email outbox, security helpers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the transaction commit points and the error handlers (after flask-smorest's
    ``api.init_app``: ours replace its HTTP error handler) and make core's tables known."""
    import learnhub.core.audit  # the audit log's table (importing a model module adds it)
    import learnhub.core.mail  # noqa: F401  (the outbox's table)
    from learnhub.core import transactions
    from learnhub.core.errors import register_error_handlers

    transactions.init_app(app)
    register_error_handlers(app)
