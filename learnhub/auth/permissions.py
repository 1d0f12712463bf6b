"""Who may do what, in one place: the roles, the sets of roles each kind of work needs, which
roles may give an API token each scope, and the per-object checks (indico-style
``can_*(user, obj)``) that views and services ask.

Roles (DESIGN.md "Who uses it"): ``employee`` is everyone's, ``manager`` is derived (someone
active reports to them), ``hr``, ``content_admin`` and ``platform_admin`` are granted
(:class:`learnhub.auth.models.RoleGrant`). A request authenticated by an API token has no role,
only scopes: a token reaches a view only when the view declares one of its scopes with
:func:`token_scope` (enforced before the view in :func:`learnhub.auth.tokens.enforce_bearer`).

Every object check answers for the signed-in ``user`` (an :class:`~learnhub.auth.models.Account`
or a token principal) and returns a bool; the caller turns False into 404 (an object the user
may not see) or 403 (a page the user's roles do not open).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Protocol, TypeVar, cast

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from learnhub.auth.models import Account, Role, RoleGrant
from learnhub.core.security import SCOPE_ATTRIBUTE
from learnhub.extensions import db, login_manager
from learnhub.org import services as org_services
from learnhub.org.models import Employee

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class User(Protocol):
    """What the checks read of ``current_user``: an Account, or a token principal
    (``employee_id`` None, no role)."""

    @property
    def employee_id(self) -> int | None: ...

    def has_role(self, role: str) -> bool: ...


class OwnedByEmployee(Protocol):
    """An object that belongs to one employee (an attempt)."""

    @property
    def employee_id(self) -> int: ...


# Role sets: who does each kind of work (the access matrix, tests/test_access_matrix.py, spells
# the same sets out by hand).
#: manage API tokens and read the audit log
ADMINS = (Role.HR, Role.PLATFORM_ADMIN)
#: question banks, regrades and essay reviews
QUIZ_STAFF = (Role.HR, Role.CONTENT_ADMIN)
#: change quiz settings and question keys
CONTENT_ADMINS = (Role.CONTENT_ADMIN,)
#: exports, the HR page, a person's quiz time adjustments
HR_ONLY = (Role.HR,)

#: every scope an API token can hold, and what it lets through
SCOPES = {
    "exports:read": "download the completions export (GET /api/v1/exports/completions.csv)",
    "audit:read": "list and export the audit log (GET /api/v1/audit-events[.csv])",
    # for HR import endpoints: a view accepts it with @token_scope("org:write")
    "org:write": "run HR imports through the API",
    "org:read": "list the organisation's people, filtered, with their status and overdue "
    "required learning (GET /api/v1/employees)",
    "assignments:read": "list assignments and read people's required learning "
    "(GET /api/v1/assignments…, /api/v1/employees/<number>/requirements)",
    "assignments:write": "create, preview, change and remove assignments (as HR)",
    "skills:read": "read people's evidence (GET /api/v1/employees/<number>/evidence)",
    "skills:write": "validate levels, record prior learning and withdraw them (as HR)",
    "xapi:read": "export xAPI statements as JSON Lines (GET /api/v1/xapi/statements.jsonl)",
    "privacy:read": "read subject access requests and download their ZIP (GDPR article 15)",
    "privacy:write": "ask for subject access exports, erase leavers, set and lift legal holds",
}
#: the roles whose holders may give a token each scope; an owned token uses a scope only while
#: its owner still holds one of them (a revoked role ends what the token could do with it)
SCOPE_ROLES: dict[str, tuple[Role, ...]] = {
    "exports:read": HR_ONLY,
    "audit:read": ADMINS,
    "org:write": HR_ONLY,
    "org:read": HR_ONLY,
    "assignments:read": HR_ONLY,
    "assignments:write": HR_ONLY,
    "skills:read": HR_ONLY,
    "skills:write": HR_ONLY,
    "xapi:read": HR_ONLY,
    "privacy:read": HR_ONLY,
    "privacy:write": HR_ONLY,
}

#: roles in the words of the people who hold them (a 403 names who may open a page)
ROLE_WORDS: dict[str, str] = {
    Role.EMPLOYEE: "staff",
    Role.MANAGER: "managers",
    Role.HR: "HR staff",
    Role.CONTENT_ADMIN: "content administrators",
    Role.PLATFORM_ADMIN: "platform administrators",
}


# --- roles -------------------------------------------------------------------------------------


def roles_of(user: User) -> list[str]:
    """Every role of ``user`` in the order employee, manager (when someone active reports to
    them), then the granted roles sorted. An API token has none (it has scopes)."""
    if user.employee_id is None or not isinstance(user, Account):
        return []
    roles = [Role.EMPLOYEE.value]
    if _has_reports(user):
        roles.append(Role.MANAGER.value)
    roles.extend(sorted(user.granted_roles))
    return roles


def granted_roles_of(employee_id: int) -> set[str]:
    """The granted roles of an employee's account (empty without an account); one query."""
    return set(
        db.session.scalars(
            select(RoleGrant.role)
            .join(Account, Account.id == RoleGrant.account_id)
            .where(Account.employee_id == employee_id)
        )
    )


def only_for(roles: Iterable[str]) -> str:
    """The 403 message of a page or API call for ``roles``, in words, never codes such as
    "hr": "Only HR staff or platform administrators can do this." """
    words = [ROLE_WORDS.get(role, role.replace("_", " ")) for role in roles]
    return f"Only {' or '.join(words)} can do this."


def role_required(*roles: str) -> Callable[[F], F]:
    """View decorator: 401 when signed out, 403 unless the account has one of ``roles``.

    An API token passes: it reached the view only because the view declares a scope the token
    holds (:func:`token_scope`, enforced in learnhub.auth.tokens)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if getattr(current_user, "is_api_token", False):
                return view(*args, **kwargs)
            if not any(current_user.has_role(role) for role in roles):
                abort(403, description=only_for(roles))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


# --- API-token scopes --------------------------------------------------------------------------


def token_scope(scope: str) -> Callable[[F], F]:
    """View decorator: an API token (``Authorization: Bearer``) with ``scope`` (a key of
    SCOPES) may call this view. A bearer request to a view without one, or with a token lacking
    it, is refused with 403 before the view runs (learnhub.auth.tokens). Sessions are
    unaffected: they still need whatever role the view checks. Raises ValueError at import time
    for an unknown scope."""
    if scope not in SCOPES:
        raise ValueError(f"unknown API-token scope {scope!r}; known: {sorted(SCOPES)}")

    def decorator(view: F) -> F:
        setattr(view, SCOPE_ATTRIBUTE, scope)
        return view

    return decorator


def scopes_beyond(owner_id: int | None, scopes: Iterable[str]) -> list[str]:
    """The known scopes of ``scopes`` that a token owned by ``owner_id`` may not carry: those
    none of whose SCOPE_ROLES the owner holds. A token made from the command line
    (``owner_id`` None) may carry any scope. One query."""
    known = [s for s in scopes if s in SCOPES]
    if owner_id is None or not known:
        return []
    granted = granted_roles_of(owner_id)
    return [s for s in known if not granted & set(SCOPE_ROLES[s])]


# --- per-object checks -------------------------------------------------------------------------


def can_view_employee(user: User, employee: Employee) -> bool:
    """May ``user`` see ``employee``'s progress, completion and competence profile? Themself,
    HR (leavers included), or a manager above them (direct or indirect) while they are active.
    Never an API token. Quiz responses and raw scores are not covered by this: see
    :func:`can_view_attempt`."""
    if user.employee_id is None:
        return False
    if user.employee_id == employee.id or user.has_role(Role.HR):
        return True
    return org_services.is_in_subtree(user.employee_id, employee.id)


def can_view_attempt(user: User, attempt: OwnedByEmployee) -> bool:
    """May ``user`` see (and, while it is open, answer) ``attempt``? Its owner only: responses,
    grades and raw scores are never a manager's (DESIGN.md "Who uses it")."""
    return user.employee_id is not None and user.employee_id == attempt.employee_id


def can_see_reviewee(user: User) -> bool:
    """May ``user`` see whose attempt an essay review is about? HR only: content admins score
    essays pseudonymously (by attempt)."""
    return user.has_role(Role.HR)


def can_view_team(user: User) -> bool:
    """Has ``user`` a team page (the skill-gap summary of their subtree)? Managers only: someone
    active reports to them."""
    return user.employee_id is not None and _has_reports(user)


def _has_reports(user: User) -> bool:
    """Does someone active report to ``user`` (who has an employee)? As the user loader read it
    with the account when it did (no second statement), else one query."""
    known = getattr(user, "has_reports_known", None)
    if known is not None:
        return bool(known)
    return org_services.has_reports(cast(int, user.employee_id))


def can_assign(user: User) -> bool:
    """May ``user`` assign learning? HR (to anyone), a manager (to people of their own
    subtree: :func:`learnhub.assignments.services.check_spec` enforces it), and an API token
    (it reached the view only with an ``assignments:`` scope, acting as HR)."""
    if getattr(user, "is_api_token", False):
        return True
    if user.employee_id is None:
        return False
    return user.has_role(Role.HR) or _has_reports(user)
