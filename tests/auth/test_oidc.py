"""Single sign-on with OpenID Connect (authorization code + PKCE) against a local provider:
the whole code flow, the ID token's signature, and matching by verified email."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import select

from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from tests.auth.oidc_provider import Provider, s256


@pytest.fixture
def provider(app, monkeypatch) -> Iterator[Provider]:
    with Provider() as running:
        monkeypatch.setitem(app.config, "LEARNHUB_OIDC_ISSUER", running.issuer)
        monkeypatch.setitem(app.config, "LEARNHUB_OIDC_CLIENT_ID", running.client_id)
        monkeypatch.setitem(app.config, "LEARNHUB_OIDC_CLIENT_SECRET", running.client_secret)
        yield running


def _code_flow(client, next_path: str = "/profile"):
    """Start at LearnHub, let the provider approve, come back; the callback's response."""
    start = client.get(f"/sign-in/oidc?next={next_path}")
    assert start.status_code == 302
    approved = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert approved.status_code == 302, approved.text
    back = urlsplit(approved.headers["Location"])
    assert back.path == "/sign-in/oidc/callback"
    return client.get(f"{back.path}?{back.query}")


def test_the_code_flow_with_pkce_signs_in_the_matching_account(app, demo, provider):
    provider.claims = {"email": "Employee@EXAMPLE.org", "email_verified": True}
    client = app.test_client()
    assert "Sign in with your organisation account" in client.get("/sign-in").get_data(as_text=True)
    done = _code_flow(client)
    assert done.status_code == 302 and done.headers["Location"] == "/profile"
    assert client.get("/").status_code == 200
    # PKCE: a S256 challenge went out, and the token request proved it with the verifier
    (asked,) = provider.authorize_requests
    assert asked["code_challenge_method"] == "S256" and asked["nonce"]
    assert asked["scope"] == "openid email profile"
    (exchanged,) = provider.token_requests
    assert s256(exchanged["code_verifier"]) == asked["code_challenge"]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_in"))
        assert event.details == {"method": "oidc"}


def test_an_unverified_email_is_refused_with_a_clear_message(app, demo, provider):
    provider.claims = {"email": "employee@example.org", "email_verified": False}
    client = app.test_client()
    refused = _code_flow(client)
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "email address employee@example.org is not verified" in page
    assert client.get("/").status_code == 302  # not signed in
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_in_failed"))
        assert event.details["method"] == "oidc" and "not verified" in event.details["reason"]


@pytest.mark.parametrize("verified", ["true", 1, None])
def test_only_the_json_value_true_counts_as_verified(app, demo, provider, verified):
    provider.claims = {"email": "employee@example.org"}
    if verified is not None:
        provider.claims["email_verified"] = verified
    assert _code_flow(app.test_client()).status_code == 403


def test_an_email_without_an_active_account_is_refused(app, demo, provider):
    provider.claims = {"email": "stranger@example.org", "email_verified": True}
    refused = _code_flow(app.test_client())
    assert refused.status_code == 403
    assert "No active LearnHub account has the email address stranger@example.org" in (
        refused.get_data(as_text=True)
    )


def test_an_id_token_signed_with_another_key_is_refused(app, demo, provider):
    provider.claims = {"email": "employee@example.org", "email_verified": True}
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
    client = app.test_client()
    refused = _code_flow(client)
    assert refused.status_code == 401
    assert "Single sign-on did not work (bad_signature)" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_callback_cannot_be_replayed_or_forged(app, demo, provider):
    provider.claims = {"email": "employee@example.org", "email_verified": True}
    client = app.test_client()
    start = client.get("/sign-in/oidc")
    approved = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(approved.headers["Location"])
    # another browser (no state in its session) cannot use the code
    assert app.test_client().get(f"{callback.path}?{callback.query}").status_code == 401
    state = parse_qs(callback.query)["state"][0]
    forged = client.get(f"{callback.path}?code=made-up&state={state}")
    assert forged.status_code == 401
    assert client.get("/").status_code == 302


def test_without_an_issuer_there_is_no_sso(app, demo):
    client = app.test_client()
    assert "organisation account" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/sign-in/oidc").status_code == 404
