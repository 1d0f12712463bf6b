"""Celery tasks of auth: draining the email outbox.

After a commit that queued mail (``learnhub.core.mail``), ``auth.send_outbox`` is queued (see
:func:`queue_drain`); it runs in-process (eager) without a broker. Beat also runs it every few
minutes, so mail that failed (SMTP down) goes out once SMTP is back.
"""

from __future__ import annotations

import logging

from celery import shared_task

from learnhub.core.mail import send_pending
from learnhub.core.transactions import queue_after_commit

logger = logging.getLogger(__name__)


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
