"""Celery tasks of auth: draining the email outbox.

After a commit that queued mail (``learnhub.core.mail``), ``auth.send_outbox`` is queued; it
runs in-process (eager) without a broker. Beat also runs it every few minutes, so mail that
failed (SMTP down) goes out once SMTP is back.
"""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app
from sqlalchemy import event

from learnhub.core.mail import QUEUED_KEY, send_pending
from learnhub.extensions import db

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


@event.listens_for(db.session, "after_commit")
def _drain_after_commit(session) -> None:
    if session.in_nested_transaction() or not session.info.pop(QUEUED_KEY, False):
        return
    try:
        send_outbox.delay()
    except Exception:
        # The change is committed and the email waits in the outbox for the next drain.
        logger.exception("could not queue the outbox drain")
        if current_app.config.get("TESTING"):
            raise


@event.listens_for(db.session, "after_rollback")
def _forget_on_rollback(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(QUEUED_KEY, None)
