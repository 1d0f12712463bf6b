"""Sign-in, sessions, API tokens, roles, password links, and what auth does when people leave
or join."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire auth into ``app``: its tables, Flask-Login's session and bearer-token loaders, the
    bearer check before every request, its receivers of org's signals and of queued mail, its
    pages, API and ``flask auth``."""
    import learnhub.auth.models  # noqa: F401  (its tables join the metadata)
    from learnhub.auth import receivers, services, sessions, tokens
    from learnhub.auth.api import blp as auth_api
    from learnhub.auth.cli import auth_cli
    from learnhub.auth.org_api import blp as org_api
    from learnhub.auth.tasks import queue_drain
    from learnhub.auth.views import blp as auth_views
    from learnhub.core.mail import mail_queued
    from learnhub.extensions import api, login_manager
    from learnhub.org.signals import import_recorded, people_changed, people_left

    login_manager.user_loader(sessions.load_account)
    login_manager.request_loader(tokens.load_token)
    login_manager.unauthorized_handler(services.unauthorized)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    # before the CSRF check (learnhub.app): a bearer request needs a usable token and scope
    app.before_request(tokens.enforce_bearer)

    people_left.connect(receivers.on_people_left)
    people_changed.connect(receivers.on_people_changed)
    import_recorded.connect(receivers.on_import_recorded)
    mail_queued.connect(queue_drain)

    app.register_blueprint(auth_views)
    api.register_blueprint(auth_api, url_prefix="/api/v1")
    api.register_blueprint(org_api, url_prefix="/api/v1")
    app.cli.add_command(auth_cli)
