"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from learnhub.auth import services
from learnhub.auth.forms import SignInForm
from learnhub.core.audit import audit
from learnhub.core.models import utcnow
from learnhub.extensions import db, limiter, login_manager

blp = Blueprint("auth", __name__)

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"


def _safe_next(target: str | None) -> str:
    if (
        target
        and not urlsplit(target).netloc
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("web.dashboard")


@blp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LEARNHUB_LOGIN_RATE_LIMIT"], methods=["POST"])
def sign_in() -> str | Response:
    """Show the sign-in form; on POST check email (any letter case) and password."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        account = services.authenticate(form.email.data, form.password.data)
        if account is not None:
            session.clear()  # renew the session at sign-in
            login_user(account)
            account.last_login_at = utcnow()
            audit("sign_in", target=f"employee:{account.employee_id}")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        audit("sign_in_failed", target=form.email.data.strip().lower()[:254])
        db.session.commit()
        flash("That email and password do not match an account.", "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("sign_in.html", form=form), status


@blp.post("/sign-out")
@login_required
def sign_out() -> Response:
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.sign_in"))
