"""Celery bound to the Flask app (the Flask docs' "Celery background tasks" pattern).

Each task runs inside a fresh app context, so it gets its own database session and never a
request's finished one (TRAPS.md). With no broker configured, tasks run eagerly in-process.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app``, store it in ``app.extensions["celery"]``, return it."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    # Import task modules so the worker registers them by name.
    import learnhub.auth.tasks
    import learnhub.quizzes.tasks
    import learnhub.skills.tasks  # noqa: F401

    return celery_app
