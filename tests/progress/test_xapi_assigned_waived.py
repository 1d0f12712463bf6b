"""xAPI "was assigned" and "waived" statements (issue 15): an assignment states each new
requirement set-based (one INSERT … SELECT whatever the number of people, queued for the LRS
in one more), never twice; a passed test-out states each waived module, and a regrade that
withdraws the waiver voids it. Every statement is checked against ralph's xAPI models."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from learnhub.assignments.materialise import sync_requirements
from learnhub.assignments.models import Requirement
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.progress.models import XapiOutbox, XapiStatement
from learnhub.progress.xapi import VERB_ASSIGNED, VERB_VOIDED, VERB_WAIVED, vocab
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.regrade import fix_question, regrade_quiz
from tests.assignments.helpers import assign, course_with_modules
from tests.factories import EmployeeFactory
from tests.progress.test_test_out import _take
from tests.progress.test_test_out import course as test_out_course  # noqa: F401  (fixture)
from tests.progress.test_xapi_statements import validate


def _people(n: int, tag: str) -> list:
    return [
        EmployeeFactory(email=f"{tag}.{i}@example.org", first_name=f"{tag}{i}") for i in range(n)
    ]


def _statements(verb: str) -> list[XapiStatement]:
    return list(
        db.session.scalars(
            select(XapiStatement).where(XapiStatement.verb == verb).order_by(XapiStatement.ref)
        )
    )


def test_each_new_requirement_is_stated_once_as_assigned(app_ctx):
    course, [module, _other], _quizzes = course_with_modules(2)
    people = _people(3, "learner")
    assign(course, people, date(2030, 1, 31))
    assign(course, people[:1], date(2030, 1, 31), module_ids=[module.id])
    stated = _statements(VERB_ASSIGNED)
    requirements = db.session.scalars(select(Requirement).order_by(Requirement.id)).all()
    assert len(stated) == len(requirements) == 4
    assert {s.ref for s in stated} == {f"requirement:{r.id}:assigned" for r in requirements}
    by_person = {p.id: p for p in people}
    for row in stated:
        statement = row.statement
        validate(statement)
        assert statement["id"] == row.id and uuid.UUID(row.id).version == 4
        person = by_person[row.employee_id]
        assert statement["actor"] == {
            "objectType": "Agent",
            "name": person.full_name,
            "mbox": f"mailto:{person.email}",
        }
        assert statement["verb"] == {"id": VERB_ASSIGNED, "display": {"en": "was assigned"}}
        assert statement["object"]["id"] == row.object_id
    course_iri = vocab.course_activity(course.slug)
    modules = [s for s in stated if s.object_id != course_iri]
    assert [s.statement["object"]["id"] for s in modules] == [
        vocab.module_activity(course.slug, module.slug)
    ]
    assert modules[0].statement["context"]["contextActivities"]["parent"][0]["id"] == course_iri
    sync_requirements(None, now=utcnow())  # nothing new: nothing stated again
    assert len(_statements(VERB_ASSIGNED)) == 4


def test_statements_are_made_in_a_fixed_number_of_sql_statements(app_ctx, count_queries):
    course, _modules, _quizzes = course_with_modules()
    few, many = _people(2, "few"), _people(40, "many")
    counts = []
    for people in (few, many):
        with count_queries() as queries:
            assign(course, people, date(2030, 1, 31))
        counts.append(sum("xapi_statements" in q for q in queries.statements))
    assert counts[0] == counts[1] >= 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(XapiStatement)
            .where(XapiStatement.verb == VERB_ASSIGNED)
        )
        == 42
    )


def test_assigned_statements_are_queued_for_the_lrs_when_one_is_configured(app_ctx):
    app_ctx.config["LEARNHUB_LRS_URL"] = "http://127.0.0.1:9/xAPI"
    try:
        course, _modules, _quizzes = course_with_modules()
        assign(course, _people(3, "lrs"), date(2030, 1, 31))
        queued = db.session.scalars(select(XapiOutbox.statement_id)).all()
        assert sorted(queued) == sorted(s.id for s in _statements(VERB_ASSIGNED))
    finally:
        app_ctx.config["LEARNHUB_LRS_URL"] = None


def test_a_test_out_states_waived_and_a_withdrawn_waiver_is_voided(test_out_course):  # noqa: F811
    course, modules, _quizzes, diagnostic = test_out_course
    me = EmployeeFactory(email="tester.out@example.org")
    attempt = _take(diagnostic.id, me.id, right=4)
    assert attempt.passed
    waived = _statements(VERB_WAIVED)
    assert sorted(s.object_id for s in waived) == sorted(
        vocab.module_activity(course.slug, m.slug) for m in modules[:2]
    )
    for row in waived:
        validate(row.statement)
        assert row.statement["result"] == {
            "success": True,
            "completion": True,
            "extensions": {vocab.WAIVED_REASON: "Tested Out"},  # cmi5 9.5.5.2: required
        }
        assert row.ref.endswith(":waived") and row.voided_by is None
    first = attempt_questions(attempt)[0]
    flipped = {**first.spec, "choices": [dict(c) for c in first.spec["choices"]]}
    for choice in flipped["choices"]:
        choice["weight"] = "0" if choice["weight"] != "0" else "100"
    fix_question(first.id, flipped)
    regrade_quiz(diagnostic.id)
    for row in waived:
        db.session.refresh(row)
        assert row.voided_by is not None
    voiding = [
        s for s in _statements(VERB_VOIDED) if s.statement["object"]["id"] in {w.id for w in waived}
    ]
    assert len(voiding) == 2


def test_assigned_due_dates_do_not_change_statements(app_ctx):
    course, _modules, _quizzes = course_with_modules()
    people = _people(2, "due")
    assign(course, people, date.today() + timedelta(days=30))
    assign(course, people, date.today() + timedelta(days=10))  # an earlier due date
    assert len(_statements(VERB_ASSIGNED)) == 2
