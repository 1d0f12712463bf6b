"""The application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, request
from flask.logging import default_handler
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from learnhub import (
    assignments,
    auth,
    catalog,
    core,
    credentials,
    org,
    privacy,
    progress,
    questionbank,
    quizzes,
    reports,
    skills,
    web,
)
from learnhub.config import PROJECT_ROOT, load_config
from learnhub.core.tasks import celery_init_app
from learnhub.demo import demo_cli
from learnhub.extensions import api, csrf, db, limiter, login_manager, migrate

logger = logging.getLogger(__name__)

#: the features in the order they wire themselves (see create_app)
FEATURES = (
    core,
    org,
    auth,
    skills,
    questionbank,
    quizzes,
    catalog,
    progress,
    assignments,
    credentials,
    reports,
    privacy,
    web,
)
#: the modules holding Celery tasks: a worker imports them at start and knows each task by name
TASK_MODULES = (
    "learnhub.org.tasks",
    "learnhub.auth.tasks",
    "learnhub.quizzes.tasks",
    "learnhub.skills.tasks",
    "learnhub.assignments.tasks",
    "learnhub.privacy.tasks",
    "learnhub.progress.tasks",
    "learnhub.reports.jobs.tasks",
)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build a LearnHub app: config from ``LEARNHUB_*`` variables, then ``overrides`` on top
    (tests pass their database URL and cheap password hashing here)."""
    instance_path = Path(os.environ.get("LEARNHUB_INSTANCE_PATH", PROJECT_ROOT / "instance"))
    # no app-wide static route: it would shadow the web blueprint's /static (its CSS and JS)
    app = Flask(__name__, instance_path=str(instance_path.resolve()), static_folder=None)
    app.url_map.converters["int"] = DatabaseId
    app.config.from_mapping(load_config(instance_path))
    if overrides:
        app.config.update(overrides)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _log_limiter_fallback()
    api.init_app(app)

    # Each feature wires itself (tables, blueprints, CLI, receivers), lowest layer first, with
    # one exception: quizzes lends catalog a module's quiz (catalog.presentation's hook), and
    # catalog's API is documented when its blueprint is registered, so quizzes (and the bank
    # below it) are wired before catalog.
    for feature in FEATURES:
        feature.init_app(app)
    app.cli.add_command(demo_cli)
    _register_csrf(app)
    _register_security_headers(app)
    proxies = app.config["LEARNHUB_PROXY_COUNT"]
    if proxies:  # behind N reverse proxies: the client's address is in X-Forwarded-For
        # Flask docs ("Tell Flask it is Behind a Proxy"): wrap the WSGI callable in place
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    celery_init_app(app, TASK_MODULES)

    @app.context_processor
    def _csrf_token() -> dict[str, Any]:
        return {"csrf_token": generate_csrf}

    return app


def _log_limiter_fallback() -> None:
    # Flask-Limiter says "Rate limit storage unreachable - falling back to in-memory storage"
    # (Redis down) on its "flask-limiter" logger, which has only a NullHandler: unless logging
    # is configured, send it where the app's own log goes (stderr), once.
    limiter_log = logging.getLogger("flask-limiter")
    if not logging.getLogger().handlers and default_handler not in limiter_log.handlers:
        limiter_log.addHandler(default_handler)


def _register_csrf(app: Flask) -> None:
    # TRAPS.md: CSRF on every cookie-authenticated write, but not on bearer-token API calls.
    @app.before_request
    def _protect() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return
        if request.routing_exception is not None:
            return  # no such route or method: its 404 or 405 comes first, no view runs
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            return  # no session, nothing to forge: the view answers 401 as documented
        # a multipart part whose name has a line break is parsed with the name None, which
        # Flask-WTF's form scan cannot handle (a 500); it is a malformed request
        if None in request.form or None in request.files:
            abort(400, description="A multipart field has no readable name.")
        csrf.protect()


class DatabaseId(IntegerConverter):
    """``<int:…>`` in routes: ids past a 32-bit signed integer (PostgreSQL's ``integer``) are
    no route (404), not a database error (500)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        # a signed-in answer carries personal data: no browser or proxy may keep a copy (the
        # back button after sign-out, a shared computer). The user is looked at only if the
        # request loaded it, so static files cost no query.
        user = g.get("_login_user")
        if getattr(user, "is_authenticated", False):
            response.headers["Cache-Control"] = "no-store"
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS only (LEARNHUB_SECURE_COOKIES)
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
