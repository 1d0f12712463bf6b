"""Which audit events are about a person: the one rule used by the audit log page's "About
person" filter (and its CSV) and by the subject access export, so both find the same events.

An event's ``target`` names what it is about as ``<kind>:<id>`` (:func:`learnhub.core.audit.audit`
callers). The kinds that belong to one person, and the column that says whose:

- ``employee:<id>``: the person's own record (sign-ins, roles, passwords, extra time,
  credentials, exemptions, erasure, subject access);
- their work email, as typed (``sign_in_failed``, ``password_reset_requested``: no account
  id is known then);
- ``attempt:<id>``: ``attempts.employee_id`` (essays marked);
- ``evidence:<id>``: ``evidence.employee_id`` (validations, prior learning, withdrawals);
- ``api_token:<id>``: ``api_tokens.owner_id`` (a token made or revoked for them).

Kinds that belong to no one person (``quiz``, ``question``, ``bank``, ``assignment``: a rule
over many people; ``export-job``: its requester is the event's actor) are left out.

One ``target IN (… UNION ALL …)`` over the person's few attempts, evidence and tokens (each
read by its ``employee_id`` / ``owner_id`` index), which the index on ``audit_events.target``
answers without scanning the log.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, literal, select, union_all

from learnhub.auth.models import ApiToken
from learnhub.core.audit import AuditEvent
from learnhub.quizzes.models import Attempt
from learnhub.skills.models import Evidence

#: the target kinds that belong to a person: kind -> (table's id, its person column)
OWNED_KINDS = {
    "attempt": (Attempt.id, Attempt.employee_id),
    "evidence": (Evidence.id, Evidence.employee_id),
    "api_token": (ApiToken.id, ApiToken.owner_id),
}


def about_person(person_id: int, email: str | None) -> ColumnElement[bool]:
    """The condition on :class:`AuditEvent` of the events about employee ``person_id`` (work
    ``email`` too, lower case as stored, when known): a WHERE clause for a SELECT of
    audit events."""
    parts = [select(literal(f"employee:{person_id}", String).label("target"))]
    if email:
        parts.append(select(literal(email.lower(), String).label("target")))
    for kind, (ident, owner) in OWNED_KINDS.items():
        parts.append(
            select(literal(f"{kind}:", String).concat(cast(ident, String))).where(
                owner == person_id
            )
        )
    return AuditEvent.target.in_(union_all(*parts).scalar_subquery())
