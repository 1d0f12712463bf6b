"""Personal data on request and by retention (issue 15; GDPR articles 15, 17, 20 and 5(1)(e)):
the subject access export of one person, erasure of one person on HR's request, the retention
run that erases leavers after LEARNHUB_RETENTION_YEARS, and the legal hold that stops both."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire privacy into ``app``: its table, API (``/api/v1/privacy/…``) and CLI
    (``flask privacy …``); its pages are in learnhub.web."""
    import learnhub.privacy.models  # noqa: F401  (its table joins the metadata)
    from learnhub.auth import audit_log
    from learnhub.extensions import api
    from learnhub.privacy.api import blp
    from learnhub.privacy.audit_about import OWNED_KINDS
    from learnhub.privacy.cli import privacy_cli

    api.register_blueprint(blp, url_prefix="/api/v1")
    app.cli.add_command(privacy_cli)
    # the audit log names the owner of an attempt, evidence or token (auth is below them)
    audit_log.register_owned_kinds(OWNED_KINDS)
