"""Personal data on request and by retention (issue 15; GDPR articles 17 and 5(1)(e)): erasure
of one person on HR's request, the retention run that erases leavers after
LEARNHUB_RETENTION_YEARS, and the legal hold that stops both."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire privacy into ``app``: its CLI (``flask privacy …``)."""
    from learnhub.privacy.cli import privacy_cli

    app.cli.add_command(privacy_cli)
