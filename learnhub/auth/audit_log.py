"""Reading the audit log (learnhub.core.audit): filtered listing and a CSV export for HR and
platform admins. Every export of it is itself audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import ColumnElement, Select, select

from learnhub.core.audit import AuditEvent, audit
from learnhub.core.models import utcnow
from learnhub.core.spreadsheet import csv_chunks, neutralise
from learnhub.extensions import db

HEADER = ["id", "at", "action", "actor_employee_id", "actor_token_id", "target", "ip", "details"]
CHUNK_ROWS = 2000


def events_query(
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    actor_id: int | None = None,
    target: str | None = None,
    about: ColumnElement[bool] | None = None,
) -> Select:
    """Audit events, newest first; ``action`` exact, time in [since, until) (aware UTC),
    ``actor_id`` the employee who acted, ``target`` exact (a person is ``"employee:<id>"``),
    ``about`` any further condition (the events about a person, with their attempts and
    evidence: :func:`learnhub.privacy.audit_about.about_person`)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if target is not None:
        query = query.where(AuditEvent.target == target)
    if about is not None:
        query = query.where(about)
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


def csv_download(query: Select, filters: dict[str, Any]) -> Response:
    """The CSV of ``query`` as a download (``learnhub-audit-<UTC time>.csv``), the export
    audited as ``export_audit_events`` with ``filters`` (JSON-able values). Used by the API
    (``GET /api/v1/audit-events.csv``) and the audit log page (``/audit.csv``). Reading the
    log page itself is not audited; exporting it is."""
    audit("export_audit_events", target="audit-events.csv", filters=filters)
    filename = f"learnhub-audit-{utcnow():%Y%m%dT%H%M%SZ}.csv"
    return Response(
        stream_with_context(stream_csv(query)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def actions() -> list[str]:
    """Every action the log holds, sorted (the audit page's choices); one query on the
    indexed column."""
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )
