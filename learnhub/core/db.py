"""The Flask-SQLAlchemy instance every model and service uses.

It lives in core so that core's own models (the audit log, the email outbox) and the
transaction helpers can use it; :mod:`learnhub.extensions` re-exports it with the other bare
extension instances, and :func:`learnhub.app.create_app` binds it to the app.
"""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects import postgresql, sqlite

from learnhub.core.models import Base

db = SQLAlchemy(model_class=Base)


def dialect_insert(model: type) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of ``model`` that can take ``on_conflict_do_update`` / ``do_nothing`` on the
    database of the current session (PostgreSQL or SQLite, the two LearnHub runs on)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)
