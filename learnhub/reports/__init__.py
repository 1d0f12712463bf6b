"""Completion exports, the team and person views, dashboards (reads every feature's models)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add reports' API and ``flask reports``."""
    from learnhub.extensions import api
    from learnhub.reports.api import blp as reports_api
    from learnhub.reports.cli import reports_cli
    from learnhub.reports.closing_api import blp as gaps_api
    from learnhub.reports.directory_api import blp as directory_api
    from learnhub.reports.heatmap_api import blp as heatmap_api
    from learnhub.reports.jobs.api import blp as export_jobs_api
    from learnhub.reports.record_api import blp as record_api
    from learnhub.reports.trends_api import blp as trends_api

    api.register_blueprint(reports_api, url_prefix="/api/v1")
    api.register_blueprint(gaps_api, url_prefix="/api/v1")
    api.register_blueprint(heatmap_api, url_prefix="/api/v1")
    api.register_blueprint(trends_api, url_prefix="/api/v1")
    api.register_blueprint(directory_api, url_prefix="/api/v1")
    api.register_blueprint(export_jobs_api, url_prefix="/api/v1")
    api.register_blueprint(record_api, url_prefix="/api/v1")
    app.cli.add_command(reports_cli)
