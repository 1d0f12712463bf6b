"""xAPI "was assigned" statements made set-based: one INSERT … SELECT into ``xapi_statements``
(and one into ``xapi_outbox`` when an LRS is configured) for every new requirement of an
assignment's materialisation, however many people it reaches (issue 10's rule: no per-person
Python loop at 100,000 people).

The caller (assignments, the layer above) hands a SELECT of the new items with the columns
``item_id`` (a stable id of the item, e.g. the requirement id), ``employee_id``,
``course_id`` and ``module_id`` (None for a whole course). Each statement says::

    actor  the learner (name, mbox: as every LearnHub statement)
    verb   https://w3id.org/xapi/acrossx/verbs/was-assigned  (vocab.VERB_ASSIGNED: why)
    object the course, or the module with its course as context parent
    timestamp  the time of the materialisation

and is stored with ``ref`` = ``<ref_prefix><item_id>:assigned``.

Ids: every statement of one call shares a random UUID4 prefix (8-4-4-4 groups, 62 random
bits) and ends with the item id in 12 hex digits, so an id is a well-formed UUID, unique, and
computed by the database in the same row as the statement that carries it. Activity ids and
names come from :mod:`.vocab` in Python, for the few (course, module) pairs involved, and
reach the SQL as one CASE each.
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
from learnhub.progress.xapi.store import ForwardWakeUp, iso, lrs_configured


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _merged(constant: ColumnElement, statement_id: ColumnElement) -> ColumnElement:
    """The statement: ``constant`` (JSON text of its verb, object, context and timestamp) with
    the row's ``id`` and ``actor`` added, in the database's own JSON functions."""
    name = Employee.first_name + literal(" ") + Employee.last_name
    mbox = literal("mailto:") + Employee.email
    if _postgres():
        row = func.jsonb_build_object(
            "id",
            statement_id,
            "actor",
            func.jsonb_build_object("objectType", "Agent", "name", name, "mbox", mbox),
        )
        return sql_cast(sql_cast(constant, JSONB).op("||")(row), JSON)
    row = func.json_object(
        "id",
        statement_id,
        "actor",
        func.json_object("objectType", "Agent", "name", name, "mbox", mbox),
    )
    return func.json_patch(constant, row)


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
