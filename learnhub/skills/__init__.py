"""Competence frameworks, evidence, target profiles, skill gaps and team summaries."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire skills into ``app``: its tables, its receivers of org's signals, its API and
    ``flask skills``."""
    import learnhub.skills.models  # noqa: F401  (its tables join the metadata)
    from learnhub.extensions import api
    from learnhub.org.signals import job_codes_planned, people_changed
    from learnhub.skills import receivers
    from learnhub.skills.api import blp as skills_api
    from learnhub.skills.cli import skills_cli

    people_changed.connect(receivers.on_people_changed)
    job_codes_planned.connect(receivers.on_job_codes_planned)

    api.register_blueprint(skills_api, url_prefix="/api/v1")
    app.cli.add_command(skills_cli)
