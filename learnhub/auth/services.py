"""Accounts: creating them, passwords, signing in, granting roles; the 401 answer.

Who may do what (role sets, token scopes, object checks) is learnhub.auth.permissions."""

from __future__ import annotations

import logging

from flask import abort, current_app, request
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from learnhub.auth.models import GRANTED_ROLES, Account, RoleGrant
from learnhub.core.audit import audit
from learnhub.core.errors import DomainError
from learnhub.extensions import db
from learnhub.org import services as org_services
from learnhub.org.models import Employee

logger = logging.getLogger(__name__)

# A hash to compare against when the email is unknown, so timing does not reveal accounts:
# one per hashing method, built on first use (building one costs as much as a sign-in).
_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash(method: str) -> str:
    """The hash an unknown email's password is checked against, so that it costs what a known
    one's check costs: built once per method and kept (``dict.setdefault(method, generate(...))``
    built it on every call, its argument being evaluated first: unknown emails took twice as
    long as known ones)."""
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash("x" * 12, method=method)
    return _DUMMY_HASH[method]


def account_for(employee: Employee) -> Account:
    """The account of ``employee``, created (without a password) when missing; flushes."""
    account = db.session.scalar(select(Account).where(Account.employee_id == employee.id))
    if account is None:
        account = Account(employee=employee, employee_id=employee.id)
        db.session.add(account)
        db.session.flush()
    return account


def set_password(account: Account, password: str) -> None:
    """Hash and store ``password`` (scrypt unless the config names a cheaper method for tests);
    signs out the account's other sessions. Raises DomainError for a password under 10 chars."""
    if len(password) < 10:
        raise DomainError("A password needs at least 10 characters.")
    method = current_app.config["LEARNHUB_PASSWORD_METHOD"]
    account.password_hash = generate_password_hash(password, method=method)
    account.session_version += 1


def authenticate(email: str, password: str) -> Account | None:
    """The active account with this email (case-insensitive) and password, else None."""
    employee = org_services.get_by_email(email)
    # the same statements whether or not the email is known (0 matches no employee id)
    employee_id = employee.id if employee is not None and employee.active else 0
    account = db.session.scalar(select(Account).where(Account.employee_id == employee_id))
    if account is None or account.password_hash is None:
        check_password_hash(_dummy_hash(current_app.config["LEARNHUB_PASSWORD_METHOD"]), password)
        return None
    if not check_password_hash(account.password_hash, password):
        return None
    return account


def grant_role(account: Account, role: str) -> None:
    """Grant ``role`` (one of GRANTED_ROLES) once, audited; raises DomainError for an unknown
    role."""
    if role not in GRANTED_ROLES:
        raise DomainError(f"Unknown role {role!r}; roles that can be granted: {GRANTED_ROLES}.")
    if role not in account.granted_roles:
        account.grants.append(RoleGrant(role=role))
        audit("role_granted", target=f"employee:{account.employee_id}", role=role)


def revoke_role(account: Account, role: str) -> None:
    """Take ``role`` away (audited when it was granted); raises DomainError for an unknown role."""
    if role not in GRANTED_ROLES:
        raise DomainError(f"Unknown role {role!r}; roles that can be granted: {GRANTED_ROLES}.")
    for grant in list(account.grants):
        if grant.role == role:
            account.grants.remove(grant)
            audit("role_revoked", target=f"employee:{account.employee_id}", role=role)


def unauthorized():
    """Flask-Login's answer to a signed-out request of a ``login_required`` view (installed by
    :func:`learnhub.auth.init_app`): 401 JSON envelope under /api/, a redirect to the sign-in
    page elsewhere."""
    from flask import redirect, url_for

    if request.path.startswith("/api/"):
        abort(401, description="Sign in first (session cookie) to use this endpoint.")
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
