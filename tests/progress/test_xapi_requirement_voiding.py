"""xAPI statements follow requirements out (issue 15 left-overs): a requirement deleted (its
assignment removed, its person out of the audience) has its "was assigned" statement voided,
set-based as it was stated; an HR exemption is stated as cmi5's "waived" with the reason
"Administrative" (never HR's words: often health data) and voided when withdrawn. Every
statement is checked against ralph's xAPI models."""

from __future__ import annotations

import json
import uuid
from datetime import date

from sqlalchemy import func, select

from learnhub.assignments import exemptions, services
from learnhub.assignments.materialise import refresh_for_people
from learnhub.assignments.models import Requirement
from learnhub.extensions import db
from learnhub.progress.models import XapiOutbox, XapiStatement
from learnhub.progress.xapi import VERB_ASSIGNED, VERB_VOIDED, VERB_WAIVED, vocab
from tests.assignments.helpers import assign, course_with_modules
from tests.factories import EmployeeFactory
from tests.progress.test_xapi_statements import validate

DUE = date(2030, 1, 31)
SECRET = "treatment for a back injury"


def _people(n: int, tag: str) -> list:
    return [
        EmployeeFactory(email=f"{tag}.{i}@example.org", first_name=f"{tag}{i}") for i in range(n)
    ]


def _rows(verb: str) -> list[XapiStatement]:
    db.session.expire_all()  # the voiding UPDATE is Core: read the rows afresh
    return list(
        db.session.scalars(
            select(XapiStatement).where(XapiStatement.verb == verb).order_by(XapiStatement.ref)
        )
    )


def _voided_by_statements(rows: list[XapiStatement]) -> dict[str, XapiStatement]:
    """{voided statement id: its voiding statement}, each checked against the voided one."""
    voiding = {v.id: v for v in _rows(VERB_VOIDED)}
    found = {}
    for row in rows:
        assert row.voided_by is not None, row.ref
        statement = voiding[row.voided_by]
        validate(statement.statement)
        assert statement.statement["id"] == statement.id
        assert statement.statement["object"] == {"objectType": "StatementRef", "id": row.id}
        assert statement.statement["verb"]["id"] == VERB_VOIDED
        assert statement.statement["actor"]["account"]["name"] == "learnhub"
        assert statement.object_id == row.id and statement.employee_id == row.employee_id
        found[row.id] = statement
    return found


def test_removing_an_assignment_voids_each_was_assigned_statement(app_ctx):
    course, [module], _quizzes = course_with_modules()
    people = _people(3, "gone")
    whole = assign(course, people, DUE)
    part = assign(course, people[:1], DUE, module_ids=[module.id])
    stated = _rows(VERB_ASSIGNED)
    assert len(stated) == 4
    services.remove_assignment(whole)
    db.session.flush()
    by_ref = {row.ref: row for row in _rows(VERB_ASSIGNED)}
    left = db.session.scalars(select(Requirement.id)).all()
    assert len(left) == 1  # the module assignment's requirement stays, stated and in force
    assert by_ref[f"requirement:{left[0]}:assigned"].voided_by is None
    gone = [row for ref, row in by_ref.items() if ref != f"requirement:{left[0]}:assigned"]
    assert len(gone) == 3
    voiding = _voided_by_statements(gone)
    assert len(set(v.id for v in voiding.values())) == 3
    services.remove_assignment(part)
    assert all(row.voided_by for row in _rows(VERB_ASSIGNED))
    assert len(_rows(VERB_VOIDED)) == 4  # each voided once
    again = assign(course, people[:1], DUE)  # assigned again: a new statement in force
    [current] = [r for r in _rows(VERB_ASSIGNED) if r.voided_by is None]
    assert current.ref.startswith("requirement:") and current.employee_id == people[0].id
    assert again.removed_at is None


def test_only_the_people_who_left_the_audience_are_voided(app_ctx):
    course, _modules, _quizzes = course_with_modules()
    stay, leave = _people(2, "stay"), _people(2, "leave")
    assignment = assign(course, stay + leave, DUE)
    for person in leave:  # they leave the organisation; the rules run again for them
        person.active = False
    refresh_for_people([p.id for p in leave])
    voided = {r.employee_id for r in _rows(VERB_ASSIGNED) if r.voided_by is not None}
    in_force = {r.employee_id for r in _rows(VERB_ASSIGNED) if r.voided_by is None}
    assert voided == {p.id for p in leave} and in_force == {p.id for p in stay}
    assert assignment.removed_at is None


def test_voiding_takes_a_fixed_number_of_sql_statements(app_ctx, count_queries):
    course, _modules, _quizzes = course_with_modules()
    counts = []
    for n, tag in ((2, "few"), (30, "many")):
        assignment = assign(course, _people(n, tag), DUE)
        with count_queries() as queries:
            services.remove_assignment(assignment)
        counts.append(sum("xapi_statements" in q for q in queries.statements))
    assert counts[0] == counts[1] >= 2
    assert db.session.scalar(select(func.count()).where(XapiStatement.verb == VERB_VOIDED)) == 32


def test_voiding_statements_are_queued_for_the_lrs_when_one_is_configured(app_ctx):
    app_ctx.config["LEARNHUB_LRS_URL"] = "http://127.0.0.1:9/xAPI"
    try:
        course, _modules, _quizzes = course_with_modules()
        services.remove_assignment(assign(course, _people(3, "lrs"), DUE))
        queued = set(db.session.scalars(select(XapiOutbox.statement_id)))
        voiding = {s.id for s in _rows(VERB_VOIDED)}
        assert len(voiding) == 3 and voiding <= queued
    finally:
        app_ctx.config["LEARNHUB_LRS_URL"] = None


def test_an_exemption_is_stated_waived_without_hr_reason_and_voided_when_withdrawn(app_ctx):
    course, [module, _other], _quizzes = course_with_modules(2)
    person, hr = EmployeeFactory(email="exempt@example.org"), EmployeeFactory()
    assign(course, [person], DUE)
    assign(course, [person], DUE, module_ids=[module.id])
    requirements = db.session.scalars(select(Requirement).order_by(Requirement.id)).all()
    for requirement in requirements:
        exemptions.waive_requirement(person, requirement, actor_id=hr.id, reason=SECRET)
    waived = _rows(VERB_WAIVED)
    assert sorted(w.ref for w in waived) == sorted(
        f"requirement:{r.id}:waived" for r in requirements
    )
    course_iri = vocab.course_activity(course.slug)
    for row in waived:
        validate(row.statement)
        assert SECRET not in json.dumps(row.statement) and "back injury" not in row.object_id
        assert row.statement["actor"]["mbox"] == "mailto:exempt@example.org"
        assert row.statement["verb"] == {"id": VERB_WAIVED, "display": {"en": "waived"}}
        assert row.statement["result"] == {
            "success": True,
            "completion": True,
            "extensions": {vocab.WAIVED_REASON: "Administrative"},
        }
    [of_module] = [w for w in waived if w.object_id != course_iri]
    assert of_module.object_id == vocab.module_activity(course.slug, module.slug)
    assert of_module.statement["context"]["contextActivities"]["parent"][0]["id"] == course_iri
    whole = requirements[0]
    exemptions.withdraw_waiver(person, whole, actor_id=hr.id, reason="back at work")
    by_ref = {w.ref: w for w in _rows(VERB_WAIVED)}
    _voided_by_statements([by_ref[f"requirement:{whole.id}:waived"]])
    assert by_ref[f"requirement:{requirements[1].id}:waived"].voided_by is None
    exemptions.waive_requirement(person, whole, actor_id=hr.id, reason="leave again")
    in_force = [w for w in _rows(VERB_WAIVED) if w.ref == f"requirement:{whole.id}:waived"]
    assert sorted(w.voided_by is None for w in in_force) == [False, True]


def test_a_removed_requirement_voids_its_exemption_too(app_ctx):
    course, _modules, _quizzes = course_with_modules()
    person, hr = EmployeeFactory(), EmployeeFactory()
    assignment = assign(course, [person], DUE)
    [requirement] = db.session.scalars(select(Requirement)).all()
    exemptions.waive_requirement(person, requirement, actor_id=hr.id, reason=SECRET)
    services.remove_assignment(assignment)
    rows = _rows(VERB_WAIVED) + _rows(VERB_ASSIGNED)
    assert len(rows) == 2
    _voided_by_statements(rows)


def test_two_statements_in_force_under_one_ref_are_both_voided(app_ctx):
    # SQLite reuses a deleted last row's id: a requirement deleted before voiding existed left
    # its statement in force under the ref the next requirement then got
    course, _modules, _quizzes = course_with_modules()
    assignment = assign(course, _people(1, "twice"), DUE)
    [row] = _rows(VERB_ASSIGNED)
    stale = {**row.statement, "id": str(uuid.uuid4())}
    db.session.add(
        XapiStatement(
            id=stale["id"],
            employee_id=row.employee_id,
            verb=row.verb,
            object_id=row.object_id,
            timestamp=row.timestamp,
            statement=stale,
            ref=row.ref,
        )
    )
    db.session.flush()
    services.remove_assignment(assignment)
    rows = _rows(VERB_ASSIGNED)
    assert len(rows) == 2
    assert len({v.id for v in _voided_by_statements(rows).values()}) == 2
