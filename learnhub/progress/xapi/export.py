"""The xAPI statement export: every statement LearnHub stored (voided ones and the statements
voiding them included, as an LRS keeps them), as JSON Lines, filtered by time and person.

HR only, audited by the caller (``learnhub.progress.xapi.api``, ``flask xapi export``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.progress.models import XapiStatement

#: statements read from the database at a time (memory stays flat)
CHUNK = 1000


@dataclass(frozen=True)
class ExportFilter:
    """``since`` (inclusive) and ``until`` (exclusive) on the statement's ``timestamp`` (aware
    UTC datetimes, or None: no bound); ``employee_id``: one person's statements, or None."""

    since: datetime | None = None
    until: datetime | None = None
    employee_id: int | None = None

    def as_audit(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "employee_id": self.employee_id,
        }


def resolve_filter(
    since: datetime | None, until: datetime | None, employee_number: str | None
) -> ExportFilter:
    """Check and resolve the export's filters. ``since``/``until`` must be timezone-aware.
    Raises ValidationFailed naming the field (an unknown employee number, naive or crossed
    times); nothing is read."""
    issues = []
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            issues.append(Issue(name, "give a time with its offset (e.g. 2026-01-01T00:00:00Z)"))
    if not issues and since and until and since >= until:
        issues.append(Issue("until", "must be after since"))
    employee_id = None
    if employee_number:
        employee_id = db.session.scalar(
            select(Employee.id).where(Employee.employee_number == employee_number.strip())
        )
        if employee_id is None:
            issues.append(Issue("employee", f"no employee numbered {employee_number!r}"))
    if issues:
        raise ValidationFailed("The statement export was refused.", issues)
    return ExportFilter(since, until, employee_id)


def statements_jsonl(selection: ExportFilter) -> Iterator[str]:
    """The selected statements, one JSON object a line, by timestamp then id, in chunks of
    lines (a string of up to CHUNK lines each)."""
    query = select(XapiStatement.statement).order_by(XapiStatement.timestamp, XapiStatement.id)
    if selection.since is not None:
        query = query.where(XapiStatement.timestamp >= selection.since)
    if selection.until is not None:
        query = query.where(XapiStatement.timestamp < selection.until)
    if selection.employee_id is not None:
        query = query.where(XapiStatement.employee_id == selection.employee_id)
    lines: list[str] = []
    for statement in db.session.scalars(query.execution_options(yield_per=CHUNK)):
        lines.append(json.dumps(statement, ensure_ascii=False, separators=(",", ":")) + "\n")
        if len(lines) == CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
