"""Draining recompute requests into fresh team summaries: nothing lost, nothing run twice at once.

The record (DESIGN.md "recompute request"). A change that makes summaries stale (evidence,
targets, reporting lines) inserts ``recompute_requests`` rows in its own transaction
(:func:`learnhub.skills.services.request_recompute`). A row is deleted only by the recompute that
covered it, in that recompute's own transaction, so:

- a worker killed at any point rolls its transaction back and the rows it had taken are pending
  again; a redelivered or duplicated message, the next wake-up or the beat sweep (every minute)
  finds them in the table: the message carries nothing that matters;
- Redis is a wake-up signal only: a lost or failed wake-up delays a recompute until the next
  wake-up or sweep, it never loses one.

One drain round (:func:`drain_once`), in one transaction the task commits (each round is one of
the task's deliberate commit points, see ``learnhub.skills.tasks``):

1. take the summaries lock (below);
2. claim a bounded batch of the oldest rows: ``DELETE … WHERE id IN (oldest BATCH ids)
   RETURNING``. Deleting first is reading them: the delete only becomes visible at commit, and a
   rollback (a crash, a killed worker) puts the rows back. Rows committed meanwhile are not in
   the batch and stay for the next round;
3. recompute: the managers above the requested people, level by level, deepest first
   (:func:`learnhub.skills.chain.store_chain_summaries`: composed from the direct reports
   where a change is, shifted by their reports' differences above it; a few statements a
   level, whatever the number of managers); or, with an ``everyone`` row or more than
   ROLLUP_ABOVE requested people and managers, every summary in one roll-up
   (``store_all_summaries``), after also claiming every other pending row, which it covers,
   and then the day's snapshot of every summary (``learnhub.skills.trends``).

Every statement of step 3 starts after the claimed rows were committed together with their
changes, so the recompute sees those changes (PostgreSQL's default READ COMMITTED takes a new
snapshot per statement; never run this under REPEATABLE READ or SERIALIZABLE).

Concurrency. Two recomputes of overlapping chains must not interleave: a composed summary adds up
stored sub-summaries, and a recompute that read a sub-summary before another recompute committed
its update could overwrite the manager above with a stale sum. So every recompute first takes one
PostgreSQL transaction-level advisory lock (``pg_advisory_xact_lock(LOCK_KEY)``), released by its
commit or rollback (a killed worker's connection ends, and with it the lock). Recomputes are
therefore serial (never two full recomputes at once, and none overlapping a chain), which also
removes the deadlocks and duplicate keys of two first inserts of one summary. Coalescing keeps
that cheap: one drain takes every pending row, so a queue of 1,000 passes is one or two rounds,
not 1,000 tasks. On SQLite the claim's DELETE takes the database's single write lock at step 2
and holds it to the commit, which serialises recomputes the same way. Transient database errors
(deadlock with some other writer, serialization failure, a dropped connection, a lock wait past
``lock_timeout``) are retried by Celery with exponential backoff and jitter
(``learnhub.skills.tasks``); a retry starts a fresh transaction and finds the rows again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, text

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.skills.chain import store_chain_summaries
from learnhub.skills.models import RecomputeRequest
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.services import frameworks_with_profiles
from learnhub.skills.trends import snapshot_team_summaries

logger = logging.getLogger(__name__)

#: above this many requested people and managers in a round, the whole-tree roll-up is used
#: instead of the chain round. Measured at 100,000 people on PostgreSQL, 2 cores shared with
#: other work (load average 8-10): 47 chain rounds in 46 s of load (bench/team_summaries.py
#: --load-seconds 30 --rate 30; a median 66 managers a round, at most 135), 6.0 s for one
#: round of 500 random people (1,023 managers), 19.9 s for 2,000 (2,822 managers); the roll-up
#: 17-27 s in those runs (7.2 s on a quiet machine).
ROLLUP_ABOVE = 500
#: requests claimed per round (one transaction); more rows wait for the next round
BATCH = 5_000
#: the summaries lock: one PostgreSQL advisory lock key (any 64-bit number no other code uses)
LOCK_KEY = 0x4C48_5355_4D4D  # "LHSUMM"


@dataclass(frozen=True)
class Drained:
    """What one round did: ``requests`` rows deleted, ``managers`` summaries recomputed (per
    framework), ``frameworks`` counted, ``full`` when it was the whole-tree roll-up."""

    requests: int
    managers: int
    frameworks: int
    full: bool


def lock_summaries() -> None:
    """Wait for the summaries lock (PostgreSQL), held until this transaction ends. On SQLite the
    first write of the transaction serialises writers instead."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def claim_requests(limit: int | None) -> list[tuple[int | None, int | None, bool]]:
    """Delete, in this transaction, the oldest ``limit`` pending requests (all of them when
    ``limit`` is None) and return their ``(employee_id, manager_id, everyone)``. Claiming is
    deleting: a rollback puts them back, a commit ends them."""
    ids = select(RecomputeRequest.id).order_by(RecomputeRequest.id)
    if limit is not None:
        ids = ids.limit(limit)
    statement = (
        delete(RecomputeRequest)
        .where(RecomputeRequest.id.in_(ids.scalar_subquery()))
        .returning(
            RecomputeRequest.employee_id, RecomputeRequest.manager_id, RecomputeRequest.everyone
        )
        .execution_options(synchronize_session=False)
    )
    return [(row[0], row[1], row[2]) for row in db.session.execute(statement)]


def drain_once(batch: int = BATCH, at: datetime | None = None) -> Drained | None:
    """One round (see the module docstring): lock, claim up to ``batch`` requests, recompute the
    summaries they ask for, flush. None when nothing was pending. The caller commits; until then
    the claimed rows are only deleted for this transaction."""
    lock_summaries()
    rows = claim_requests(batch)
    if not rows:
        return None
    at = at or utcnow()
    employees = {e for e, _m, _all in rows if e is not None}
    managers = {m for _e, m, _all in rows if m is not None}
    everyone = any(flag for _e, _m, flag in rows)
    frameworks = frameworks_with_profiles()
    if everyone or len(employees) + len(managers) > ROLLUP_ABOVE:
        return _roll_up(at, claimed=len(rows))
    # level by level, deepest first: each summary adds up its reports' fresh ones
    recomputed = store_chain_summaries(employees, managers, at)
    logger.info("team summaries recomputed for %d managers, %d requests", recomputed, len(rows))
    return Drained(len(rows), recomputed, len(frameworks), False)


def recompute_all(at: datetime | None = None) -> Drained:
    """Every summary recomputed and the day's snapshot taken now, in the caller's transaction,
    and every pending request removed with them: those committed so far and those this
    transaction made (a command that made many changes itself, as ``flask demo seed``, leaves
    no request behind for a worker). Takes the summaries lock first, so the claim, then the
    roll-up, covers every request it deletes; they go only when this transaction commits
    (DESIGN.md "recompute request"). The caller commits."""
    lock_summaries()
    return _roll_up(at or utcnow(), claimed=0)


def _roll_up(at: datetime, claimed: int) -> Drained:
    """Step 3's whole-tree roll-up, the lock held and ``claimed`` requests already deleted:
    claim every other pending row (the roll-up covers every request committed so far, and
    this transaction's own), store every summary and the day's snapshot."""
    claimed += len(claim_requests(None))
    frameworks = frameworks_with_profiles()
    stored = store_all_summaries(at)
    snapshot_team_summaries(at)  # the day's trend point, committed with the summaries
    logger.info("all team summaries recomputed: %d, for %d requests", stored, claimed)
    return Drained(claimed, stored // max(1, len(frameworks)), len(frameworks), True)


def pending_requests() -> tuple[int, datetime | None]:
    """(pending requests, when the oldest was made) — for /healthz and monitoring."""
    count, oldest = db.session.execute(
        select(func.count(RecomputeRequest.id), func.min(RecomputeRequest.requested_at))
    ).one()
    return count, oldest
