"""The audit log of sensitive actions: who, what, when and from where (DESIGN.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.db import db
from learnhub.core.models import utcnow


class AuditEvent(db.Model):
    """A sensitive action (imports, exports, sign-ins and their failures, role changes).
    ``actor_id`` is the employee id, None for the CLI or an unknown user; kept without a
    foreign key so the log outlives erasure of a person (GDPR) as a pseudonymous record."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None]
    # the API token that acted (integrations), None for people and the CLI
    actor_token_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(80), index=True)
    # indexed: the audit page finds the events about a person by their targets
    target: Mapped[str | None] = mapped_column(String(255), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


def _who() -> dict[str, Any]:
    actor_id = actor_token_id = ip = None
    if has_request_context():
        ip = request.remote_addr
        if current_user and current_user.is_authenticated:
            actor_id = current_user.employee_id
            actor_token_id = getattr(current_user, "api_token_id", None)
    return {"actor_id": actor_id, "actor_token_id": actor_token_id, "ip": ip}


def audit(action: str, target: str | None = None, **details: Any) -> AuditEvent:
    """Record an audit event for the signed-in user, or the API token of the request (both None
    from the CLI), with the client IP. Adds to the session; the caller commits."""
    # the time of the action, not of the later flush
    event = AuditEvent(at=utcnow(), action=action, target=target, details=details, **_who())
    db.session.add(event)
    return event


def audit_many(action: str, targets: list[str], **details: Any) -> int:
    """Record one event of ``action`` per target in one multi-row INSERT (an import touching
    100,000 people); returns how many. The caller commits."""
    if not targets:
        return 0
    who = _who()
    now = utcnow()
    rows = [{"at": now, "action": action, "target": t, "details": details, **who} for t in targets]
    db.session.execute(insert(AuditEvent), rows)
    return len(rows)
