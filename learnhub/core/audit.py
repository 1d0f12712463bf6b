"""The audit log of sensitive actions: who, what, when and from where (DESIGN.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.models import utcnow
from learnhub.extensions import db


class AuditEvent(db.Model):
    """A sensitive action (imports, exports, sign-ins and their failures, role changes).
    ``actor_id`` is the employee id, None for the CLI or an unknown user; kept without a
    foreign key so the log outlives erasure of a person (GDPR) as a pseudonymous record."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str | None] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


def audit(action: str, target: str | None = None, **details: Any) -> AuditEvent:
    """Record an audit event for the signed-in user (None from the CLI) with the client IP.
    Adds to the session; the caller commits."""
    actor_id = None
    ip = None
    if has_request_context():
        ip = request.remote_addr
        if current_user and current_user.is_authenticated:
            actor_id = current_user.employee_id
    event = AuditEvent(actor_id=actor_id, action=action, target=target, ip=ip, details=details)
    db.session.add(event)
    return event
