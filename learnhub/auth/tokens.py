"""API tokens for integrations: created by HR or a platform admin, shown once, stored as a
SHA-256, limited to scopes, expiring and revocable; sent as ``Authorization: Bearer <token>``.

A bearer request is authenticated by its token alone (the session cookie is ignored, and the
CSRF check is skipped for it in learnhub.app): an unknown, expired or revoked token is 401, and
a token may call only views that declare one of its scopes (403 otherwise, before the view).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from flask import current_app, request
from flask_login import UserMixin, current_user
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from learnhub.auth.models import ApiToken
from learnhub.auth.permissions import SCOPES, scopes_beyond
from learnhub.auth.sessions import is_bearer_request
from learnhub.core.audit import audit
from learnhub.core.errors import Forbidden, Issue, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.core.security import SCOPE_ATTRIBUTE, hash_secret, new_secret
from learnhub.extensions import db
from learnhub.org.models import Employee

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "lh_"
#: last_used_at is written at most this often per token (seconds)
LAST_USED_RESOLUTION = 300


@dataclass
class TokenPrincipal(UserMixin):
    """``current_user`` of a request authenticated by an API token: no employee, no role, only
    its scopes."""

    api_token_id: int
    name: str
    scopes: tuple[str, ...]
    is_api_token: bool = True
    employee_id: None = None

    def get_id(self) -> str:
        return f"token:{self.api_token_id}"

    def has_role(self, role: str) -> bool:
        return False


def create_token(
    name: str, scopes: list[str], expires_days: int, owner: Employee | None = None
) -> tuple[ApiToken, str]:
    """Create a token named ``name`` with ``scopes`` (keys of SCOPES) valid ``expires_days``
    days (1..LEARNHUB_TOKEN_MAX_DAYS), owned by ``owner`` (None from the CLI); audited.

    Returns the stored token and the secret, which is shown once and never stored.
    Raises ValidationFailed listing each bad argument. Flushes.
    """
    issues = []
    name = (name or "").strip()
    scopes = sorted({s.strip() for s in scopes if s.strip()})
    if not name or len(name) > 120:
        issues.append(Issue("name", "Give the token a name of 1 to 120 characters."))
    if not scopes:
        issues.append(Issue("scopes", f"Give at least one scope of {sorted(SCOPES)}."))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        issues.append(Issue("scopes", f"Unknown scopes {unknown}; known: {sorted(SCOPES)}."))
    beyond = scopes_beyond(owner.id if owner else None, scopes)
    if beyond:
        issues.append(
            Issue(
                "scopes",
                f"Your roles do not allow giving a token {beyond}; "
                "a token carries only what its creator may do.",
            )
        )
    max_days = current_app.config["LEARNHUB_TOKEN_MAX_DAYS"]
    if not 1 <= expires_days <= max_days:
        issues.append(Issue("expires_days", f"A token expires in 1 to {max_days} days."))
    if issues:
        raise ValidationFailed("The API token was not created.", issues)
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(
        name=name,
        prefix=secret[:10],
        token_hash=hash_secret(secret),
        scopes=scopes,
        owner_id=owner.id if owner else None,
        expires_at=utcnow() + timedelta(days=expires_days),
    )
    db.session.add(token)
    db.session.flush()
    audit(
        "api_token_created",
        target=f"api_token:{token.id}",
        name=name,
        scopes=scopes,
        expires_at=token.expires_at.isoformat(),
    )
    return token, secret


def revoke_token(token_id: int) -> ApiToken:
    """Revoke the token (idempotent), audited; raises NotFound. Flushes."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such API token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit("api_token_revoked", target=f"api_token:{token.id}", name=token.name)
        db.session.flush()
    return token


def list_tokens() -> list[ApiToken]:
    """Every token, newest first (secrets are never stored, so never listed)."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_tokens_of(employee_ids: list[int]) -> int:
    """Revoke every live token owned by these employees (leavers); returns how many."""
    revoked = 0
    for i in range(0, len(employee_ids), 5000):  # SQLite: at most 32,766 bound parameters
        result = db.session.execute(
            update(ApiToken)
            .where(ApiToken.owner_id.in_(employee_ids[i : i + 5000]), ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        revoked += cast(CursorResult, result).rowcount or 0
    return revoked


def find_token(secret: str) -> ApiToken | None:
    """The usable token with this secret, else None (unknown, expired, revoked, owner left)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or not token.usable(utcnow()):
        return None
    return token


def load_token(req) -> TokenPrincipal | None:
    """Flask-Login's request loader (installed by :func:`learnhub.auth.init_app`): the
    principal of the request's usable bearer token, else None; records when it was last used."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = find_token(header.removeprefix("Bearer ").strip())
    if token is None:
        return None
    _touch(token)
    return TokenPrincipal(api_token_id=token.id, name=token.name, scopes=tuple(token.scopes))


def _touch(token: ApiToken) -> None:
    now = utcnow()
    if token.last_used_at and now - token.last_used_at < timedelta(seconds=LAST_USED_RESOLUTION):
        return
    # one statement, committed with the request (a refused request records no use)
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))


def required_scope() -> str | None:
    """The scope the current request's view accepts from a token, None when it accepts none."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = request.method.lower()
        handler = getattr(view_class, method, None)
        if handler is None and method == "head":
            handler = getattr(view_class, "get", None)
        return getattr(handler, SCOPE_ATTRIBUTE, None)
    return getattr(view, SCOPE_ATTRIBUTE, None)


def enforce_bearer() -> None:
    """before_request: a bearer request must carry a usable token (401 otherwise); a URL no
    route matches is then 404 (405 for a method the route lacks), as for anyone; else the
    token's scopes must include the one the view declares (403 otherwise)."""
    if not is_bearer_request():
        return
    principal = current_user._get_current_object()
    if not getattr(principal, "is_api_token", False):
        raise Unauthorized(
            "The API token is unknown, expired or revoked.",
            www_authenticate=WWWAuthenticate("bearer", {"error": "invalid_token"}),
        )
    if request.routing_exception is not None:
        # no route matched (an unknown URL, /assignments/abc): 404 (or 405) as for a browser
        # session, not "tokens cannot use this endpoint" (there is no endpoint: a tester's find)
        raise request.routing_exception
    scope = required_scope()
    if scope is None:
        raise Forbidden("API tokens cannot use this endpoint.")
    if scope not in principal.scopes:
        raise Forbidden(f"This API token lacks the scope {scope!r} this endpoint needs.")
    token = db.session.get(ApiToken, principal.api_token_id)
    if scopes_beyond(token.owner_id, [scope]):
        raise Forbidden(
            f"The owner of this API token no longer holds a role that allows {scope!r}."
        )
