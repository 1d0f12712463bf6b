"""The invitations an HR import owes, kept as rows so that none is lost with a worker (issue 13,
tester's finding F3; DESIGN.md "No task is lost when a worker dies").

The people an import adds or changes (``people_changed``) are written as
``invitation_requests`` rows, one per chunk of :data:`learnhub.auth.passwords.CHUNK` people,
just before the import's transaction commits (:func:`write_requests`, a before-commit
callback): they commit with the import or not at all. After the commit one
``auth.invite_people`` task per row is queued. The task (:func:`invite_request`) invites the
row's people and marks the row done in its own transaction, so a worker killed mid-task (or a
message lost with it: Redis gives an unacknowledged message back only after
``visibility_timeout``, an hour) leaves the row waiting. The beat sweep ``auth.sweep_invitations``
(:func:`sweep`) queues again every row waiting longer than ``LEARNHUB_INVITE_RETRY_SECONDS``
(default 600) since its last dispatch. A task run twice is harmless: the runs take turns on
the invitations lock, a done row is skipped, and :func:`learnhub.auth.passwords.invite_many`
skips whoever has a password or a live invitation.

The row names its import run (``import_run_id``, from org's ``import_recorded`` signal in the
same transaction), so the run page says "Invitations: N sent, M waiting" (:func:`of_run`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from learnhub.auth import passwords
from learnhub.auth.models import InvitationRequest
from learnhub.core.models import utcnow
from learnhub.core.transactions import after_commit, before_commit
from learnhub.extensions import db

logger = logging.getLogger(__name__)

#: rows queued again per sweep (the rest wait for the next one)
SWEEP_BATCH = 200


def retry_seconds() -> int:
    """Seconds a waiting row's task may take before the sweep queues it again
    (``LEARNHUB_INVITE_RETRY_SECONDS``, default 600)."""
    return int(current_app.config.get("LEARNHUB_INVITE_RETRY_SECONDS", 600))


@dataclass
class _Owed:
    """The people to invite of one transaction and its import run, written as rows before
    it commits (``__call__``); ``request_ids``: the rows written."""

    employee_ids: set[int] = field(default_factory=set)
    run_id: int | None = None
    request_ids: list[int] = field(default_factory=list)

    def __call__(self) -> None:
        self.request_ids = write_requests(sorted(self.employee_ids), self.run_id)


@dataclass
class _Dispatch:
    """After the commit: one ``auth.invite_people`` task per row written."""

    owed: _Owed

    def __call__(self) -> None:
        from learnhub.auth.tasks import invite_people

        for request_id in self.owed.request_ids:
            invite_people.delay(request_id=request_id)


def owe(employee_ids: list[int]) -> None:
    """Owe invitations to ``employee_ids`` (a receiver of ``people_changed``, inside the
    import's transaction): written as rows before its commit, queued after it."""
    owed = before_commit(_Owed(), key=_Owed)
    owed.employee_ids.update(employee_ids)
    after_commit(_Dispatch(owed), key=_Dispatch)


def name_run(run_id: int) -> None:
    """The invitations owed in this transaction are those of import run ``run_id`` (a
    receiver of ``import_recorded``)."""
    before_commit(_Owed(), key=_Owed).run_id = run_id


def write_requests(employee_ids: list[int], run_id: int | None = None) -> list[int]:
    """Write the rows owing invitations to ``employee_ids`` (one per CHUNK people), as
    dispatched now; returns their ids. Flushes."""
    now = utcnow()
    rows = [
        InvitationRequest(
            created_at=now,
            import_run_id=run_id,
            employee_ids=employee_ids[i : i + passwords.CHUNK],
            people=len(employee_ids[i : i + passwords.CHUNK]),
            dispatched_at=now,
        )
        for i in range(0, len(employee_ids), passwords.CHUNK)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return [row.id for row in rows]


def invite_request(request_id: int) -> int:
    """Invite the people of row ``request_id`` and mark it done (call holding the invitations
    lock, in the task's transaction); 0 for a row already done or gone. Returns how many
    were invited."""
    row = db.session.get(InvitationRequest, request_id, populate_existing=True)
    if row is None or row.done_at is not None:
        return 0
    invited = passwords.invite_many(row.employee_ids)
    row.invited, row.done_at = invited, utcnow()
    db.session.flush()
    return invited


def sweep(now=None) -> list[int]:
    """Queue again (after the commit) the rows waiting more than :func:`retry_seconds` since
    their last dispatch, the oldest SWEEP_BATCH; returns their ids. Flushes."""
    from learnhub.auth.tasks import invite_people
    from learnhub.core.transactions import queue_after_commit

    now = now or utcnow()
    before = now - timedelta(seconds=retry_seconds())
    rows = db.session.scalars(
        select(InvitationRequest)
        .where(
            InvitationRequest.done_at.is_(None),
            or_(
                InvitationRequest.dispatched_at.is_(None),
                InvitationRequest.dispatched_at < before,
            ),
        )
        .order_by(InvitationRequest.id)
        .limit(SWEEP_BATCH)
    ).all()
    for row in rows:
        row.dispatched_at = now
        queue_after_commit(invite_people, key=("invite", row.id), request_id=row.id)
    db.session.flush()
    if rows:
        logger.warning("invitations: %d waiting request(s) queued again", len(rows))
    return [row.id for row in rows]


def of_run(run_id: int) -> dict[str, int] | None:
    """Invitations of import run ``run_id``: ``sent`` (people invited by the done rows),
    ``waiting`` (people of the rows not done yet), ``skipped`` (people of the done rows not
    invited: they had a password or a live invitation); None when the run owed none."""
    done = InvitationRequest.done_at.is_not(None)
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(InvitationRequest.invited), 0),
            func.coalesce(func.sum(InvitationRequest.people).filter(~done), 0),
            func.coalesce(func.sum(InvitationRequest.people).filter(done), 0),
        ).where(InvitationRequest.import_run_id == run_id)
    ).one()
    if not row[0]:
        return None
    return {"sent": int(row[1]), "waiting": int(row[2]), "skipped": int(row[3]) - int(row[1])}
