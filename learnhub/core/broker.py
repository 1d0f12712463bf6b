"""The Redis that LEARNHUB_REDIS_URL names (Celery's broker and the rate-limit store), as a
client with short timeouts: Redis is a wake-up signal and a cache of counters, so a request
must never hang on it (DESIGN.md: Redis down is survivable)."""

from __future__ import annotations

import redis
from flask import Flask, current_app

#: seconds to connect to Redis, and to wait for one answer
REDIS_TIMEOUT = 1.0


def redis_client(app: Flask | None = None) -> redis.Redis | None:
    """The app's Redis client (one connection pool per app), or None without LEARNHUB_REDIS_URL.
    Creating it never connects; each command may raise ``redis.RedisError``."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("LEARNHUB_REDIS_URL")
    if not url:
        return None
    client = app.extensions.get("learnhub.redis")
    if client is None:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        app.extensions["learnhub.redis"] = client
    return client


def redis_state(app: Flask | None = None) -> str | None:
    """``"ok"`` when Redis answers a PING, ``"down: <error>"`` when it does not, None when no
    Redis is configured."""
    client = redis_client(app)
    if client is None:
        return None
    try:
        client.ping()
    except redis.RedisError as error:
        return f"down: {type(error).__name__}"
    return "ok"
