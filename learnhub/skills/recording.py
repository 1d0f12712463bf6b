"""Recording evidence rows in bulk: several competences (and kinds) from one source in one
INSERT, and one recompute request for the employee when any row is new. Flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite

from learnhub.core.errors import DomainError
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.skills.models import EVIDENCE_KINDS, Evidence, EvidenceKind
from learnhub.skills.services import request_recompute


def record_evidence_of(
    *,
    employee_id: int,
    levels: dict[int, int],
    kind: EvidenceKind,
    source: str,
    achieved_at: datetime | None = None,
    expires_at: datetime | None = None,
    recorded_by_id: int | None = None,
) -> int:
    """``learnhub.skills.services.record_evidence`` for several competences from one source at
    once: ``levels`` is {competence_id: level}; :func:`record_evidence_rows` records them.
    Returns how many rows were new. Raises DomainError as record_evidence does. Flushes, never
    commits."""
    if kind not in EVIDENCE_KINDS:
        raise DomainError(f"Unknown evidence kind {kind!r}.")
    rows = [NewEvidence(c, level, kind, expires_at) for c, level in sorted(levels.items())]
    return record_evidence_rows(
        employee_id=employee_id,
        rows=rows,
        source=source,
        achieved_at=achieved_at,
        recorded_by_id=recorded_by_id,
    )


@dataclass(frozen=True)
class NewEvidence:
    """One evidence row to record: ``competence_id`` at ``level``, of ``kind``, expiring at
    ``expires_at`` (None: never)."""

    competence_id: int
    level: int
    kind: EvidenceKind
    expires_at: datetime | None = None


def record_evidence_rows(
    *,
    employee_id: int,
    rows: list[NewEvidence],
    source: str,
    achieved_at: datetime | None = None,
    recorded_by_id: int | None = None,
) -> int:
    """Record ``rows`` (of one or several kinds) from one source at once: one INSERT … ON
    CONFLICT DO NOTHING on (source, competence, kind) (one built statement, executed for every
    row), so a row already recorded (a repeat, or a twin request's) stays as it is, and one
    recompute request for the employee when any row is new. Returns how many rows were new.
    Raises DomainError for an unknown kind or a level below 1. Flushes, never commits."""
    if any(row.kind not in EVIDENCE_KINDS for row in rows):
        raise DomainError(f"Unknown evidence kind in {sorted({r.kind for r in rows})!r}.")
    if any(row.level < 1 for row in rows):
        raise DomainError("An evidence level starts at 1.")
    if not rows:
        return 0
    at, now = achieved_at or utcnow(), utcnow()
    params = [
        {
            "employee_id": employee_id,
            "competence_id": row.competence_id,
            "level_number": row.level,
            "kind": row.kind,
            "source": source,
            "achieved_at": at,
            "expires_at": row.expires_at,
            "recorded_by_id": recorded_by_id,
            "created_at": now,
        }
        for row in rows
    ]
    statement = _evidence_insert(db.session.get_bind().dialect.name)
    inserted = db.session.execute(statement, params).all()
    if inserted:
        request_recompute([employee_id])
    return len(inserted)


@cache
def _evidence_insert(dialect_name: str) -> Insert:
    """:func:`record_evidence_rows`' INSERT for ``dialect_name``, built once."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = Evidence.__table__
    return (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=["source", "competence_id", "kind"])
        .returning(table.c.id)
    )
