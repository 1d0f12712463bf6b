"""Issued credentials: one row per Open Badges 3.0 credential LearnHub signed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.models import utcnow
from learnhub.extensions import db


class IssuedCredential(db.Model):
    """An OpenBadgeCredential issued to ``employee_id`` for completing ``course_id``.

    ``id`` is also the credential's bit in the revocation status list (W3C Bitstring Status
    List: ``statusListIndex``), so it never changes; ``uuid`` names the credential in its URL
    (``<base>/credentials/<uuid>``). ``revoked_at`` is set when the completion no longer stands
    (a regrade turned a pass into a fail) or the person's record is erased; a revoked
    credential stays revoked, and a later completion gets a new credential.
    """

    __tablename__ = "issued_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_issued_credentials_employee_course", "employee_id", "course_id"),)
