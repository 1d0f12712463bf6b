"""The application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_wtf.csrf import generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from learnhub.config import PROJECT_ROOT, load_config
from learnhub.core.errors import register_error_handlers
from learnhub.extensions import api, csrf, db, limiter, login_manager, migrate

logger = logging.getLogger(__name__)


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
    api.init_app(app)

    _import_models()
    _register_blueprints(app)
    register_error_handlers(app)
    _register_csrf(app)
    _register_cli(app)
    _register_security_headers(app)
    proxies = app.config["LEARNHUB_PROXY_COUNT"]
    if proxies:  # behind N reverse proxies: the client's address is in X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from learnhub.core.tasks import celery_init_app

    celery_init_app(app)

    @app.context_processor
    def _csrf_token() -> dict[str, Any]:
        return {"csrf_token": generate_csrf}

    return app


def _import_models() -> None:
    # Every model must be known to the metadata before migrations or queries run.
    import learnhub.auth.models
    import learnhub.auth.receivers  # leavers lose access; people an import added are invited
    import learnhub.auth.sessions  # the session user loader, idle and absolute timeouts
    import learnhub.auth.tokens  # the bearer-token request loader
    import learnhub.catalog.models
    import learnhub.core.audit
    import learnhub.core.mail
    import learnhub.org.models
    import learnhub.org.reporting  # the reporting-line closure follows every ORM flush
    import learnhub.progress.models
    import learnhub.progress.services  # signal receivers
    import learnhub.quizzes.content  # registers the quiz part of the content loader
    import learnhub.quizzes.models
    import learnhub.skills.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from learnhub.auth.api import blp as auth_api
    from learnhub.auth.views import blp as auth_views
    from learnhub.progress.api import blp as progress_api
    from learnhub.quizzes.admin_api import blp as quiz_admin_api
    from learnhub.quizzes.api import blp as quizzes_api
    from learnhub.reports.api import blp as reports_api
    from learnhub.skills.api import blp as skills_api
    from learnhub.web.health import blp as health
    from learnhub.web.views import blp as web_views

    app.register_blueprint(health)
    app.register_blueprint(auth_views)
    app.register_blueprint(web_views)
    for blueprint in (quizzes_api, progress_api, skills_api, reports_api, auth_api, quiz_admin_api):
        api.register_blueprint(blueprint, url_prefix="/api/v1")


def _register_csrf(app: Flask) -> None:
    # TRAPS.md: CSRF on every cookie-authenticated write, but not on bearer-token API calls.
    @app.before_request
    def _protect() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return
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
        return response


def _register_cli(app: Flask) -> None:
    from learnhub.auth.cli import auth_cli
    from learnhub.catalog.cli import content_cli
    from learnhub.demo import demo_cli
    from learnhub.org.cli import org_cli
    from learnhub.quizzes.cli import quizzes_cli
    from learnhub.reports.cli import reports_cli
    from learnhub.skills.cli import skills_cli

    for group in (content_cli, org_cli, skills_cli, reports_cli, demo_cli, auth_cli, quizzes_cli):
        app.cli.add_command(group)
