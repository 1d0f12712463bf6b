"""Accounts, passwords, roles, permission checks and the audit log."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from learnhub.auth.models import GRANTED_ROLES, Account, RoleGrant
from learnhub.core.audit import audit
from learnhub.core.errors import DomainError, NotFound
from learnhub.extensions import db, login_manager
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
    known = employee is not None and employee.active
    account = db.session.scalar(
        select(Account).where(Account.employee_id == (employee.id if known else 0))
    )
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


def roles_of(account: Account) -> list[str]:
    """Every role of ``account``: employee, manager when someone reports to them, and grants.
    An API token has none (it has scopes)."""
    if getattr(account, "is_api_token", False):
        return []
    roles = ["employee"]
    if org_services.has_reports(account.employee_id):
        roles.append("manager")
    roles.extend(sorted(account.granted_roles))
    return roles


#: roles in the words of the people who hold them (error pages name who may open a page)
ROLE_WORDS = {
    "employee": "staff",
    "manager": "managers",
    "hr": "HR staff",
    "content_admin": "content administrators",
    "platform_admin": "platform administrators",
}


def only_for(roles: tuple[str, ...] | list[str]) -> str:
    """The 403 message of a page or API call for ``roles``, in words, never codes such as
    "hr": "Only HR staff or platform administrators can do this." """
    words = [ROLE_WORDS.get(role, role.replace("_", " ")) for role in roles]
    return f"Only {' or '.join(words)} can do this."


def role_required(*roles: str):
    """View decorator: 401 when signed out, 403 unless the account has one of ``roles``.

    An API token passes: it reached the view only because the view declares a scope the token
    holds (``learnhub.core.security.token_scope``, enforced in learnhub.auth.tokens)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if getattr(current_user, "is_api_token", False):
                return view(*args, **kwargs)
            if not any(current_user.has_role(role) for role in roles):
                abort(403, description=only_for(roles))
            return view(*args, **kwargs)

        return wrapper

    return decorator


def can_view_employee(viewer: Account, employee_id: int) -> bool:
    """May ``viewer`` see this employee's progress and competence profile? Themself, HR, or a
    manager of theirs (direct or indirect). Quiz responses and raw scores are not covered here:
    those are only the employee's and HR's (see ``can_view_responses``)."""
    if viewer.employee_id == employee_id or viewer.has_role("hr"):
        return True
    return org_services.is_in_subtree(viewer.employee_id, employee_id)


def can_view_responses(viewer: Account, employee_id: int) -> bool:
    """Quiz responses and raw scores: the employee themself and HR only (DESIGN.md)."""
    return viewer.employee_id == employee_id or viewer.has_role("hr")


def get_employee_for(viewer: Account, employee_id: int) -> Employee:
    """The employee ``viewer`` may see; NotFound otherwise (no hint that the person exists)."""
    employee = db.session.get(Employee, employee_id)
    if employee is None or not can_view_employee(viewer, employee_id):
        raise NotFound("No such employee.")
    return employee


def unauthorized():
    """Flask-Login's answer to a signed-out request of a ``login_required`` view (installed by
    :func:`learnhub.auth.init_app`): 401 JSON envelope under /api/, a redirect to the sign-in
    page elsewhere."""
    from flask import redirect, url_for

    if request.path.startswith("/api/"):
        abort(401, description="Sign in first (session cookie) to use this endpoint.")
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
