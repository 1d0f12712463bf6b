"""A person's page as HR sees it (the record, the actions, the account's state) and as a manager
sees it (without the record); from the People directory (issue 13)."""

import re

from sqlalchemy import select

from learnhub.core.mail import OutboxEmail
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from tests.conftest import sign_in
from tests.web.people_shared import (
    PASSWORD,
    get_directory,
    hr_client,
    page_text,
)


def test_hr_sees_the_record_and_the_actions_on_a_persons_page(app, people):
    with app.app_context():
        lukasz = db.session.get(Employee, people["P0002"])
        lukasz.legal_hold = True
        lukasz.timezone = "Europe/Warsaw"
        db.session.commit()
    client = hr_client(app)
    assert 'href="/people/P0002">Łukasz Żółkiewski</a>' in page_text(
        get_directory(client, q="zolk")
    )
    body = page_text(client.get("/people/P0002"))
    for shown in (
        '<a href="/hr/people">People</a>',
        "lukasz.z@example.test",
        "Directorate \u203a Casework",
        "Case officer (CASE_OFF)",
        '<a href="/people/P0001">Grace Adeyemi</a> (P0001)',
        "Europe/Warsaw",
        "<strong>Yes</strong>: their records are not erased",
        "<strong>No account</strong>",
        'href="/hr/assignments/new?people=P0002"',
        'href="/people/P0002/validate"',
        'href="/people/P0002/prior-learning"',
    ):
        assert shown in body, shown
    leaver = page_text(client.get("/people/P0005"))
    assert "<strong>Locked</strong>. Has left" in leaver and "Left on " in leaver
    assert 'href="/hr/assignments/new?people=P0005"' not in leaver


def test_a_manager_sees_the_page_as_before_without_the_record(app, people):
    with app.app_context():
        from learnhub.auth.services import account_for, set_password

        set_password(account_for(db.session.get(Employee, people["P0001"])), PASSWORD)
        db.session.commit()
    client = app.test_client()
    sign_in(client, "grace.adeyemi@example.test", PASSWORD)
    body = page_text(client.get("/people/P0002"))
    assert "Łukasz Żółkiewski" in body and "Required learning" in body
    for hidden in ("Legal hold", "lukasz.z@example.test", "Account", "Time zone", "HR source"):
        assert hidden not in body, hidden
    assert client.get("/people/P0005").status_code == 404  # a leaver: HR's only


def _account_state(app, client, number: str) -> str:
    body = page_text(client.get(f"/people/{number}"))
    match = re.search(r"<dt>Account</dt><dd><strong>([^<]+)</strong>", body)
    assert match, body[:2000]
    return match.group(1)


def test_account_states(app, people):
    from learnhub.auth import passwords
    from learnhub.auth.models import Account
    from learnhub.auth.services import account_for, set_password
    from learnhub.core.audit import AuditEvent
    from learnhub.org.models import Employee

    with app.app_context():
        grace = db.session.get(Employee, people["P0001"])
        set_password(account_for(grace), PASSWORD)  # never signed in
        emile = db.session.get(Employee, people["P0003"])
        account_for(emile)  # an account, no password, no invitation
        passwords.invite_many([people["P0004"]])  # Priya: invited
        db.session.commit()
    client = hr_client(app)
    assert _account_state(app, client, "P0001") == "Never signed in"
    assert _account_state(app, client, "P0002") == "No account"
    assert _account_state(app, client, "P0003") == "Not invited"
    # no mail server in tests: the invitation waits in the outbox, and the page says so
    assert _account_state(app, client, "P0004") == "Invitation queued"
    priya = page_text(client.get("/people/P0004"))
    assert "Not sent yet: the invitation email waits in the outbox." in priya
    assert "LEARNHUB_SMTP_HOST" in priya and "still works" not in priya
    assert "The link works until" in priya
    with app.app_context():
        (email,) = db.session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None)))
        email.attempts, email.last_error = 2, "421 mail.example.org busy"
        email_id = email.id
        db.session.commit()
    priya = page_text(client.get("/people/P0004"))
    assert "Sending failed (2 tries; last: 421 mail.example.org busy)." in priya
    with app.app_context():
        db.session.get(OutboxEmail, email_id).sent_at = utcnow()
        db.session.commit()
    assert _account_state(app, client, "P0004") == "Invited"
    priya = page_text(client.get("/people/P0004"))
    assert "the emailed link to choose a password still works" in priya
    assert "The link works until" in priya and "outbox" not in priya
    assert _account_state(app, client, "P0005") == "Locked"  # has left
    assert _account_state(app, client, "H0001") == "Active"  # signed in
    # as many failed sign-ins as the account limit allows in its window: locked
    with app.app_context():
        limit = int(app.config["LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT"].split()[0])
        db.session.add_all(
            AuditEvent(action="sign_in_failed", target="grace.adeyemi@example.test")
            for _ in range(limit)
        )
        account = db.session.scalar(select(Account).where(Account.employee_id == people["P0001"]))
        account.last_login_at = utcnow()
        db.session.commit()
    body = page_text(client.get("/people/P0001"))
    assert "<strong>Locked</strong>" in body and f"{limit} failed sign-ins" in body
