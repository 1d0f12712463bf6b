"""Enrolments, module progress, course completion and the xAPI statement log."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire progress into ``app``: its tables, its receivers of the attempt signals, its APIs
    and ``flask xapi``."""
    import learnhub.progress.models  # noqa: F401  (its tables join the metadata)
    from learnhub.extensions import api
    from learnhub.progress import services, test_out
    from learnhub.progress.api import blp as progress_api
    from learnhub.progress.xapi.api import blp as xapi_api
    from learnhub.progress.xapi.cli import xapi_cli
    from learnhub.quizzes.signals import attempt_regraded, attempt_started, attempt_submitted

    attempt_started.connect(services.on_attempt_started)
    attempt_submitted.connect(services.on_attempt_submitted)
    attempt_regraded.connect(services.on_attempt_regraded)
    attempt_started.connect(test_out.on_attempt_started)
    attempt_submitted.connect(test_out.on_attempt_submitted)
    attempt_regraded.connect(test_out.on_attempt_regraded)

    api.register_blueprint(progress_api, url_prefix="/api/v1")
    api.register_blueprint(xapi_api, url_prefix="/api/v1")
    app.cli.add_command(xapi_cli)
