"""``GET /healthz``: the state of each dependency, for a load balancer and for people.

The status code is the load balancer's rule: 503 only when this instance cannot serve pages
(its database fails); 200 otherwise, with ``"status": "degraded"`` when Redis is down, recompute
requests wait longer than LEARNHUB_RECOMPUTE_STALE_SECONDS or xAPI statements wait for the LRS
longer than LEARNHUB_XAPI_STALE_SECONDS. Pages and sign-in keep working then
(the rate limiter counts in memory, requests wait in the database for a worker), and Redis is
shared by every instance: taking them all out of rotation would turn a degraded service into an
outage.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import text

from learnhub.core.broker import redis_state
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.progress.xapi.forwarding import backlog
from learnhub.skills.recompute import pending_requests

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """Return, with 200 (or 503 when the database fails)::

    {"status": "ok" | "degraded" | "error",
     "database": "ok" | "<error class>",
     "redis": "ok" | "down: <error class>",      # only when LEARNHUB_REDIS_URL is set
     "recompute_requests": {"pending": int, "oldest_age_seconds": float | None},
     "xapi_outbox": {"pending": int, "oldest_age_seconds": float | None, "failing": int}}

    ``xapi_outbox``: statements waiting for the LRS (LEARNHUB_LRS_URL); "degraded" when one
    waits longer than LEARNHUB_XAPI_STALE_SECONDS (the LRS is down or refusing, or no worker
    sends).
    """
    try:
        db.session.execute(text("SELECT 1"))
        pending, oldest = pending_requests()
        outbox = backlog()
    except Exception as error:
        db.session.rollback()
        return {"status": "error", "database": type(error).__name__}, 503
    age = round((utcnow() - oldest).total_seconds(), 1) if oldest is not None else None
    body: dict[str, Any] = {"status": "ok", "database": "ok"}
    redis = redis_state()
    if redis is not None:
        body["redis"] = redis
    body["recompute_requests"] = {"pending": pending, "oldest_age_seconds": age}
    xapi_age = (
        round((utcnow() - outbox.oldest).total_seconds(), 1) if outbox.oldest is not None else None
    )
    body["xapi_outbox"] = {
        "pending": outbox.pending,
        "oldest_age_seconds": xapi_age,
        "failing": outbox.failing,
    }
    stale_after = current_app.config["LEARNHUB_RECOMPUTE_STALE_SECONDS"]
    xapi_stale = (
        xapi_age is not None and xapi_age > current_app.config["LEARNHUB_XAPI_STALE_SECONDS"]
    )
    if (
        (redis is not None and redis != "ok")
        or (age is not None and age > stale_after)
        or xapi_stale
    ):
        body["status"] = "degraded"
    return body, 200
