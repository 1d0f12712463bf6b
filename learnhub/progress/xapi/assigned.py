"""xAPI statements about requirements: "was assigned" made and voided set-based, and HR's
exemptions ("waived").

"Was assigned": one INSERT … SELECT into ``xapi_statements`` (and one into ``xapi_outbox`` when
an LRS is configured) for every new requirement of an assignment's materialisation, however
many people it reaches (issue 10's rule: no per-person Python loop at 100,000 people); when
requirements are deleted (their assignment removed, or the person no longer in its audience,
or gone), :func:`void_assigned` voids their statements the same way: one UPDATE marking them
voided and one INSERT … SELECT of the voiding statements (xAPI "Voided": a statement is never
changed or deleted; an LRS is told to disregard it).

The caller (assignments, the layer above) hands a SELECT of the items with the columns
``item_id`` (a stable id of the item, e.g. the requirement id), ``employee_id``,
``course_id`` and ``module_id`` (None for a whole course). Each statement says::

    actor  the learner (name, mbox: as every LearnHub statement)
    verb   https://w3id.org/xapi/acrossx/verbs/was-assigned  (vocab.VERB_ASSIGNED: why)
    object the course, or the module with its course as context parent
    timestamp  the time of the materialisation

and is stored with ``ref`` = ``<ref_prefix><item_id>:assigned``.

Ids: every statement of one call shares a random UUID4 prefix (8-4-4-4 groups, 62 random
bits) and ends with the item id in 12 hex digits, so an id is a well-formed UUID, unique, and
computed by the database in the same row as the statement that carries it. The voiding
statements of one call share a new random prefix and end with their row number. Activity ids
and names come from :mod:`.vocab` in Python, for the few (course, module) pairs involved, and
reach the SQL as one CASE each.

HR exemptions (:func:`record_exempted`): cmi5's "waived" (the verb the ADL vocabulary defines
for it), result success and completion, and cmi5's required ``reason`` result extension set
to its word for an administrator's decision, "Administrative": HR's own reason is never in a
statement (often health data; an LRS is read by others), ref ``<ref_prefix><item_id>:waived``;
withdrawn, it is voided (:func:`void_exempted`).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    CursorResult,
    Select,
    String,
    case,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.expression import null

from learnhub.catalog.models import Course, Module
from learnhub.core.transactions import after_commit
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.progress.models import XapiOutbox, XapiStatement
from learnhub.progress.xapi import vocab
from learnhub.progress.xapi.statements import actor, course_object, place_of
from learnhub.progress.xapi.store import (
    ForwardWakeUp,
    current,
    iso,
    lrs_configured,
    store,
    system_agent,
    void,
)


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _json_object(*pairs: object) -> ColumnElement:
    """A JSON object from alternating keys and values, in the database's own JSON functions."""
    return (func.jsonb_build_object if _postgres() else func.json_object)(*pairs)


def _patched(constant: ColumnElement, row: ColumnElement) -> ColumnElement:
    """``constant`` (JSON text) with the keys of ``row`` (:func:`_json_object`) added."""
    if _postgres():
        return sql_cast(sql_cast(constant, JSONB).op("||")(row), JSON)
    return func.json_patch(constant, row)


def _merged(constant: ColumnElement, statement_id: ColumnElement) -> ColumnElement:
    """The statement: ``constant`` (JSON text of its verb, object, context and timestamp) with
    the row's ``id`` and ``actor`` added."""
    name = Employee.first_name + literal(" ") + Employee.last_name
    mbox = literal("mailto:") + Employee.email
    agent = _json_object("objectType", "Agent", "name", name, "mbox", mbox)
    return _patched(constant, _json_object("id", statement_id, "actor", agent))


def _hex12(column: ColumnElement) -> ColumnElement:
    """``column`` (an integer id) as 12 lower-case hex digits."""
    if _postgres():
        return func.lpad(func.to_hex(column), 12, "0")
    return func.printf("%012x", column)


def _activities(items, at: datetime) -> dict[tuple[int, int | None], tuple[str, str]]:
    """``{(course_id, module_id): (activity id, JSON text of the statement's verb, object,
    context and timestamp)}`` for the pairs among ``items`` (a handful: read in Python)."""
    pairs = db.session.execute(select(items.c.course_id, items.c.module_id).distinct()).all()
    if not pairs:
        return {}
    course_ids = {p[0] for p in pairs}
    courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_(course_ids)))}
    module_ids = {p[1] for p in pairs if p[1] is not None}
    modules = {m.id: m for m in db.session.scalars(select(Module).where(Module.id.in_(module_ids)))}
    found: dict[tuple[int, int | None], tuple[str, str]] = {}
    for course_id, module_id in pairs:
        course = courses[course_id]
        course_iri = vocab.course_activity(course.slug)
        common = {"verb": vocab.verb(vocab.VERB_ASSIGNED), "timestamp": iso(at)}
        if module_id is None:
            obj = {
                "objectType": "Activity",
                "id": course_iri,
                "definition": {"name": {"en": course.title}, "type": vocab.TYPE_COURSE},
            }
            found[(course_id, None)] = (course_iri, json.dumps(common | {"object": obj}))
            continue
        module = modules[module_id]
        module_iri = vocab.module_activity(course.slug, module.slug)
        obj = {
            "objectType": "Activity",
            "id": module_iri,
            "definition": {"name": {"en": module.title}, "type": vocab.TYPE_MODULE},
        }
        context = {"contextActivities": {"parent": [{"objectType": "Activity", "id": course_iri}]}}
        found[(course_id, module_id)] = (
            module_iri,
            json.dumps(common | {"object": obj, "context": context}),
        )
    return found


def record_assigned(items: Select, *, ref_prefix: str, at: datetime) -> int:
    """Store a "was assigned" statement for each row of ``items`` (module docstring) in one
    INSERT … SELECT, queue them for the LRS in one more when one is configured; returns how
    many. Adds to the caller's transaction; flushes."""
    sub = items.subquery("assigned_items")
    activities = _activities(sub, at)
    if not activities:
        return 0
    key = func.coalesce(sub.c.module_id, 0)

    def by_pair(values: dict[tuple[int, int | None], str]) -> ColumnElement:
        return case(
            *[
                ((sub.c.course_id == c) & (key == (m or 0)), literal(v))
                for (c, m), v in values.items()
            ],
            else_=null(),
        )

    object_id = by_pair({pair: iri for pair, (iri, _rest) in activities.items()})
    constant = by_pair({pair: rest for pair, (_iri, rest) in activities.items()})
    prefix = str(uuid.uuid4())[:24]
    statement_id = literal(prefix) + _hex12(sub.c.item_id)
    body = _merged(constant, statement_id)
    rows = (
        select(
            statement_id,
            sub.c.employee_id,
            literal(vocab.VERB_ASSIGNED),
            object_id,
            literal(at, XapiStatement.timestamp.type),
            literal(at, XapiStatement.stored.type),
            body,
            literal(ref_prefix) + sql_cast(sub.c.item_id, String) + literal(":assigned"),
        )
        .select_from(sub)
        .join(Employee, Employee.id == sub.c.employee_id)
        .where(object_id.is_not(None))
    )
    inserted = db.session.execute(
        insert(XapiStatement)
        .from_select(
            ["id", "employee_id", "verb", "object_id", "timestamp", "stored", "statement", "ref"],
            rows,
        )
        .execution_options(preserve_rowcount=True)
    )
    count = cast(CursorResult, inserted).rowcount or 0
    if count and lrs_configured():
        db.session.execute(
            insert(XapiOutbox).from_select(
                ["statement_id", "queued_at", "next_attempt_at", "attempts"],
                select(
                    XapiStatement.id,
                    literal(at, XapiOutbox.queued_at.type),
                    literal(at, XapiOutbox.next_attempt_at.type),
                    literal(0),
                ).where(XapiStatement.id.startswith(prefix, autoescape=True)),
            )
        )
        after_commit(ForwardWakeUp(), key=ForwardWakeUp)
    db.session.flush()
    return count


def _refs(items: Select, ref_prefix: str, suffix: str) -> Select:
    sub = items.subquery("stated_items")
    return select(literal(ref_prefix) + sql_cast(sub.c.item_id, String) + literal(suffix))


def void_assigned(items: Select, *, ref_prefix: str, at: datetime) -> int:
    """Void the "was assigned" statement in force of each item of ``items`` (a SELECT with an
    ``item_id`` column: items about to be deleted) in one UPDATE and one INSERT … SELECT (and
    one more for the LRS when one is configured); also void their exemptions' "waived"
    statements (few: one at a time). Returns how many "was assigned" statements were voided.
    Adds to the caller's transaction; flushes."""
    for row in current_rows(_refs(items, ref_prefix, ":waived")):
        void(row, at)
    prefix = str(uuid.uuid4())[:24]
    in_force = [
        XapiStatement.ref.in_(_refs(items, ref_prefix, ":assigned")),
        XapiStatement.verb == vocab.VERB_ASSIGNED,
        XapiStatement.voided_by.is_(None),
    ]
    # each voiding statement's id: the call's prefix and the row's number in 12 hex digits
    # (not the voided id's tail: a requirement id SQLite reused may have two in force)
    number = func.row_number().over(order_by=XapiStatement.id)
    constant = json.dumps(
        {"actor": system_agent(), "verb": vocab.verb(vocab.VERB_VOIDED), "timestamp": iso(at)}
    )
    old = (
        select(
            (literal(prefix) + _hex12(number)).label("id"),
            XapiStatement.employee_id,
            XapiStatement.id.label("voided_id"),
        )
        .where(*in_force)
        .subquery("voided")
    )
    statement_ref = _json_object("objectType", "StatementRef", "id", old.c.voided_id)
    body = _patched(literal(constant), _json_object("id", old.c.id, "object", statement_ref))
    inserted = db.session.execute(
        insert(XapiStatement)
        .from_select(
            ["id", "employee_id", "verb", "object_id", "timestamp", "stored", "statement"],
            select(
                old.c.id,
                old.c.employee_id,
                literal(vocab.VERB_VOIDED),
                old.c.voided_id,
                literal(at, XapiStatement.timestamp.type),
                literal(at, XapiStatement.stored.type),
                body,
            ),
        )
        .execution_options(preserve_rowcount=True)
    )
    count = cast(CursorResult, inserted).rowcount or 0
    if not count:
        return 0
    voiding = XapiStatement.__table__.alias("voiding")
    db.session.execute(  # UPDATE … FROM: PostgreSQL, and SQLite since 3.33
        XapiStatement.__table__.update()
        .where(
            *in_force,
            voiding.c.object_id == XapiStatement.id,
            voiding.c.id.startswith(prefix, autoescape=True),
        )
        .values(voided_by=voiding.c.id)
    )
    if lrs_configured():
        db.session.execute(
            insert(XapiOutbox).from_select(
                ["statement_id", "queued_at", "next_attempt_at", "attempts"],
                select(
                    XapiStatement.voided_by,
                    literal(at, XapiOutbox.queued_at.type),
                    literal(at, XapiOutbox.next_attempt_at.type),
                    literal(0),
                ).where(
                    XapiStatement.ref.in_(_refs(items, ref_prefix, ":assigned")),
                    XapiStatement.voided_by.startswith(prefix, autoescape=True),
                ),
            )
        )
        after_commit(ForwardWakeUp(), key=ForwardWakeUp)
    db.session.flush()
    return count


def current_rows(refs: Select) -> list[XapiStatement]:
    """The statements in force (not voided) whose ``ref`` is one of ``refs`` (a SELECT)."""
    return list(
        db.session.scalars(
            select(XapiStatement).where(
                XapiStatement.ref.in_(refs), XapiStatement.voided_by.is_(None)
            )
        )
    )


def record_exempted(
    employee_id: int,
    *,
    ref: str,
    course: Course,
    module: Module | None,
    at: datetime,
) -> XapiStatement:
    """Store "waived" for an exemption HR gave ``employee_id`` from ``course`` (or ``module``
    of it) at ``at``, under ``ref`` (e.g. ``requirement:12:waived``); any statement in force
    under ``ref`` is voided first. The statement carries cmi5's reason "Administrative", never
    HR's words (module docstring). Queued for the LRS when one is configured."""
    in_force = current([ref]).get(ref)
    if in_force is not None:
        void(in_force, at)
    employee = db.session.get(Employee, employee_id)
    if employee is None:  # a foreign key guarantees it; never reached
        raise LookupError(f"no employee {employee_id}")
    statement: dict = {
        "id": str(uuid.uuid4()),
        "actor": actor(employee),
        "verb": vocab.verb(vocab.VERB_WAIVED),
        "object": course_object(course.slug, course.title),
        "result": {
            "success": True,
            "completion": True,
            "extensions": {vocab.WAIVED_REASON: vocab.ADMINISTRATIVE},
        },
        "timestamp": iso(at),
    }
    if module is not None:
        statement["object"] = place_of(module).module()
        parent = {"objectType": "Activity", "id": vocab.course_activity(course.slug)}
        statement["context"] = {"contextActivities": {"parent": [parent]}}
    return store(employee_id, statement, ref)


def void_exempted(ref: str, at: datetime | None = None) -> XapiStatement | None:
    """Void the "waived" statement in force under ``ref`` (an exemption withdrawn) at ``at``
    (default now); returns the voiding statement, None when there was none."""
    row = current([ref]).get(ref)
    return void(row, at) if row is not None else None
