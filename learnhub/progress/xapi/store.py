"""Storing xAPI statements, their outbox rows, and corrections by voiding.

Every statement is stored in ``xapi_statements`` and, when an LRS is configured
(``LEARNHUB_LRS_URL``), queued in ``xapi_outbox`` in the same transaction (the outbox is the
record of what is still to send; :mod:`learnhub.progress.xapi.forwarding` sends it). After the
commit a worker is woken (Redis is only the wake-up; the beat sweep finds anything a lost
wake-up left).

Corrections (xAPI 1.0.3 / 2.0 "Voided"): a statement is never changed once stored. When what it
says changed (an essay review or a regrade changed a result), :func:`replace` stores a voiding
statement (verb ``voided``, object a ``StatementRef`` to the old id) and the corrected
statement with a new id; both are sent, in that order.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert, select

from learnhub.core.models import utcnow
from learnhub.core.transactions import after_commit
from learnhub.extensions import db
from learnhub.progress.models import XapiOutbox, XapiStatement
from learnhub.progress.xapi.vocab import VERB_VOIDED, base_url, verb

logger = logging.getLogger(__name__)

#: the parts of a statement that say what happened (a changed one needs a correction)
MEANING = ("actor", "verb", "object", "result", "context")


def iso(at: datetime) -> str:
    """An aware UTC datetime as an xAPI timestamp (ISO 8601, ``Z``)."""
    return at.isoformat().replace("+00:00", "Z")


def system_agent() -> dict:
    """LearnHub itself as an xAPI Agent (the actor of voiding statements)."""
    return {
        "objectType": "Agent",
        "name": "LearnHub",
        "account": {"homePage": base_url(), "name": "learnhub"},
    }


def lrs_configured() -> bool:
    """Whether statements are forwarded (``LEARNHUB_LRS_URL`` set)."""
    return bool(current_app.config.get("LEARNHUB_LRS_URL"))


class ForwardWakeUp:
    """After-commit callback of a transaction that queued statements: wakes one forwarder."""

    def __call__(self) -> None:
        from learnhub.progress import tasks  # tasks imports this package: looked up at commit

        tasks.wake_forwarder()


def store(employee_id: int, statement: dict[str, Any], ref: str | None) -> XapiStatement:
    """Store ``statement`` (a complete xAPI statement dict with ``id`` and ``timestamp``) about
    ``employee_id`` under ``ref``, and queue it for the LRS when one is configured. Adds to the
    session; the caller's transaction commits both or neither."""
    row = XapiStatement(
        id=statement["id"],
        employee_id=employee_id,
        verb=statement["verb"]["id"],
        object_id=statement["object"]["id"],
        timestamp=datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00")),
        stored=utcnow(),
        statement=statement,
        ref=ref,
    )
    db.session.add(row)
    if lrs_configured():
        now = utcnow()
        db.session.add(XapiOutbox(statement=row, queued_at=now, next_attempt_at=now))
        after_commit(ForwardWakeUp(), key=ForwardWakeUp)
    return row


def store_many(employee_id: int, statements: dict[str, dict[str, Any]]) -> None:
    """:func:`store` for several statements about ``employee_id`` at once ({ref: statement}):
    one INSERT executed for every row (no ORM objects: nothing reads them back in the request),
    and one more of their outbox rows when an LRS is configured. Same transaction as the
    caller's."""
    if not statements:
        return
    now = utcnow()
    rows = [
        {
            "id": statement["id"],
            "employee_id": employee_id,
            "verb": statement["verb"]["id"],
            "object_id": statement["object"]["id"],
            "timestamp": datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00")),
            # a microsecond apart, in the order given, as rows stored one by one are
            "stored": now + timedelta(microseconds=n),
            "statement": statement,
            "ref": ref,
            "voided_by": None,
        }
        for n, (ref, statement) in enumerate(statements.items())
    ]
    db.session.execute(insert(XapiStatement.__table__), rows)
    if lrs_configured():
        outbox = [
            {"statement_id": row["id"], "queued_at": now, "next_attempt_at": now, "attempts": 0}
            for row in rows
        ]
        db.session.execute(insert(XapiOutbox.__table__), outbox)
        after_commit(ForwardWakeUp(), key=ForwardWakeUp)


def current(refs: list[str]) -> dict[str, XapiStatement]:
    """The statements in force (not voided) for ``refs``: {ref: statement row} (one query)."""
    if not refs:
        return {}
    rows = db.session.scalars(
        select(XapiStatement).where(XapiStatement.ref.in_(refs), XapiStatement.voided_by.is_(None))
    )
    return {row.ref: row for row in rows if row.ref is not None}


def void(row: XapiStatement, at: datetime | None = None) -> XapiStatement:
    """Store the statement voiding ``row`` and mark ``row`` voided; returns the voiding row."""
    at = at or utcnow()
    voiding = {
        "id": str(uuid.uuid4()),
        "actor": system_agent(),
        "verb": verb(VERB_VOIDED),
        "object": {"objectType": "StatementRef", "id": row.id},
        "timestamp": iso(at),
    }
    stored = store(row.employee_id, voiding, None)
    row.voided_by = stored.id
    return stored


def same_meaning(a: dict, b: dict) -> bool:
    """Whether two statements say the same thing (ids, timestamps aside)."""
    return all(a.get(key) == b.get(key) for key in MEANING)


def replace(
    employee_id: int, statement: dict, ref: str, in_force: XapiStatement | None
) -> list[XapiStatement]:
    """Make ``statement`` the one in force for ``ref``: stored when there is none, nothing when
    ``in_force`` says the same already, else ``in_force`` voided first. Returns the rows
    stored: [], [new] or [voiding, new]."""
    if in_force is None:
        return [store(employee_id, statement, ref)]
    if same_meaning(in_force.statement, statement):
        return []
    return [void(in_force), store(employee_id, statement, ref)]


def void_ref(ref: str) -> XapiStatement | None:
    """Void the statement in force for ``ref`` (a completion that a regrade undid); returns the
    voiding row, None when there was none."""
    row = current([ref]).get(ref)
    return void(row) if row is not None else None
