"""Signed-in sessions: starting one (renewed at sign-in), loading the account from the session
cookie, and ending it after idle or absolute timeouts.

The session is Flask's signed cookie (Secure/HttpOnly/SameSite from config). It carries the
sign-in time and the time of the last request; both are signed, so a client cannot extend them.
``Account.session_version`` in the stored user id signs out every session of an account at once
(password change, leaver).
"""

from __future__ import annotations

import logging
from functools import cache

from flask import current_app, flash, request, session
from flask_login import login_user
from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import aliased, joinedload

from learnhub.auth.models import Account
from learnhub.core.audit import audit
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee

logger = logging.getLogger(__name__)

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
#: the last-seen time is rewritten at most this often (seconds), so most requests leave the
#: cookie alone; the idle timeout is therefore exact to within this
SEEN_RESOLUTION = 60
#: the one session key that survives sign-in: a quiz form kept while its session had ended
#: (learnhub.web.drafts), so the learner gets their answers back after signing in again
KEPT_FORM = "kept_form"


def is_bearer_request() -> bool:
    """True when the request carries ``Authorization: Bearer``: only the token may then
    authenticate it, never a session cookie sent along (the CSRF check is skipped for it)."""
    return request.headers.get("Authorization", "").startswith("Bearer ")


def _now() -> int:
    return int(utcnow().timestamp())


def start_session(account: Account, method: str) -> None:
    """Sign ``account`` in on a fresh session (the old one is cleared: no session fixation),
    record the sign-in time and audit it (``method``: "password" or "oidc"). The caller commits.
    """
    kept = session.get(KEPT_FORM)
    session.clear()
    if kept is not None:
        session[KEPT_FORM] = kept
    login_user(account)
    now = _now()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    account.last_login_at = utcnow()
    audit("sign_in", target=f"employee:{account.employee_id}", method=method)


def session_expired() -> str | None:
    """Why the current session has timed out ("idle" or "absolute"), else None; on a live
    session, refresh its last-seen time. Limits: LEARNHUB_IDLE_MINUTES without a request, and
    PERMANENT_SESSION_LIFETIME (LEARNHUB_SESSION_SECONDS) since sign-in."""
    now = _now()
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in, int) or not isinstance(seen, int):
        return "absolute"  # a session from before these limits: sign in again
    if now - signed_in > current_app.permanent_session_lifetime.total_seconds():
        return "absolute"
    if now - seen > current_app.config["LEARNHUB_IDLE_MINUTES"] * 60:
        return "idle"
    if now - seen >= SEEN_RESOLUTION:
        session[SEEN_AT] = now
    return None


@cache
def _account_statement() -> Select:
    """One statement: the account, its employee (job role, org unit) and role grants joined,
    and whether someone active reports to them (the manager role of the page's navigation);
    parameter ``account_id``. Built once: every signed-in request runs it, and building the
    expression costs more than SQLAlchemy's compiled cache saves."""
    report = aliased(Employee)
    return (
        select(
            Account,
            exists()
            .where(report.manager_id == Account.employee_id, report.active.is_(True))
            .label("has_reports"),
        )
        .where(Account.id == bindparam("account_id"))
        .options(joinedload(Account.grants))
    )


def load_account(user_id: str) -> Account | None:
    """Flask-Login's user loader (installed by :func:`learnhub.auth.init_app`): the account of
    the session cookie's ``"<account id>:<session version>"``, else None (unknown, signed out
    everywhere, deactivated, or the session timed out: then the session is cleared)."""
    if is_bearer_request():
        return None
    account_id, _, version = user_id.partition(":")
    if not account_id.isdigit():
        return None
    found = (
        db.session.execute(_account_statement(), {"account_id": int(account_id)}).unique().first()
    )
    if found is None:
        return None
    account = found.Account
    if str(account.session_version) != version or not account.is_active:
        return None
    account.has_reports_known = bool(found.has_reports)
    reason = session_expired()
    if reason is not None:
        session.clear()
        if not request.path.startswith("/api/"):
            minutes = current_app.config["LEARNHUB_IDLE_MINUTES"]
            flash(
                f"You were signed out after {minutes} minutes without activity."
                if reason == "idle"
                else "Your session has ended; please sign in again.",
                "info",
            )
        return None
    return account
