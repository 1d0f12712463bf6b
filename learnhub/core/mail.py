"""Email through an outbox table: services queue an :class:`OutboxEmail` in their transaction,
and after the commit the Celery task ``auth.send_outbox`` drains the outbox over SMTP (queuing
mail sends :data:`mail_queued`; auth, which owns the task, queues it after the commit).

An email is therefore sent only when the change that caused it was committed, and an email
that could not be sent (SMTP down) stays in the outbox and is retried by the next drain (each
commit that queues mail, and the beat schedule). Without ``LEARNHUB_SMTP_HOST`` nothing is
sent: emails wait in the outbox (``flask auth outbox`` shows them).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from blinker import Namespace
from flask import current_app
from sqlalchemy import String, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.db import db
from learnhub.core.models import utcnow

logger = logging.getLogger(__name__)

#: sent (no arguments) inside a transaction that added mail to the outbox
mail_queued = Namespace().signal("mail-queued")
#: after this many failed tries an email is left for a human to look at
MAX_ATTEMPTS = 10


class OutboxEmail(db.Model):
    """One email to send: plain text, one recipient. ``sent_at`` is None until sent;
    ``attempts`` and ``last_error`` record failed tries."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


def queue_email(to_address: str, subject: str, body: str) -> OutboxEmail:
    """Add an email to the outbox in the current transaction (flushes); it is sent after the
    caller commits."""
    email = OutboxEmail(to_address=to_address, subject=subject, body=body)
    db.session.add(email)
    db.session.flush()
    mail_queued.send()
    return email


def queue_emails(emails: list[tuple[str, str, str]]) -> int:
    """Add many ``(to_address, subject, body)`` emails in one multi-row INSERT (invitations for
    a whole import); returns how many. Sent after the caller commits."""
    if not emails:
        return 0
    now = utcnow()
    db.session.execute(
        insert(OutboxEmail),
        [
            {"to_address": to, "subject": subject, "body": body, "created_at": now}
            for to, subject, body in emails
        ],
    )
    mail_queued.send()
    return len(emails)


def pending_query():
    """Unsent emails with tries left, oldest first."""
    return (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxEmail.id)
    )


def _message(email: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.set_content(email.body)
    return message


def _connect(config: dict) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["LEARNHUB_SMTP_HOST"], config["LEARNHUB_SMTP_PORT"], timeout=30)
    if config["LEARNHUB_SMTP_STARTTLS"]:
        smtp.starttls(context=ssl.create_default_context())
    if config["LEARNHUB_SMTP_USER"]:
        smtp.login(config["LEARNHUB_SMTP_USER"], config["LEARNHUB_SMTP_PASSWORD"] or "")
    return smtp


def send_pending(limit: int = 200) -> int:
    """Send up to ``limit`` unsent emails over one SMTP connection; returns how many were sent.

    Rows are locked ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite ignores it) so two workers
    never send the same email. A failure is recorded on the email (tried again later) and the
    rest of the batch waits for the next drain. Does nothing without an SMTP host.

    Commits the batch, outside the commit points of :mod:`learnhub.core.transactions` (one of
    its two exceptions), because mail SMTP accepted cannot be unsent and must be marked sent
    before the next batch goes.
    """
    config = current_app.config
    if not config.get("LEARNHUB_SMTP_HOST"):
        return 0
    emails = list(
        db.session.scalars(pending_query().limit(limit).with_for_update(skip_locked=True))
    )
    if not emails:
        db.session.rollback()
        return 0
    sent = 0
    try:
        with _connect(config) as smtp:
            for email in emails:
                smtp.send_message(_message(email, config["LEARNHUB_SMTP_FROM"]))
                email.sent_at = utcnow()
                email.last_error = None
                # the body may hold a single-use link, stored elsewhere only as a hash
                email.body = "(sent; the text is not kept)"
                sent += 1
    except (OSError, smtplib.SMTPException) as error:
        failed = emails[sent]
        failed.attempts += 1
        failed.last_error = f"{type(error).__name__}: {error}"[:500]
        logger.warning("outbox: email %s not sent: %s", failed.id, failed.last_error)
    db.session.commit()
    return sent
