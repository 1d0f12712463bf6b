"""Celery bound to the Flask app (the Flask docs' "Celery background tasks" pattern).

Each task runs inside a fresh app context, so it gets its own database session and never a
request's finished one (TRAPS.md), and in one transaction: committed once when the task body
returns, rolled back when it raises (:mod:`learnhub.core.transactions`). With no broker
configured, tasks run eagerly in-process.
"""

from __future__ import annotations

from collections.abc import Sequence

from celery import Celery, Task
from flask import Flask

from learnhub.core.transactions import unit_of_work


def celery_init_app(app: Flask, task_modules: Sequence[str]) -> Celery:
    """Create the Celery app for ``app``, store it in ``app.extensions["celery"]``, return it.

    ``task_modules`` are the dotted names of the modules holding tasks; a worker imports them
    when it starts, so it knows every task by name (the web imports the tasks it queues).
    """

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context(), unit_of_work():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.import_name, task_cls=FlaskTask, include=list(task_modules))
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
