"""Evidence that follows a changing result: the rows of one source and kind made exactly
what the result now shows (question-level evidence of an attempt after a regrade or an essay
review). Flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.skills.models import Evidence, EvidenceKind
from learnhub.skills.recording import record_evidence_of
from learnhub.skills.services import request_recompute


def sync_evidence(
    *,
    employee_id: int,
    kind: EvidenceKind,
    source: str,
    levels: dict[int, int],
    achieved_at: datetime,
    expires_at: datetime | None = None,
) -> bool:
    """Make the evidence of ``kind`` from ``source`` exactly ``levels`` ({competence_id:
    level >= 1}): a competence no longer shown has its row revoked (kept on record, no longer
    counting), a changed level or expiry is updated and reinstated, a new competence is
    inserted (:func:`learnhub.skills.recording.record_evidence_of`, ON CONFLICT DO NOTHING, so a
    twin request or a repeat adds nothing). Returns True when anything changed; then the
    summaries above the employee are queued for after the commit. Two statements when nothing
    changed (the SELECT, and none else). Flushes, never commits."""
    rows = {
        row.competence_id: row
        for row in db.session.scalars(
            select(Evidence).where(Evidence.source == source, Evidence.kind == kind)
        )
    }
    now, updated = utcnow(), False
    for competence_id, row in rows.items():
        wanted = levels.get(competence_id)
        if wanted is None:
            if row.revoked_at is None:
                row.revoked_at, updated = now, True
            continue
        if (row.level_number, row.revoked_at, row.expires_at) != (wanted, None, expires_at):
            row.level_number, row.revoked_at, row.expires_at = wanted, None, expires_at
            row.achieved_at, updated = achieved_at, True
    if updated:
        request_recompute([employee_id])
        db.session.flush()
    new = {c: level for c, level in levels.items() if c not in rows}
    inserted = 0
    if new:  # queues its own recompute request when it inserts
        inserted = record_evidence_of(
            employee_id=employee_id,
            levels=new,
            kind=kind,
            source=source,
            achieved_at=achieved_at,
            expires_at=expires_at,
        )
    return updated or bool(inserted)
