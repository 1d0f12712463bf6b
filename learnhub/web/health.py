"""``GET /healthz``: the app answers and its database does."""

from flask import Blueprint
from sqlalchemy import text

from learnhub.extensions import db

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Return ``{"status": "ok", "database": "ok"}`` (200), or 503 when the database fails."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:
        return {"status": "error", "database": type(error).__name__}, 503
    return {"status": "ok", "database": "ok"}, 200
