"""What auth does when the organisation changes (blinker signals of learnhub.org.signals,
connected by :func:`learnhub.auth.init_app`).

- ``people_left``: leavers' sessions are signed out (``session_version`` bumped), their
  password links end and the API tokens they own are revoked, in the transaction that
  deactivated them.
- ``people_changed`` (sent for people an HR import added or changed): once that transaction
  has committed, the Celery task ``auth.invite_people`` invites everyone among them who is
  active, has no password and no live invitation (unless LEARNHUB_INVITE_ON_IMPORT is off,
  e.g. everyone uses SSO), one task per CHUNK people. What is owed is kept as rows written
  with the import (:mod:`learnhub.auth.invitations`): a task lost with a worker is queued
  again by a beat sweep. Waiting for the commit lets the same
  transaction set passwords first (the demo seed does), so only people who really cannot sign
  in get an email; and writing 100,000 invitations no longer holds the import's transaction
  (27 s of a 31 s import of 100,000 people).
"""

from __future__ import annotations

import logging
from typing import cast

from flask import current_app
from sqlalchemy import update
from sqlalchemy.engine import CursorResult

from learnhub.auth import invitations, passwords, tokens
from learnhub.auth.models import Account
from learnhub.core.audit import audit
from learnhub.extensions import db

logger = logging.getLogger(__name__)


def revoke_access(employee_ids: list[int]) -> dict[str, int]:
    """Sign out every session of these employees, end their password links and revoke the API
    tokens they own; audited. Returns counts. Flushes."""
    ids = sorted(set(employee_ids))
    if not ids:
        return {"accounts": 0, "links": 0, "api_tokens": 0}
    accounts = 0
    for i in range(0, len(ids), passwords.CHUNK):
        result = db.session.execute(
            update(Account)
            .where(Account.employee_id.in_(ids[i : i + passwords.CHUNK]))
            .values(session_version=Account.session_version + 1)
            .execution_options(synchronize_session=False)
        )
        accounts += cast(CursorResult, result).rowcount or 0
    counts = {
        "accounts": accounts,
        "links": passwords.revoke_links_of(ids),
        "api_tokens": tokens.revoke_tokens_of(ids),
    }
    audit("access_revoked", target=f"{len(ids)} leavers", employee_ids=ids[:1000], **counts)
    db.session.flush()
    # accounts already loaded in this session must not keep their old session_version
    left = set(ids)
    for account in [o for o in db.session.identity_map.values() if isinstance(o, Account)]:
        if account.employee_id in left:
            db.session.expire(account)
    return counts


def on_people_left(_sender: object, employee_ids: list[int], **_: object) -> None:
    """Receiver of ``people_left``: revoke the leavers' access in their transaction."""
    counts = revoke_access(employee_ids)
    logger.info("leavers: access revoked %s", counts)


def on_people_changed(_sender: object, employee_ids: list[int], **_: object) -> None:
    """Receiver of ``people_changed``: owe them invitations, written as rows with the import's
    commit and sent by a task after it (:mod:`learnhub.auth.invitations`; unless
    LEARNHUB_INVITE_ON_IMPORT is off)."""
    if current_app.config["LEARNHUB_INVITE_ON_IMPORT"]:
        invitations.owe(employee_ids)


def on_import_recorded(_sender: object, run_id: int, **_: object) -> None:
    """Receiver of ``import_recorded``: the invitations owed in this transaction are that
    import run's (its page counts them)."""
    if current_app.config["LEARNHUB_INVITE_ON_IMPORT"]:
        invitations.name_run(run_id)
