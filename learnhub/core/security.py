"""High-entropy secrets stored as hashes, for every feature (who may do what is
learnhub.auth.permissions).

Secrets (invitation and password-reset links, API tokens) are 256-bit random values: a single
SHA-256 of such a value cannot be brute-forced, so a slow password hash is not needed, and the
lookup by hash is an indexed equality (no timing oracle on the secret itself).
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str = "") -> str:
    """A fresh URL-safe secret of 32 random bytes (43 characters), with ``prefix`` in front
    (e.g. ``"lh_"`` so leaked API tokens are recognisable by secret scanners)."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest (64 characters) stored in place of ``secret``."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
