"""API tokens: created by HR or a platform admin, shown once, stored hashed, scoped, expiring,
revocable; only the token authenticates a bearer request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from learnhub.auth.models import ApiToken
from learnhub.core.audit import AuditEvent
from learnhub.core.models import utcnow
from learnhub.extensions import db
from tests.conftest import sign_in

EXPORT = "/api/v1/exports/completions.csv"


def _cli_token(app, scopes: str, days: int = 30) -> str:
    result = app.test_cli_runner().invoke(
        args=["auth", "create-token", "--name", "BI", "--scopes", scopes, "--expires-days", days]
    )
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _envelope(response, code: int) -> dict:
    assert response.status_code == code, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"} and body["code"] == code
    return body


def test_an_exports_token_downloads_the_export_and_nothing_else(app, demo):
    secret = _cli_token(app, "exports:read")
    client = app.test_client()
    export = client.get(EXPORT, headers=_bearer(secret))
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.get_data(as_text=True).startswith('"employee_id","name","email"')
    for method, path in [
        ("get", "/api/v1/me/progress"),
        ("get", "/api/v1/courses"),
        ("get", "/api/v1/audit-events"),
        ("get", "/api/v1/api-tokens"),
        ("post", "/api/v1/api-tokens"),
        ("get", "/"),
    ]:
        body = _envelope(getattr(client, method)(path, headers=_bearer(secret)), 403)
        assert "token" in body["message"]
    with app.app_context():  # the export is audited as done by the token
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "export_completions")
        )
        token = db.session.scalar(select(ApiToken))
        assert event.actor_token_id == token.id and event.actor_id is None
        assert token.last_used_at is not None
        # only the hash is stored; the prefix lets people recognise it
        assert token.token_hash != secret and secret.startswith(token.prefix)
        assert secret not in repr(db.session.execute(select(ApiToken.__table__)).all())


def test_scope_mismatch_is_403_and_bad_tokens_are_401(app, demo):
    audit_only = _cli_token(app, "audit:read")
    client = app.test_client()
    body = _envelope(client.get(EXPORT, headers=_bearer(audit_only)), 403)
    assert body["message"] == "This API token lacks the scope 'exports:read' this endpoint needs."
    for bad in ("nothing", "lh_" + "x" * 43, audit_only + "x"):
        response = client.get(EXPORT, headers=_bearer(bad))
        _envelope(response, 401)
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_bearer_request_is_never_authenticated_by_the_session_cookie(app, demo):
    client = app.test_client()
    csrf = sign_in(client, "hr@example.org")
    assert client.get(EXPORT).status_code == 200  # the HR session itself may export
    _envelope(client.get(EXPORT, headers=_bearer("forged")), 401)
    # a bearer write skips the CSRF check, so it must not ride on the session either
    response = client.post(
        "/api/v1/api-tokens",
        json={"name": "sneaky", "scopes": ["exports:read"]},
        headers={**_bearer("forged"), "X-CSRFToken": csrf},
    )
    _envelope(response, 401)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_tokens_expire(app, demo):
    secret = _cli_token(app, "exports:read", days=7)
    client = app.test_client()
    with freeze_time(utcnow() + timedelta(days=6, hours=23)):
        assert client.get(EXPORT, headers=_bearer(secret)).status_code == 200
    with freeze_time(utcnow() + timedelta(days=7, minutes=1)):
        _envelope(client.get(EXPORT, headers=_bearer(secret)), 401)


def test_hr_creates_lists_and_revokes_tokens_through_the_api(app, demo):
    client = app.test_client()
    csrf = sign_in(client, "hr@example.org")
    created = client.post(
        "/api/v1/api-tokens",
        json={"name": "LRS", "scopes": ["exports:read", "audit:read"], "expires_days": 10},
        headers={"X-CSRFToken": csrf},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    secret = body["token"]
    assert body["scopes"] == ["audit:read", "exports:read"] and secret.startswith("lh_")
    listed = client.get("/api/v1/api-tokens").get_json()
    assert [t["name"] for t in listed] == ["LRS"] and "token" not in listed[0]
    assert secret not in client.get("/api/v1/api-tokens").get_data(as_text=True)

    integration = app.test_client()
    assert integration.get("/api/v1/audit-events", headers=_bearer(secret)).status_code == 200
    revoked = client.delete(f"/api/v1/api-tokens/{body['id']}", headers={"X-CSRFToken": csrf})
    assert revoked.status_code == 204
    _envelope(integration.get(EXPORT, headers=_bearer(secret)), 401)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("api_token_%"))
        ).all()
        assert sorted(actions) == ["api_token_created", "api_token_revoked"]


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"name": "x", "scopes": ["everything"]}, "scopes"),
        ({"name": "x", "scopes": ["exports:read"], "expires_days": 0}, "expires_days"),
        ({"name": "x", "scopes": ["exports:read"], "expires_days": 366}, "expires_days"),
        ({"name": "  ", "scopes": ["exports:read"]}, "name"),
    ],
)
def test_bad_token_requests_are_refused_with_the_reason(app, demo, payload, where):
    client = app.test_client()
    csrf = sign_in(client, "hr@example.org")
    response = client.post("/api/v1/api-tokens", json=payload, headers={"X-CSRFToken": csrf})
    body = _envelope(response, 422)
    assert body["message"] == "The API token was not created."
    assert [issue["where"] for issue in body["errors"]["issues"]] == [where]


def test_only_hr_and_platform_admins_manage_tokens(app, demo):
    client = app.test_client()
    csrf = sign_in(client, "manager@example.org")
    _envelope(client.get("/api/v1/api-tokens"), 403)
    response = client.post(
        "/api/v1/api-tokens",
        json={"name": "x", "scopes": ["exports:read"]},
        headers={"X-CSRFToken": csrf},
    )
    _envelope(response, 403)
    grant = ["auth", "grant-role", "manager@example.org", "platform_admin"]
    assert app.test_cli_runner().invoke(args=grant).exit_code == 0
    assert client.get("/api/v1/api-tokens").status_code == 200


def test_a_token_carries_only_what_its_creator_may_do(app, demo):
    """A platform admin cannot mint an export token (their session cannot export), and a
    token stops exporting when its owner loses the HR role (tester's finding)."""
    runner = app.test_cli_runner()
    assert (
        runner.invoke(
            args=["auth", "grant-role", "manager@example.org", "platform_admin"]
        ).exit_code
        == 0
    )
    admin = app.test_client()
    csrf = sign_in(admin, "manager@example.org")
    refused = admin.post(
        "/api/v1/api-tokens",
        headers={"X-CSRFToken": csrf},
        json={"name": "x", "scopes": ["exports:read"], "expires_days": 5},
    )
    body = _envelope(refused, 422)
    assert "do not allow giving a token ['exports:read']" in str(body["errors"])
    allowed = admin.post(
        "/api/v1/api-tokens",
        headers={"X-CSRFToken": csrf},
        json={"name": "audit", "scopes": ["audit:read"], "expires_days": 5},
    )
    assert allowed.status_code == 201

    hr = app.test_client()
    csrf = sign_in(hr, "hr@example.org")
    secret = hr.post(
        "/api/v1/api-tokens",
        headers={"X-CSRFToken": csrf},
        json={"name": "BI", "scopes": ["exports:read"], "expires_days": 5},
    ).get_json()["token"]
    assert app.test_client().get(EXPORT, headers=_bearer(secret)).status_code == 200
    revoke = ["auth", "grant-role", "hr@example.org", "hr", "--revoke"]
    assert runner.invoke(args=revoke).exit_code == 0
    body = _envelope(app.test_client().get(EXPORT, headers=_bearer(secret)), 403)
    assert "no longer holds a role" in body["message"]


def test_a_url_no_route_matches_is_404_for_a_token_too(app, demo):
    """A tester's finding: with a valid token of the right scope, /assignments/abc,
    /assignments/-1, /exports/jobs/abc and /nonexistent answered 403 "API tokens cannot use
    this endpoint." (there is no endpoint); a browser session got 404, and so does a token."""
    secret = _cli_token(app, "assignments:read,exports:read")
    client = app.test_client()
    for path in (
        "/api/v1/assignments/abc",
        "/api/v1/assignments/-1",
        "/api/v1/exports/jobs/abc",
        "/api/v1/nonexistent",
    ):
        _envelope(client.get(path, headers=_bearer(secret)), 404)
    assert client.get("/api/v1/assignments", headers=_bearer(secret)).status_code == 200
    # a route that exists but accepts no token is still 403; a bad token still 401
    _envelope(client.get("/api/v1/me/progress", headers=_bearer(secret)), 403)
    _envelope(client.get("/api/v1/nonexistent", headers=_bearer("nothing")), 401)
