"""Sign-in, sign-out, forgotten-password and set-password pages."""

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
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from learnhub.auth import oidc, passwords, services
from learnhub.auth.forms import ForgotPasswordForm, SetPasswordForm, SignInForm
from learnhub.auth.sessions import start_session
from learnhub.core.audit import audit
from learnhub.core.errors import DomainError
from learnhub.core.transactions import end_after_error
from learnhub.extensions import limiter

blp = Blueprint("auth", __name__)

#: links carry their secret in the path: never send it on to another site
NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _safe_next(target: str | None) -> str:
    if (
        target
        and not urlsplit(target).netloc
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("web.dashboard")


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _email_key() -> str:
    return request.form.get("email", "").strip().lower()[:254]


@blp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LEARNHUB_LOGIN_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=_failed,
    error_message="Too many failed sign-in attempts from your address; wait a minute and try "
    "again.",
)
@limiter.limit(
    lambda: current_app.config["LEARNHUB_LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT"],
    key_func=lambda: f"sign-in:{_email_key()}:{get_remote_address()}",
    methods=["POST"],
    deduct_when=_failed,
    error_message="Too many failed sign-in attempts for this account from your address; wait "
    "and try again.",
)
@limiter.limit(
    lambda: current_app.config["LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT"],
    key_func=lambda: "sign-in:" + _email_key(),
    methods=["POST"],
    deduct_when=_failed,
    error_message="Too many failed sign-in attempts for this account; wait and try again.",
)
def sign_in() -> ResponseReturnValue:
    """Show the sign-in form; on POST check email (any letter case) and password. Failed
    attempts are limited per client address (LEARNHUB_LOGIN_RATE_LIMIT), per account and
    client address (LEARNHUB_LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT, 10 per 10 minutes) and per
    account from anywhere (LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT, higher: 100 per hour), 429 past
    any: ten wrong passwords from one place do not lock the owner out everywhere, guessing one
    person's password from many addresses is still slowed, and one office behind a NAT is not
    locked out by a few colleagues' typos."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        account = services.authenticate(form.email.data, form.password.data)
        if account is not None:
            start_session(account, "password")  # a new session: no fixation
            return redirect(_safe_next(request.args.get("next")))
        # kept: the request commits whatever status it answers (here 401)
        audit("sign_in_failed", target=form.email.data.strip().lower()[:254])
        form.email.errors.append("That email and password do not match an account.")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("sign_in.html", form=form, sso=_sso_enabled()), status


def _sso_enabled() -> bool:
    return bool(current_app.config.get("LEARNHUB_OIDC_ISSUER"))


@blp.post("/sign-out")
@login_required
def sign_out() -> Response:
    """Sign out everywhere: the session cookie is signed client-side, so a copy of it would stay
    valid until it times out; bumping the account's session version ends every copy (LearnHub
    choice: a public body prefers this to staying signed in on another device)."""
    account = current_user._get_current_object()
    if getattr(account, "session_version", None) is not None:
        account.session_version += 1  # committed before the answer leaves (core.transactions)
    logout_user()
    session.clear()
    flash("You are signed out, on every device.", "info")
    return redirect(url_for("auth.sign_in"))


@blp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LEARNHUB_RESET_RATE_LIMIT"],
    methods=["POST"],
    error_message="Too many password-reset requests from your address; try again later.",
)
def forgot_password() -> ResponseReturnValue:
    """Ask for a password-reset link by email. The answer is the same whether or not the email
    has an account (no way to find out who works here)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_reset(form.email.data)
        flash(
            "If that email belongs to an account, a link to choose a new password is on its "
            "way. It works once, for a limited time.",
            "info",
        )
        return redirect(url_for("auth.sign_in"))
    status = 400 if request.method == "POST" else 200
    return render_template("forgot_password.html", form=form), status


@blp.route("/set-password/<secret>", methods=["GET", "POST"])
def set_password(secret: str) -> tuple[str, int, dict] | Response:
    """Choose a password through an emailed link (invitation or reset). An unusable link
    (used, replaced, expired, or its person left) gets 410 and a way to ask for a new one."""
    link = passwords.find_link(secret)
    if link is None:
        return render_template("set_password.html", form=None, invalid=True), 410, NO_REFERRER
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            passwords.use_link(secret, form.password.data)
        except DomainError as error:
            end_after_error(error)  # the link's claim (a conditional UPDATE) is undone too
            flash(error.message, "error")
            status = 400
        else:
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Your password is set. Sign in with it now.", "info")
            return redirect(url_for("auth.sign_in"))
    elif request.method == "POST":
        status = 400
    page = render_template(
        "set_password.html",
        form=form,
        invalid=False,
        purpose=link.purpose,
        email=link.account.employee.email,
    )
    return page, status, NO_REFERRER


@blp.get("/sign-in/oidc")
def oidc_sign_in() -> Response:
    """Start single sign-on: redirect to the provider (authorization code + PKCE)."""
    session["oidc_next"] = _safe_next(request.args.get("next"))
    redirect_uri = url_for("auth.oidc_callback", _external=True)
    return oidc.client().authorize_redirect(redirect_uri)


@blp.get("/sign-in/oidc/callback")
def oidc_callback() -> str | tuple[str, int] | Response:
    """The provider's redirect back: sign in the account whose verified email matches."""
    next_url = session.get("oidc_next") or url_for("web.dashboard")
    try:
        account = oidc.account_for_claims(oidc.claims_from_callback())
    except DomainError as error:
        end_after_error(error)
        audit("sign_in_failed", method="oidc", reason=error.message)
        flash(error.message, "error")
        form = SignInForm(formdata=None)
        return render_template("sign_in.html", form=form, sso=_sso_enabled()), error.status_code
    start_session(account, "oidc")
    return redirect(next_url)
