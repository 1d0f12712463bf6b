"""Quizzes, questions, attempts and scoring."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire quizzes into ``app``: its tables, the quiz part of the content loader, its APIs and
    ``flask quizzes``."""
    import learnhub.quizzes.models  # noqa: F401  (its tables join the metadata)
    from learnhub.catalog.loader import register_module_part
    from learnhub.extensions import api
    from learnhub.quizzes.admin_api import blp as quiz_admin_api
    from learnhub.quizzes.api import blp as quizzes_api
    from learnhub.quizzes.cli import quizzes_cli
    from learnhub.quizzes.content import QUIZ_PART

    register_module_part(QUIZ_PART)
    api.register_blueprint(quizzes_api, url_prefix="/api/v1")
    api.register_blueprint(quiz_admin_api, url_prefix="/api/v1")
    app.cli.add_command(quizzes_cli)
