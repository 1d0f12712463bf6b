"""Quizzes: versioned quizzes of modules, learners' attempts, scoring, regrading, essay review
and time limits. Questions and question banks are ``learnhub.questionbank``'s (below this
package); the catalogue shows a module's quiz through the hook :func:`init_app` registers with
``learnhub.catalog.presentation``. The README's "What is where" lists the modules.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire quizzes into ``app``: its tables, the quiz and diagnostic parts of the content
    loader, a module's quiz lent to the catalogue, its APIs and ``flask quizzes`` (with the bank
    commands)."""
    import learnhub.quizzes.models  # noqa: F401  (its tables join the metadata)
    from learnhub.catalog.loader import register_course_part, register_module_part
    from learnhub.catalog.presentation import register_module_quiz
    from learnhub.extensions import api
    from learnhub.quizzes.admin_api import blp as quiz_admin_api
    from learnhub.quizzes.api import blp as quizzes_api
    from learnhub.quizzes.cli import quizzes_cli
    from learnhub.quizzes.content_loader import QUIZ_PART
    from learnhub.quizzes.diagnostic import DIAGNOSTIC_PART
    from learnhub.quizzes.presentation import MODULE_QUIZ

    register_module_part(QUIZ_PART)
    register_course_part(DIAGNOSTIC_PART)
    register_module_quiz(MODULE_QUIZ)
    api.register_blueprint(quizzes_api, url_prefix="/api/v1")
    api.register_blueprint(quiz_admin_api, url_prefix="/api/v1")
    app.cli.add_command(quizzes_cli)
