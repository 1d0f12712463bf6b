"""Reading the audit log (learnhub.core.audit): filtered listing and a CSV export for HR and
platform admins. Every export of it is itself audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Select, select

from learnhub.core.audit import AuditEvent
from learnhub.core.spreadsheet import csv_chunks, neutralise
from learnhub.extensions import db

HEADER = ["id", "at", "action", "actor_employee_id", "actor_token_id", "target", "ip", "details"]
CHUNK_ROWS = 2000


def events_query(
    action: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> Select:
    """Audit events, newest first; ``action`` exact, time in [since, until) (aware UTC)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def _utc(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def csv_rows(query: Select) -> Iterator[list[str]]:
    """The header, then one row per event, every cell neutralised against formulas."""
    yield HEADER
    for event in db.session.scalars(query.execution_options(yield_per=CHUNK_ROWS)):
        yield [
            neutralise(v)
            for v in (
                event.id,
                _utc(event.at),
                event.action,
                event.actor_id,
                event.actor_token_id,
                event.target,
                event.ip,
                json.dumps(event.details, sort_keys=True, ensure_ascii=False),
            )
        ]


def stream_csv(query: Select) -> Iterator[str]:
    """The CSV text (UTF-8, CRLF as RFC 4180) in chunks of CHUNK_ROWS rows."""
    return csv_chunks(csv_rows(query), CHUNK_ROWS)
