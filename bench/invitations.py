"""Benchmark: inviting the new staff of a large HR import, and draining the outbox over SMTP.

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts, not tests).

    .venv/bin/python bench/invitations.py [--employees 100000] [--send 2000]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...

It inserts --employees people without passwords, times ``invite_many`` (what runs before an
HR import's commit: accounts, hashed links, outbox emails and audit events in multi-row
INSERTs), then times sending --send of the emails to a local aiosmtpd server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from pathlib import Path

from benchdb import fresh_database_url
from sqlalchemy import func, insert, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _Count:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--send", type=int, default=2_000)
    args = parser.parse_args()
    url = fresh_database_url()

    from aiosmtpd.controller import Controller
    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.auth.passwords import invite_many
    from learnhub.core.mail import OutboxEmail, send_pending
    from learnhub.extensions import db
    from learnhub.org.models import Employee

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "LEARNHUB_SMTP_HOST": "127.0.0.1",
            "LEARNHUB_SMTP_PORT": port,
            "LEARNHUB_SMTP_STARTTLS": False,
        }
    )
    with app.app_context():
        upgrade()
        db.session.execute(
            insert(Employee),
            [
                {
                    "employee_number": f"E{i:06d}",
                    "first_name": "Person",
                    "last_name": str(i),
                    "email": f"person.{i}@example.org",
                }
                for i in range(args.employees)
            ],
        )
        db.session.commit()

        start = time.perf_counter()
        invited = invite_many(None)
        db.session.flush()
        seconds = time.perf_counter() - start
        # the drain would start after this commit: keep only --send emails unsent for it
        db.session.execute(
            update(OutboxEmail).where(OutboxEmail.id > args.send).values(sent_at=func.now())
        )
        db.session.info.clear()
        db.session.commit()
        print(
            f"{db.engine.dialect.name}: invited {invited} people in {seconds:.2f} s "
            f"({invited / seconds:,.0f} per second)"
        )

        counter = _Count()
        controller = Controller(counter, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            start = time.perf_counter()
            sent = 0
            while batch := send_pending():
                sent += batch
            seconds = time.perf_counter() - start
        finally:
            controller.stop()
        print(
            f"sent {sent} emails over SMTP in {seconds:.2f} s ({sent / seconds:,.0f} per "
            f"second); the server received {counter.received}"
        )
        waiting = db.session.scalar(
            select(func.count(OutboxEmail.id)).where(OutboxEmail.sent_at.is_(None))
        )
        print(f"outbox: {waiting} waiting")


if __name__ == "__main__":
    main()
