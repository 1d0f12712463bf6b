"""Single sign-on with OpenID Connect through Authlib: authorization code flow with PKCE (S256)
and a nonce; the ID token's signature is checked against the provider's JWKS, and its issuer,
audience, expiry and nonce by Authlib.

An organisation account signs in to the LearnHub account whose employee has the same email
(any letter case), and only when the provider says the email is verified
(``email_verified: true``): an unverified email could be anybody's. Settings:
LEARNHUB_OIDC_ISSUER (discovery at ``<issuer>/.well-known/openid-configuration``),
LEARNHUB_OIDC_CLIENT_ID, LEARNHUB_OIDC_CLIENT_SECRET.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from joserfc.errors import JoseError
from requests import RequestException

from learnhub.auth import services
from learnhub.auth.models import Account
from learnhub.core.errors import DomainError, Forbidden, NotFound
from learnhub.org import services as org_services

logger = logging.getLogger(__name__)

EXTENSION_KEY = "learnhub_oidc"
#: what can go wrong between the provider's redirect and a validated ID token
FLOW_ERRORS = (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError)


def enabled() -> bool:
    """True when an issuer is configured."""
    return bool(current_app.config.get("LEARNHUB_OIDC_ISSUER"))


def client() -> Any:
    """The Authlib client for the configured provider (built once per configuration); raises
    NotFound when single sign-on is not configured."""
    config = current_app.config
    issuer = config.get("LEARNHUB_OIDC_ISSUER")
    if not issuer:
        raise NotFound("Single sign-on is not configured.")
    key = (issuer, config.get("LEARNHUB_OIDC_CLIENT_ID"), config.get("LEARNHUB_OIDC_CLIENT_SECRET"))
    cached = current_app.extensions.get(EXTENSION_KEY)
    if cached is None or cached[0] != key:
        oauth = OAuth(current_app)
        built = oauth.register(
            "oidc",
            client_id=key[1],
            client_secret=key[2],
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
        )
        cached = (key, built)
        current_app.extensions[EXTENSION_KEY] = cached
    return cached[1]


def account_for_claims(claims: dict[str, Any]) -> Account:
    """The account of the active employee whose email is the ID token's verified ``email``
    (compared without letter case); creates the account (without a password) if needed.

    Raises Forbidden with a message for the person: no email, an unverified email
    (``email_verified`` must be the JSON value true), or no active employee with it.
    Flushes."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise Forbidden(
            "Your organisation account did not share an email address with LearnHub, so it "
            "cannot be matched to a LearnHub account."
        )
    if claims.get("email_verified") is not True:
        raise Forbidden(
            f"Your organisation account's email address {email} is not verified, so LearnHub "
            "cannot match it to an account. Ask your IT service to verify it, or sign in with "
            "your LearnHub password."
        )
    employee = org_services.get_by_email(email)
    if employee is None or not employee.active:
        raise Forbidden(f"No active LearnHub account has the email address {email}.")
    return services.account_for(employee)


def claims_from_callback() -> dict[str, Any]:
    """Finish the code flow on the provider's redirect: exchange the code (with the PKCE
    verifier) for tokens and return the validated ID token's claims. Raises DomainError (401)
    saying why when the provider refused or anything does not check out."""
    try:
        token = client().authorize_access_token()
    except FLOW_ERRORS as error:
        logger.warning("OIDC sign-in failed: %s: %s", type(error).__name__, error)
        raise _Failed(f"Single sign-on did not work ({_describe(error)}). Try again.") from error
    claims = token.get("userinfo")
    if not claims:
        raise _Failed("Single sign-on did not work: the provider sent no ID token.")
    return dict(claims)


def _describe(error: Exception) -> str:
    return getattr(error, "description", None) or getattr(error, "error", None) or str(error)


class _Failed(DomainError):
    status_code = 401
