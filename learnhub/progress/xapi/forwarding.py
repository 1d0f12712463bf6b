"""Sending the xAPI outbox to the organisation's LRS: at least once, batched, with backoff.

The record is the ``xapi_outbox`` table (written with each statement, in its transaction). One
round (:func:`send_due`), in one transaction the task commits:

1. take up to BATCH rows that are due (``next_attempt_at <= now``), oldest first, locked
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: two workers never send the same rows at once);
2. ``POST {LEARNHUB_LRS_URL}/statements`` with the stored statements as a JSON array and the
   ``X-Experience-API-Version`` header (xAPI 1.0.3 / 2.0 "Statement Resource");
3. accepted: delete the rows. Refused or unreachable: each row's ``attempts`` + 1 and
   ``next_attempt_at`` = now + RETRY_SECONDS x 2^attempts (at most MAX_BACKOFF), with the error
   kept for ``flask xapi status``. A batch the LRS refuses as a whole (see REFUSED) is sent again
   statement by statement in the same round, so one statement it rejects holds back only
   itself.

Resends are harmless: a statement keeps its id, and an LRS answers a statement id it already
holds with the same content with 200/204 (it stores nothing new) or, for some LRSs, 409; all of
these count as delivered (xAPI: "the LRS MAY respond 409 Conflict, or 204 No Content" for an id
it has). A worker killed after the LRS answered and before the commit leaves the rows, which are
sent again: duplicates by id, which the LRS ignores. Nothing is lost, nothing is stored twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import delete, func, select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.progress.models import XapiOutbox, XapiStatement

logger = logging.getLogger(__name__)

#: statements per POST (one transaction a round)
BATCH = 100
#: the longest wait between two tries of one statement (seconds)
MAX_BACKOFF = 3600
#: statuses meaning "the LRS has it": stored now (200/204), or held already (409)
DELIVERED = {200, 204, 409}
#: statuses after which a batch is tried statement by statement, so that one statement the LRS
#: cannot take holds back only itself: 400 (xAPI's answer to a bad statement), 413 (too
#: large), 422 and 500 (ralph answers 422 for a statement its models reject, and 500 for some
#: invalid values it fails to report)
REFUSED = {400, 413, 422, 500}


@dataclass(frozen=True)
class Round:
    """What one round did: ``sent`` statements the LRS holds now, ``failed`` ones left to retry
    later, ``error`` the last failure (None when all went)."""

    sent: int
    failed: int
    error: str | None


def _settings() -> dict:
    config = current_app.config
    return {
        "url": str(config.get("LEARNHUB_LRS_URL") or "").rstrip("/"),
        "username": config.get("LEARNHUB_LRS_USERNAME"),
        "password": config.get("LEARNHUB_LRS_PASSWORD"),
        "token": config.get("LEARNHUB_LRS_TOKEN"),
        "version": config.get("LEARNHUB_LRS_XAPI_VERSION", "1.0.3"),
        "timeout": float(config.get("LEARNHUB_LRS_TIMEOUT_SECONDS", 10)),
        "retry": int(config.get("LEARNHUB_LRS_RETRY_SECONDS", 5)),
    }


def post_statements(statements: list[dict]) -> tuple[int | None, str | None]:
    """POST ``statements`` to the configured LRS; returns (HTTP status or None when it could
    not be reached, error text or None). Bearer token when LEARNHUB_LRS_TOKEN is set, else
    basic auth with LEARNHUB_LRS_USERNAME/PASSWORD when set."""
    settings = _settings()
    headers = {
        "X-Experience-API-Version": settings["version"],
        "Content-Type": "application/json",
    }
    auth = None
    if settings["token"]:
        headers["Authorization"] = f"Bearer {settings['token']}"
    elif settings["username"]:
        auth = (settings["username"], settings["password"] or "")
    try:
        response = requests.post(
            f"{settings['url']}/statements",
            json=statements,
            headers=headers,
            auth=auth,
            timeout=settings["timeout"],
        )
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:500]
    if response.status_code in DELIVERED:
        if response.status_code == 409:
            logger.info("the LRS already held %d statement(s) (409)", len(statements))
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:400]}"


def _due(batch: int, now: datetime) -> list[XapiOutbox]:
    query = (
        select(XapiOutbox)
        .where(XapiOutbox.next_attempt_at <= now)
        .order_by(XapiOutbox.id)
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _fail(rows: list[XapiOutbox], error: str, now: datetime, retry: int) -> None:
    for row in rows:
        row.attempts += 1
        wait = min(MAX_BACKOFF, retry * 2 ** (row.attempts - 1))
        row.next_attempt_at = now + timedelta(seconds=wait)
        row.last_error = error[:500]


def send_due(batch: int = BATCH, now: datetime | None = None) -> Round | None:
    """One round (see the module docstring); None when nothing is due or no LRS is configured.
    Flushes; the caller commits (what the LRS accepted is deleted from the outbox only then)."""
    if not current_app.config.get("LEARNHUB_LRS_URL"):
        return None
    now = now or utcnow()
    rows = _due(batch, now)
    if not rows:
        return None
    bodies: dict[str, dict] = dict(
        db.session.execute(
            select(XapiStatement.id, XapiStatement.statement).where(
                XapiStatement.id.in_([r.statement_id for r in rows])
            )
        ).all()
    )
    status, error = post_statements([bodies[r.statement_id] for r in rows])
    sent: list[XapiOutbox] = []
    failed: list[XapiOutbox] = []
    if error is None:
        sent = rows
    elif status in REFUSED and len(rows) > 1:
        for row in rows:  # find the statement the LRS refuses; the others go
            _status, single_error = post_statements([bodies[row.statement_id]])
            if single_error is None:
                sent.append(row)
            else:
                failed.append(row)
                error = single_error
                logger.warning("the LRS refused statement %s: %s", row.statement_id, error)
    else:
        failed = rows
    if sent:
        db.session.execute(
            delete(XapiOutbox)
            .where(XapiOutbox.id.in_([r.id for r in sent]))
            .execution_options(synchronize_session=False)
        )
    if failed:
        _fail(failed, error or "refused", now, _settings()["retry"])
        logger.warning("%d statement(s) not delivered to the LRS: %s", len(failed), error)
    db.session.flush()
    return Round(len(sent), len(failed), error if failed else None)


@dataclass(frozen=True)
class Backlog:
    """The outbox at a glance: ``pending`` statements, the ``oldest`` queued time, how many
    have ``failing`` (tried at least once) and the last error recorded."""

    pending: int
    oldest: datetime | None
    failing: int
    last_error: str | None


def backlog() -> Backlog:
    """What waits for the LRS (two queries) — for /healthz and ``flask xapi status``."""
    pending, oldest, failing = db.session.execute(
        select(
            func.count(XapiOutbox.id),
            func.min(XapiOutbox.queued_at),
            func.count(XapiOutbox.id).filter(XapiOutbox.attempts > 0),
        )
    ).one()
    last_error = None
    if failing:
        last_error = db.session.scalar(
            select(XapiOutbox.last_error)
            .where(XapiOutbox.attempts > 0)
            .order_by(XapiOutbox.next_attempt_at.desc())
            .limit(1)
        )
    return Backlog(pending, oldest, failing, last_error)
