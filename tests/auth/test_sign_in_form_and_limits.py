"""The sign-in page as people meet it: errors tied to their fields with a summary, the same
work (and time) whether or not an email has an account, and limits that slow a guesser
without locking the owner out."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from learnhub.auth import services
from learnhub.auth.models import PasswordToken
from learnhub.core.mail import OutboxEmail
from learnhub.extensions import db
from tests.conftest import DEMO_PASSWORD, csrf_from


def _post(client, path: str, **data: str):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data=data | {"csrf_token": token})


def test_an_empty_sign_in_names_each_missing_field_and_sums_them_up(app):
    page = _post(app.test_client(), "/sign-in", email="", password="")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "<title>Error: Sign in" in html
    summary = re.search(r'<div class="error-summary".*?</div>\s*</div>', html, re.S).group(0)
    assert "autofocus" in summary and "There is a problem" in summary
    assert '<a href="#email">Enter your work email</a>' in summary
    assert '<a href="#password">Enter your password</a>' in summary
    for field, message in (("email", "Enter your work email"), ("password", "Enter your password")):
        assert re.search(rf'<p class="error-message" id="{field}-error">.*?{message}</p>', html), (
            field
        )
        control = re.search(rf'<input id="{field}"[^>]*>', html).group(0)
        assert f'aria-describedby="{field}-error"' in control and 'aria-invalid="true"' in control
    assert html.index("error-summary") < html.index("<h1>")


def test_a_wrong_password_is_told_at_the_email_field_and_the_password_is_not_kept(app, demo):
    page = _post(
        app.test_client(), "/sign-in", email="employee@example.org", password="wrong password"
    )
    assert page.status_code == 401
    html = page.get_data(as_text=True)
    assert '<a href="#email">That email and password do not match an account.</a>' in html
    assert 'value="employee@example.org"' in html and "wrong password" not in html


def test_the_dummy_hash_for_unknown_emails_is_built_once(app, demo, monkeypatch):
    built = []
    real = services.generate_password_hash
    monkeypatch.setattr(services, "_DUMMY_HASH", {})
    monkeypatch.setattr(
        services, "generate_password_hash", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    with app.app_context():
        for email in ("nobody@example.org", "someone@example.org", "x@example.org"):
            assert services.authenticate(email, "a password") is None
    assert len(built) == 1  # dict.setdefault(method, generate(...)) built one per call


def test_a_reset_for_an_unknown_email_keeps_and_sends_nothing(app, demo):
    client = app.test_client()
    assert _post(client, "/forgot-password", email="nobody@example.org").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0
        assert db.session.scalar(select(func.count(PasswordToken.id))) == 0


def test_ten_wrong_passwords_from_one_address_do_not_lock_the_owner_out(app, demo, monkeypatch):
    monkeypatch.setitem(
        app.config, "LEARNHUB_LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT", "10 per 10 minutes"
    )
    monkeypatch.setitem(app.config, "LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT", "100 per hour")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    for _ in range(10):
        wrong = _post(attacker, "/sign-in", email="manager@example.org", password="guess")
        assert wrong.status_code == 401
    limited = _post(attacker, "/sign-in", email="manager@example.org", password=DEMO_PASSWORD)
    assert limited.status_code == 429
    assert "for this account from your address" in limited.get_data(as_text=True)
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert (
        _post(owner, "/sign-in", email="manager@example.org", password=DEMO_PASSWORD).status_code
        == 302
    )
