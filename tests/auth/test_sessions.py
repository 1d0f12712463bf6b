"""Sign-in throttling, the session cookie, renewal at sign-in, idle and absolute timeouts."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time

from learnhub.core.models import utcnow
from tests.conftest import DEMO_PASSWORD, csrf_from, sign_in


def _attempt(client, email: str, password: str):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def test_failed_sign_ins_past_the_limit_get_429(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_LOGIN_RATE_LIMIT", "3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert _attempt(client, "employee@example.org", "wrong password").status_code == 401
    limited = _attempt(client, "employee@example.org", DEMO_PASSWORD)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    page = limited.get_data(as_text=True)
    assert "429 Too Many Requests" in page
    assert "Too many failed sign-in attempts from your address" in page
    # a minute later the address may try again
    with freeze_time(utcnow() + timedelta(seconds=61)):
        assert _attempt(client, "employee@example.org", DEMO_PASSWORD).status_code == 302


def test_failed_sign_ins_for_one_account_are_limited_wherever_they_come_from(
    app, demo, monkeypatch
):
    monkeypatch.setitem(app.config, "LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT", "3 per minute")
    for n in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"  # three different addresses
        assert _attempt(client, "Manager@example.org", "wrong password").status_code == 401
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "198.51.100.99"
    limited = _attempt(guesser, "manager@example.org", DEMO_PASSWORD)
    assert limited.status_code == 429
    assert "for this account" in limited.get_data(as_text=True)
    # a colleague behind the same address still signs in
    colleague = app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "198.51.100.0"
    assert _attempt(colleague, "employee@example.org", DEMO_PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_use_up_the_limit(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_LOGIN_RATE_LIMIT", "2 per minute")
    for _ in range(4):  # a shared office address signs in many people
        client = app.test_client()
        assert _attempt(client, "employee@example.org", DEMO_PASSWORD).status_code == 302


def test_session_cookie_is_secure_httponly_samesite_and_renewed_at_sign_in(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    client = app.test_client()
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"  # session fixation attempt
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in",
        data={"email": "employee@example.org", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with client.session_transaction() as session:
        assert "planted" not in session and "_user_id" in session


def test_idle_session_ends(app, demo):
    client = app.test_client()
    start = utcnow()
    with freeze_time(start) as clock:
        sign_in(client, "employee@example.org")
        clock.tick(timedelta(minutes=45))
        assert client.get("/").status_code == 200  # activity keeps the session alive
        clock.tick(timedelta(minutes=59))
        assert client.get("/").status_code == 200
        clock.tick(timedelta(minutes=61))
        expired = client.get("/")
        assert expired.status_code == 302 and "/sign-in" in expired.headers["Location"]
        page = client.get(expired.headers["Location"]).get_data(as_text=True)
        assert "signed out after 60 minutes without activity" in page
        assert client.get("/api/v1/me/progress").status_code == 401


def test_api_calls_are_signed_out_after_idling_too(app, demo):
    client = app.test_client()
    with freeze_time(utcnow()) as clock:
        sign_in(client, "employee@example.org")
        assert client.get("/api/v1/me/progress").status_code == 200
        clock.tick(timedelta(minutes=61))
        response = client.get("/api/v1/me/progress")
        assert response.status_code == 401 and response.get_json()["code"] == 401


def test_absolute_timeout_ends_even_an_active_session(app, demo):
    client = app.test_client()
    with freeze_time(utcnow()) as clock:
        sign_in(client, "employee@example.org")
        for _ in range(9):  # active every 50 minutes for 7.5 hours
            clock.tick(timedelta(minutes=50))
            assert client.get("/").status_code == 200
        clock.tick(timedelta(minutes=31))  # 8 h 1 min after signing in
        expired = client.get("/")
        assert expired.status_code == 302 and "/sign-in" in expired.headers["Location"]
        assert "Your session has ended" in client.get("/sign-in").get_data(as_text=True)


def test_sign_out_ends_every_copy_of_the_session(app, demo):
    client = app.test_client()
    csrf = sign_in(client, "employee@example.org")
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    assert stolen.get("/api/v1/me/progress").status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf})
    assert stolen.get("/api/v1/me/progress").status_code == 401
