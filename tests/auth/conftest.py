"""Fixtures of the identity tests: a local SMTP server that collects what LearnHub sends, and
people imported without passwords."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from learnhub.extensions import db, limiter
from tests.factories import EmployeeFactory

NEW_STAFF = (
    "employee_number,first_name,last_name,email,job_title\n"
    "N1,Nadia,Novak,Nadia.Novak@Example.org,Case officer\n"
    "N2,Omar,Osei,omar.osei@example.org,Case officer\n"
)
LINK = re.compile(r"http://learnhub\.test/set-password/([A-Za-z0-9_-]+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """The messages once at least ``count`` arrived; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"expected {count} emails, got {len(self.messages)}")
            time.sleep(0.02)
        return self.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def link_in(message: EmailMessage) -> str:
    """The set-password secret in an email's body."""
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


@pytest.fixture
def mail_config(app, monkeypatch) -> dict:
    """Point LearnHub's mail at 127.0.0.1:<free port> (nothing listening unless smtp runs)."""
    port = free_port()
    for key, value in {
        "LEARNHUB_SMTP_HOST": "127.0.0.1",
        "LEARNHUB_SMTP_PORT": port,
        "LEARNHUB_SMTP_STARTTLS": False,
        "LEARNHUB_SMTP_USER": None,
        "LEARNHUB_SMTP_FROM": "learnhub@learnhub.test",
        "LEARNHUB_BASE_URL": "http://learnhub.test",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return {"port": port}


@pytest.fixture
def smtp(mail_config) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that LearnHub sends to; yields its inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=mail_config["port"])
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def new_staff(app) -> list[int]:
    """Two people without passwords or invitations (added before invitations existed, not by
    an import, which would invite them); their employee ids."""
    with app.app_context():
        people = [
            EmployeeFactory(
                employee_number=number, first_name=first, last_name=last, email=email.lower()
            )
            for number, first, last, email, _ in (
                line.split(",") for line in NEW_STAFF.splitlines()[1:]
            )
        ]
        db.session.commit()
        return [p.id for p in people]


@pytest.fixture(autouse=True)
def _fresh_limits(app) -> None:
    """Rate-limit counters (memory storage) start empty in every test."""
    with app.app_context():
        limiter.reset()
