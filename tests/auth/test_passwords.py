"""Invitations and password resets: emailed single-use links with an expiry, sent through the
outbox to a real (local) SMTP server."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from learnhub.auth.models import Account, PasswordToken
from learnhub.core.audit import AuditEvent
from learnhub.core.mail import OutboxEmail
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.signals import people_left
from tests.auth.conftest import NEW_STAFF, link_in
from tests.conftest import csrf_from, sign_in


def _set_password(client, secret: str, password: str, confirm: str | None = None):
    page = client.get(f"/set-password/{secret}")
    assert page.status_code == 200, page.status_code
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        f"/set-password/{secret}",
        data={"password": password, "confirm": confirm or password, "csrf_token": token},
    )


def _request_reset(client, email: str):
    token = csrf_from(client.get("/forgot-password").get_data(as_text=True))
    return client.post("/forgot-password", data={"email": email, "csrf_token": token})


def test_invite_all_new_emails_a_link_that_sets_the_password_once(app, new_staff, smtp):
    result = app.test_cli_runner().invoke(args=["auth", "invite", "--all-new"])
    assert result.exit_code == 0, result.output
    assert "Invited 2 people." in result.output
    messages = smtp.wait_for(2)
    nadia = smtp.to("nadia.novak@example.org")[0]
    assert nadia["Subject"] == "Your LearnHub account: choose a password"
    assert "within 14 days" in nadia.get_content()
    secret = link_in(nadia)
    with app.app_context():  # only the hash is stored
        stored = db.session.scalars(select(PasswordToken.token_hash)).all()
        assert len(stored) == 2 and secret not in stored
        assert all(m["From"] == "learnhub@learnhub.test" for m in messages)

    client = app.test_client()
    done = _set_password(client, secret, "a long new password")
    assert done.status_code == 302 and done.headers["Location"].endswith("/sign-in")
    sign_in(client, "NADIA.novak@example.org", "a long new password")
    again = app.test_client().get(f"/set-password/{secret}")
    assert again.status_code == 410 and "does not work any more" in again.get_data(as_text=True)

    # everyone invited already has a live link or a password: nobody is invited twice
    result = app.test_cli_runner().invoke(args=["auth", "invite", "--all-new"])
    assert "Invited 0 people." in result.output


def test_an_hr_import_invites_the_people_it_added(app, smtp, tmp_path):
    hr_file = tmp_path / "hr.csv"
    hr_file.write_text(NEW_STAFF)
    result = app.test_cli_runner().invoke(args=["org", "import", str(hr_file)])
    assert result.exit_code == 0, result.output
    smtp.wait_for(2)
    assert {m["To"] for m in smtp.messages} == {
        "nadia.novak@example.org",
        "omar.osei@example.org",
    }
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxEmail.id))) == 2
        assert db.session.scalar(select(func.count()).where(OutboxEmail.sent_at.is_(None))) == 0
        invited = db.session.scalars(
            select(AuditEvent.target).where(AuditEvent.action == "invitation_sent")
        ).all()
        assert len(invited) == 2
    # importing the same file again invites nobody again
    app.test_cli_runner().invoke(args=["org", "import", str(hr_file)])
    with app.app_context():
        assert db.session.scalar(select(func.count(PasswordToken.id))) == 2


def test_demo_people_have_passwords_and_get_no_invitation(app, demo):
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_an_invitation_expires(app, new_staff, smtp):
    app.test_cli_runner().invoke(args=["auth", "invite", "--all-new"])
    secret = link_in(smtp.wait_for(2)[0])
    client = app.test_client()
    with freeze_time(utcnow() + timedelta(days=13, hours=23)):
        assert client.get(f"/set-password/{secret}").status_code == 200
    with freeze_time(utcnow() + timedelta(days=14, minutes=1)):
        assert client.get(f"/set-password/{secret}").status_code == 410


def test_a_short_or_mistyped_password_is_refused_and_the_link_still_works(app, new_staff, smtp):
    app.test_cli_runner().invoke(args=["auth", "invite", "--all-new"])
    secret = link_in(smtp.wait_for(2)[0])
    client = app.test_client()
    short = _set_password(client, secret, "short")
    assert short.status_code == 400
    assert "Use 10 to 200 characters." in short.get_data(as_text=True)
    mistyped = _set_password(client, secret, "a long new password", "a long new passwort")
    assert mistyped.status_code == 400
    assert "The two passwords differ." in mistyped.get_data(as_text=True)
    assert _set_password(client, secret, "a long new password").status_code == 302


def test_a_reset_never_says_whether_the_email_exists(app, demo, smtp):
    client = app.test_client()
    known = _request_reset(client, "Employee@Example.org")
    unknown = _request_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    flashes = []
    for _ in range(2):
        page = client.get("/sign-in").get_data(as_text=True)
        flashes.append("If that email belongs to an account" in page)
    smtp.wait_for(1)
    assert [m["To"] for m in smtp.messages] == ["employee@example.org"]
    assert smtp.messages[0]["Subject"] == "Reset your LearnHub password"
    with app.app_context():
        requests = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "password_reset_requested")
        ).all()
        assert sorted((e.target, e.details["known"]) for e in requests) == [
            ("employee@example.org", True),
            ("nobody@example.org", False),
        ]


def test_a_reset_link_is_single_use_and_signs_out_other_sessions(app, demo, smtp):
    elsewhere = app.test_client()
    sign_in(elsewhere, "employee@example.org")
    client = app.test_client()
    _request_reset(client, "employee@example.org")
    first = link_in(smtp.wait_for(1)[0])
    _request_reset(client, "employee@example.org")  # a newer link replaces the first
    second = link_in(smtp.wait_for(2)[1])
    assert client.get(f"/set-password/{first}").status_code == 410
    assert _set_password(client, second, "my brand new password").status_code == 302
    assert client.get(f"/set-password/{second}").status_code == 410
    # the other session is signed out; the old password no longer works, the new one does
    assert elsewhere.get("/").status_code == 302
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    old = client.post(
        "/sign-in",
        data={"email": "employee@example.org", "password": "learnhub-demo", "csrf_token": token},
    )
    assert old.status_code == 401
    sign_in(client, "employee@example.org", "my brand new password")


def test_a_reset_link_expires_after_an_hour(app, demo, smtp):
    client = app.test_client()
    _request_reset(client, "employee@example.org")
    secret = link_in(smtp.wait_for(1)[0])
    assert "within 60 minutes" in smtp.messages[0].get_content()
    with freeze_time(utcnow() + timedelta(minutes=61)):
        assert client.get(f"/set-password/{secret}").status_code == 410


def test_mail_waits_in_the_outbox_while_smtp_is_down(app, demo, mail_config):
    _request_reset(app.test_client(), "employee@example.org")
    with app.app_context():
        email = db.session.scalar(select(OutboxEmail))
        assert email.sent_at is None and email.attempts == 1
        assert "ConnectionRefusedError" in email.last_error
    # SMTP comes back: the next drain (beat, or the CLI) sends it
    from aiosmtpd.controller import Controller

    from tests.auth.conftest import Inbox

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=mail_config["port"])
    controller.start()
    try:
        result = app.test_cli_runner().invoke(args=["auth", "outbox", "--send"])
        assert "Sent 1 emails." in result.output
        assert inbox.wait_for(1)[0]["To"] == "employee@example.org"
    finally:
        controller.stop()
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail)).sent_at is not None


def test_leavers_lose_their_links_sessions_and_tokens(app, demo, smtp):
    session_client = app.test_client()
    sign_in(session_client, "hr@example.org")
    client = app.test_client()
    _request_reset(client, "hr@example.org")
    secret = link_in(smtp.wait_for(1)[0])
    with app.app_context():
        from learnhub.auth.tokens import create_token

        hr = db.session.scalar(select(Employee).where(Employee.email == "hr@example.org"))
        _, api_secret = create_token("BI", ["exports:read"], 30, owner=hr)
        version = db.session.scalar(
            select(Account.session_version).where(Account.employee_id == hr.id)
        )
        db.session.commit()
    bearer = {"Authorization": f"Bearer {api_secret}"}
    assert client.get("/api/v1/exports/completions.csv", headers=bearer).status_code == 200

    with app.app_context():  # what the HR import does for leavers
        hr = db.session.scalar(select(Employee).where(Employee.email == "hr@example.org"))
        hr.active = False
        people_left.send(None, employee_ids=[hr.id])
        db.session.commit()
        account = db.session.scalar(select(Account).where(Account.employee_id == hr.id))
        assert account.session_version == version + 1
        hr.active = True  # even if they come back, the old links, sessions and tokens are dead
        db.session.commit()

    assert client.get(f"/set-password/{secret}").status_code == 410
    assert session_client.get("/hr").status_code == 302
    assert client.get("/api/v1/exports/completions.csv", headers=bearer).status_code == 401


def test_a_full_sync_leaver_loses_their_invitation(app, smtp, tmp_path):
    hr_file = tmp_path / "hr.csv"
    hr_file.write_text(NEW_STAFF)
    app.test_cli_runner().invoke(args=["org", "import", str(hr_file)])
    omar = link_in(next(m for m in smtp.wait_for(2) if m["To"] == "omar.osei@example.org"))
    hr_file.write_text(NEW_STAFF.rsplit("\n", 2)[0] + "\n")  # Omar is gone from the file
    result = app.test_cli_runner().invoke(args=["org", "import", str(hr_file), "--mode", "full"])
    assert result.exit_code == 0, result.output
    assert app.test_client().get(f"/set-password/{omar}").status_code == 410
    with app.app_context():
        revoked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access_revoked"))
        assert revoked.details["links"] == 1


def test_imports_invite_nobody_when_invitations_are_off(app, smtp, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_INVITE_ON_IMPORT", False)  # everyone uses SSO
    hr_file = tmp_path / "hr.csv"
    hr_file.write_text(NEW_STAFF)
    assert app.test_cli_runner().invoke(args=["org", "import", str(hr_file)]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_invite_named_people_from_the_cli(app, new_staff, smtp):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["auth", "invite", "OMAR.osei@example.org"])
    assert "Invited 1 people." in result.output
    assert smtp.wait_for(1)[0]["To"] == "omar.osei@example.org"
    assert runner.invoke(args=["auth", "invite"]).exit_code == 2  # neither emails nor --all-new
    unknown = runner.invoke(args=["auth", "invite", "who@example.org"])
    assert unknown.exit_code == 1 and "No employee has the email who@example.org" in unknown.output


def test_reset_requests_are_limited_per_address(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_RESET_RATE_LIMIT", "2 per hour")
    client = app.test_client()
    assert _request_reset(client, "a@example.org").status_code == 302
    assert _request_reset(client, "b@example.org").status_code == 302
    limited = _request_reset(client, "employee@example.org")
    assert limited.status_code == 429
    assert "Too many password-reset requests" in limited.get_data(as_text=True)
