"""The Flask-SQLAlchemy instance every model and service uses.

It lives in core so that core's own models (the audit log, the email outbox) and the
transaction helpers can use it; :mod:`learnhub.extensions` re-exports it with the other bare
extension instances, and :func:`learnhub.app.create_app` binds it to the app.
"""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy

from learnhub.core.models import Base

db = SQLAlchemy(model_class=Base)
