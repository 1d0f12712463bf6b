"""Reading the audit log (learnhub.core.audit): filtered listing and a CSV export for HR and
platform admins, the one check of the filters (API and page), and the words for who did an
event and what it is about (page and CSV). Every export of it is itself audited.

The log stores internal ids (``actor_id``, ``employee:7``, ``attempt:14``); what people read
(the page, the CSV an auditor opens in a spreadsheet) names people by employee number, as the
page's filters take them: ``Evan Price (E1007)``, ``Attempt reference 14 of Evan Price
(E1007)``. Whose an attempt, evidence or API token is comes from the kinds registered with
:func:`register_owned_kinds` (by learnhub.privacy, which knows those tables: auth is below
them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import ColumnElement, Select, select

from learnhub.core.audit import AuditEvent, audit
from learnhub.core.errors import Issue, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.core.spreadsheet import csv_chunks, neutralise
from learnhub.extensions import db
from learnhub.org.models import Employee

#: the CSV's columns: ``actor`` and ``about`` in words as the page shows them, the employee
#: numbers alone for a spreadsheet's filters, ``target`` as stored but a person's internal id
#: replaced by their employee number (``employee:E1007``; ``attempt:14`` is the attempt
#: reference the essay pages show)
HEADER = [
    "id",
    "at",
    "action",
    "actor",
    "actor_employee_number",
    "actor_token_id",
    "target",
    "about",
    "about_employee_number",
    "ip",
    "details",
]
CHUNK_ROWS = 2000

#: the events LearnHub records, in words (others: their name with spaces)
ACTION_WORDS = {
    "access_revoked": "Leavers' access ended",
    "api_token_created": "API token created",
    "api_token_revoked": "API token revoked",
    "assignment.change": "Assignment changed",
    "assignment.create": "Learning assigned",
    "assignment.remove": "Assignment removed",
    "credential.issued": "Credential issued",
    "credential.revoked": "Credential revoked",
    "evidence_validated": "Level validated",
    "evidence_withdrawn": "Evidence withdrawn",
    "export_audit_events": "Audit log downloaded",
    "export_completions": "Completions exported",
    "export_learning_record": "Own record of learning downloaded",
    "export_requirements": "Required learning exported",
    "export_xapi_statements": "xAPI statements exported",
    "invitation_sent": "Invitation sent",
    "org_import": "HR import",
    "password_reset_requested": "Password reset asked for",
    "password_set": "Password set",
    "person.erased": "Personal data erased",
    "person.legal_hold": "Legal hold set",
    "person.legal_hold_lifted": "Legal hold lifted",
    "prior_learning_recorded": "Prior learning recorded",
    "quizzes.bank_export": "Question bank exported",
    "quizzes.bank_import": "Question bank imported",
    "quizzes.essay_scored": "Essay marked",
    "quizzes.question_fixed": "Question key fixed",
    "quizzes.regrade": "Quiz regraded",
    "quizzes.settings": "Quiz settings changed",
    "quizzes.time_adjustment": "Extra time changed",
    "role_granted": "Role granted",
    "role_revoked": "Role taken away",
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
}

#: how the "about" of an event names a thing of someone's (the essay pages say "Attempt
#: reference 13" too)
OWNED_WORDS = {"attempt": "Attempt reference", "evidence": "Evidence", "api_token": "API token #"}

#: target kind -> (its table's id column, the column of the employee it belongs to); filled by
#: :func:`register_owned_kinds`
_OWNED_KINDS: dict[str, tuple[Any, Any]] = {}


def register_owned_kinds(kinds: dict[str, tuple[Any, Any]]) -> None:
    """Say whose the things named by audit targets are: ``{"attempt": (Attempt.id,
    Attempt.employee_id), …}`` (learnhub.privacy.audit_about.OWNED_KINDS, at start-up)."""
    _OWNED_KINDS.update(kinds)


def filter_issues(
    action: str | None, since: datetime | None, until: datetime | None
) -> list[Issue]:
    """What is wrong with audit log filters, as issues whose ``where`` is the API's field
    (``action``, ``until``); empty when nothing. The one check of the API and the page (a
    tester's ``?action=bogus`` and ``until`` before ``since`` listed nothing, answering 200):
    an action LearnHub does not record and the log does not hold; a range [since, until)
    that holds no time (``until`` not after ``since``). One query (the actions held) only for
    an action not in :data:`ACTION_WORDS`."""
    issues = []
    if action and action not in ACTION_WORDS and action not in actions():
        issues.append(Issue("action", f"no event is called “{action}”"))
    if since is not None and until is not None and until <= since:
        issues.append(Issue("until", "until must be after since"))
    return issues


def check_filters(action: str | None, since: datetime | None, until: datetime | None) -> None:
    """Raise ValidationFailed (422) listing :func:`filter_issues`, if any."""
    issues = filter_issues(action, since, until)
    if issues:
        raise ValidationFailed(
            "The audit log filters are wrong: " + "; ".join(map(str, issues)) + ".", issues
        )


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


def owners(events: list[AuditEvent]) -> dict[str, int]:
    """{target: the employee id it belongs to} for ``events`` about an attempt, a piece of
    evidence or an API token (the registered kinds); one query per kind present."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        kind, _, rest = (event.target or "").partition(":")
        if kind in _OWNED_KINDS and rest.isdecimal() and len(rest) < 12:
            wanted.setdefault(kind, set()).add(int(rest))
    found: dict[str, int] = {}
    for kind, ids in wanted.items():
        ident, owner = _OWNED_KINDS[kind]
        for key, person in db.session.execute(select(ident, owner).where(ident.in_(ids))):
            if person is not None:
                found[f"{kind}:{key}"] = person
    return found


def people(events: list[AuditEvent], owned: dict[str, int]) -> dict[int, Employee]:
    """The employees ``events`` name as actor or ``employee:<id>`` target, and the owners of
    their attempts, evidence and tokens (``owned``, from :func:`owners`); one query."""
    ids = {e.actor_id for e in events if e.actor_id is not None} | set(owned.values())
    for event in events:
        kind, _, rest = (event.target or "").partition(":")
        if kind == "employee" and rest.isdecimal() and len(rest) < 12:
            ids.add(int(rest))
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(ids)))}


def _person(employee_id: int, named: dict[int, Employee]) -> str:
    found = named.get(employee_id)
    if found is None:
        return f"employee #{employee_id}"
    return f"{found.full_name} ({found.employee_number})"


def actor_words(event: AuditEvent, named: dict[int, Employee]) -> str:
    """Who did ``event``: "Hana Reed (E1020)", "API token #3 of Hana Reed (E1020)", or
    "The system or the command line". ``named``: from :func:`people`."""
    if event.actor_token_id is not None:
        actor = f"API token #{event.actor_token_id}"
        if event.actor_id is not None:
            actor += f" of {_person(event.actor_id, named)}"
        return actor
    if event.actor_id is not None:
        return _person(event.actor_id, named)
    return "The system or the command line"


def about(
    event: AuditEvent, named: dict[int, Employee], owned: dict[str, int]
) -> tuple[str, Employee | None]:
    """What ``event`` is about in words ("Evan Price (E1007)", "Attempt reference 14 of Evan
    Price (E1007)", else its target as stored, "—" for none) and the person it is about, if
    one (their record, or the owner of their attempt, evidence or token)."""
    kind, _, rest = (event.target or "").partition(":")
    if kind == "employee" and rest.isdecimal() and len(rest) < 12:
        return _person(int(rest), named), named.get(int(rest))
    if kind in OWNED_WORDS and event.target in owned:
        owner = owned[event.target]
        joint = "" if OWNED_WORDS[kind].endswith("#") else " "
        return f"{OWNED_WORDS[kind]}{joint}{rest} of {_person(owner, named)}", named.get(owner)
    return event.target or "—", None


def _target(event: AuditEvent, named: dict[int, Employee]) -> str | None:
    kind, _, rest = (event.target or "").partition(":")
    if kind == "employee" and rest.isdecimal() and len(rest) < 12 and int(rest) in named:
        return f"employee:{named[int(rest)].employee_number}"
    return event.target


def csv_rows(query: Select) -> Iterator[list[str]]:
    """The header, then one row per event (:data:`HEADER`), every cell neutralised against
    formulas. People are named by employee number, as the page names them (a tester's
    finding: internal ids mean nothing to an auditor); two queries per CHUNK_ROWS events for
    the names, at most one more per kind of owned target."""
    yield HEADER
    result = db.session.scalars(query.execution_options(yield_per=CHUNK_ROWS))
    for chunk in result.partitions(CHUNK_ROWS):
        events = list(chunk)
        owned = owners(events)
        named = people(events, owned)
        for event in events:
            actor = named.get(event.actor_id) if event.actor_id is not None else None
            words, subject = about(event, named, owned)
            yield [
                neutralise(v)
                for v in (
                    event.id,
                    _utc(event.at),
                    event.action,
                    actor_words(event, named),
                    actor.employee_number if actor is not None else None,
                    event.actor_token_id,
                    _target(event, named),
                    words if event.target else None,
                    subject.employee_number if subject is not None else None,
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
