"""Celery tasks of auth: inviting the people an HR import added, and draining the email outbox.

``auth.invite_people`` runs after the import's commit (queued by
:mod:`learnhub.auth.receivers`), one task per chunk of people; it is idempotent: whoever has a
password or a live invitation is skipped, and runs over the same people take turns on a lock,
so a task run twice (acks_late) or two imports' tasks never invite anyone twice.

After a commit that queued mail (``learnhub.core.mail``), ``auth.send_outbox`` is queued (see
:func:`queue_drain`); it runs in-process (eager) without a broker. Beat also runs it every few
minutes, so mail that failed (SMTP down) goes out once SMTP is back.
"""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy import text

from learnhub.core.mail import send_pending
from learnhub.core.transactions import queue_after_commit
from learnhub.extensions import db

logger = logging.getLogger(__name__)

#: the invitations lock: one PostgreSQL advisory lock key (a 64-bit number no other code uses)
INVITE_LOCK_KEY = 7_310_221_404_113_002


@shared_task(name="auth.invite_people", acks_late=True)
def invite_people(employee_ids: list[int] | None = None, request_id: int | None = None) -> int:
    """Invite the invitable ones (active, no password, no live invitation:
    :func:`learnhub.auth.passwords.invite_many`) of the invitation request ``request_id``
    (:mod:`learnhub.auth.invitations`, marked done with them), or of ``employee_ids`` (a
    message queued before the requests existed); returns how many. One transaction: the
    links, outbox emails, audit events and the request's end commit together, then the outbox
    drain is queued. Concurrent runs wait on a lock (PostgreSQL; SQLite serialises writers),
    so each person is invited once however often the task runs."""
    from learnhub.auth import invitations
    from learnhub.auth.passwords import invite_many

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INVITE_LOCK_KEY})
    if request_id is not None:
        invited = invitations.invite_request(request_id)
    else:
        invited = invite_many(employee_ids or [])
    if invited:
        logger.info("invited %d people added by an import", invited)
    return invited


@shared_task(name="auth.sweep_invitations")
def sweep_invitations() -> int:
    """Beat: queue again the invitation requests a lost task left waiting
    (:func:`learnhub.auth.invitations.sweep`); returns how many."""
    from learnhub.auth import invitations

    return len(invitations.sweep())


@shared_task(name="auth.send_outbox")
def send_outbox() -> int:
    """Send every waiting email of the outbox (in batches); returns how many were sent.
    Idempotent: a sent email is marked and never sent again."""
    total = 0
    while True:
        sent = send_pending()
        total += sent
        if sent == 0:
            return total


def queue_drain(_sender: object = None, **_: object) -> None:
    """Receiver of ``core.mail.mail_queued``: drain the outbox once after this transaction
    commits, however many emails it queued."""
    queue_after_commit(send_outbox, key="auth.send_outbox")
