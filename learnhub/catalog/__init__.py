"""Courses, modules, the content loader and Markdown rendering."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Make catalog's tables known, serve ``/api/v1/courses`` and ``/api/v1/modules/<id>``
    and add ``flask content``. A module's quiz comes through the hook quizzes registers first
    (``learnhub.catalog.presentation.register_module_quiz``)."""
    import learnhub.catalog.models  # noqa: F401  (its tables join the metadata)
    from learnhub.catalog.api import blp
    from learnhub.catalog.cli import content_cli
    from learnhub.extensions import api

    api.register_blueprint(blp, url_prefix="/api/v1")
    app.cli.add_command(content_cli)
