"""Security helpers every feature may use: high-entropy secrets stored as hashes, and the
declaration of which API-token scope a view accepts.

Secrets (invitation and password-reset links, API tokens) are 256-bit random values: a single
SHA-256 of such a value cannot be brute-forced, so a slow password hash is not needed, and the
lookup by hash is an indexed equality (no timing oracle on the secret itself).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

#: attribute a view function carries when an API token with that scope may call it
SCOPE_ATTRIBUTE = "learnhub_token_scope"


def new_secret(prefix: str = "") -> str:
    """A fresh URL-safe secret of 32 random bytes (43 characters), with ``prefix`` in front
    (e.g. ``"lh_"`` so leaked API tokens are recognisable by secret scanners)."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest (64 characters) stored in place of ``secret``."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_scope(scope: str) -> Callable[[F], F]:
    """View decorator: an API token (``Authorization: Bearer``) with ``scope`` may call this
    view. A bearer request to a view without one, or with a token lacking it, is refused with
    403 before the view runs (learnhub.auth.tokens). Sessions are unaffected: they still need
    whatever role the view checks."""

    def decorator(view: F) -> F:
        setattr(view, SCOPE_ATTRIBUTE, scope)
        return view

    return decorator
