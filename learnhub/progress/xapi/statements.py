"""xAPI statements for what learners do (xAPI 2.0 = IEEE 9274.1.1; also valid xAPI 1.0.3).

What is stated, and when (each statement is stored with a ``ref`` so a correction finds it):

- a learner opens a module's lesson, the first time: ``experienced`` the module
  (ref ``module:{employee}:{module}:experienced``);
- an attempt starts: ``attempted`` the quiz version (``attempt:{a}:attempted``);
- an attempt is submitted: ``answered`` each question, as an interaction activity
  (``attempt:{a}:question:{q}``; descriptions aside), then the attempt's result: ``passed`` or
  ``failed`` the quiz version, or ``completed`` while an essay waits for a reviewer
  (``attempt:{a}:result``);
- a module is completed: ``completed`` the module (``module:{employee}:{module}:completed``);
- a course is completed: ``completed`` the course (``course:{employee}:{course}:completed``);
- a passed test-out waives a module: ``waived`` the module (``module:{employee}:{module}:waived``;
  voided when a regrade withdraws the waiver);
- a requirement is created by an assignment: ``was assigned`` the course or module, made
  set-based by :mod:`learnhub.progress.xapi.assigned` (``requirement:{id}:assigned``).

Every statement of an attempt shares its ``context.registration``; answers have the quiz as
``parent``, results the module; the course is in ``grouping``.

A regrade or an essay review that changes an attempt restates its result and answers: each that
now says something else is voided and replaced (:func:`learnhub.progress.xapi.store.replace`);
a completion that a regrade undid is voided.

Rules followed (ADL conformance suite): ``result.score.scaled`` in [-1, 1], ``raw`` within
[``min``, ``max``], ``duration`` an ISO 8601 duration, ``timestamp`` ISO 8601 with an offset.
Statements carry no ``version`` (the LRS sets it from the X-Experience-API-Version header).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from functools import cache

from sqlalchemy import Select, bindparam, select

from learnhub.catalog.models import Course, Module
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.progress.models import XapiStatement
from learnhub.progress.xapi import interactions, vocab
from learnhub.progress.xapi.store import current, iso, replace, store, store_many, void_ref
from learnhub.questionbank.models import Question, QuestionBank, QuestionType
from learnhub.quizzes.layout import attempt_questions, bank_names
from learnhub.quizzes.models import Attempt, Quiz, ResponseState

#: response states that carry a score (an essay waiting for review, or stored without grading,
#: has none)
SCORED = (ResponseState.CORRECT, ResponseState.PARTIAL, ResponseState.INCORRECT)


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration such as ``PT1H0M0.1S`` for a number of seconds >= 0."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{round(secs, 2):g}S"


def _learner(employee_id: int) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None:  # a foreign key guarantees it; never reached
        raise LookupError(f"no employee {employee_id}")
    return employee


def actor(employee: Employee) -> dict:
    """The learner as an xAPI Agent (identified by email, as LRSs expect)."""
    return {"objectType": "Agent", "name": employee.full_name, "mbox": f"mailto:{employee.email}"}


def course_object(slug: str, title: str) -> dict:
    """A course as a statement's activity object."""
    return {
        "objectType": "Activity",
        "id": vocab.course_activity(slug),
        "definition": {"name": {"en": title}, "type": vocab.TYPE_COURSE},
    }


@dataclass(frozen=True)
class Place:
    """Where a quiz sits: the slugs and titles its activity ids and names come from."""

    course_slug: str
    course_title: str
    module_slug: str
    module_title: str

    def course(self) -> dict:
        return course_object(self.course_slug, self.course_title)

    def module(self) -> dict:
        return {
            "objectType": "Activity",
            "id": vocab.module_activity(self.course_slug, self.module_slug),
            "definition": {"name": {"en": self.module_title}, "type": vocab.TYPE_MODULE},
        }

    def quiz(self, quiz: Quiz) -> dict:
        return {
            "objectType": "Activity",
            "id": vocab.quiz_activity(self.course_slug, self.module_slug, quiz.version),
            "definition": {"name": {"en": quiz.title}, "type": vocab.TYPE_ASSESSMENT},
        }


def place_of(module: Module) -> Place:
    """The module's and its course's slugs and titles (its course is joined when it loads)."""
    return Place(module.course.slug, module.course.title, module.slug, module.title)


def _statement(
    employee: Employee,
    verb_id: str,
    obj: dict,
    at: datetime,
    *,
    result: dict | None = None,
    context: dict | None = None,
) -> dict:
    statement = {
        "id": str(uuid.uuid4()),
        "actor": actor(employee),
        "verb": vocab.verb(verb_id),
        "object": obj,
        "timestamp": iso(at),
    }
    if result is not None:
        statement["result"] = result
    if context is not None:
        statement["context"] = context
    return statement


def _ref(obj: dict) -> dict:
    return {"objectType": "Activity", "id": obj["id"]}


def _attempt_context(attempt: Attempt, place: Place, parent: dict, *extra: dict) -> dict:
    return {
        "registration": vocab.registration(f"attempt:{attempt.id}"),
        "contextActivities": {
            "parent": [_ref(parent)],
            "grouping": [_ref(a) for a in (*extra, place.course())],
        },
    }


def _score(points: Decimal | None, maximum: Decimal | None, exact: str | None) -> dict:
    scaled = Fraction(exact) if exact else Fraction(0)
    return {
        "scaled": round(float(scaled), 4),
        "raw": float(points or 0),
        "min": 0,
        "max": float(maximum or 0),
    }


def _submitted(attempt: Attempt) -> datetime:
    # statements of results are made for submitted attempts only
    return attempt.submitted_at or attempt.started_at


def result_statement(attempt: Attempt, employee: Employee, place: Place) -> dict:
    """The attempt's result: passed or failed, or completed while an essay waits for review."""
    if attempt.passed is None:
        verb_id = vocab.VERB_COMPLETED
    else:
        verb_id = vocab.VERB_PASSED if attempt.passed else vocab.VERB_FAILED
    result: dict = {
        "score": _score(attempt.raw_points, attempt.max_points, attempt.score_exact),
        "completion": True,
        "duration": iso_duration((_submitted(attempt) - attempt.started_at).total_seconds()),
    }
    if attempt.passed is not None:
        result["success"] = attempt.passed
    quiz = place.quiz(attempt.quiz)
    context = _attempt_context(attempt, place, place.module())
    return _statement(employee, verb_id, quiz, _submitted(attempt), result=result, context=context)


def _question_ids(questions: list[Question], quiz_iri: str) -> dict[int, str]:
    banks = {q.bank_id for q in questions if q.bank_id is not None}
    held = bank_names()  # read with the questions, most often
    names = {bank: held[bank] for bank in banks if bank in held}
    if banks - set(names):
        names.update(
            db.session.execute(
                select(QuestionBank.id, QuestionBank.name).where(
                    QuestionBank.id.in_(banks - set(names))
                )
            ).all()
        )
    ids = {}
    for question in questions:
        if question.bank_id is not None:
            digest = question.content_sha256 or f"question-{question.id}"
            ids[question.id] = vocab.bank_question_activity(names[question.bank_id], digest)
        else:
            ids[question.id] = vocab.question_activity(quiz_iri, question.position)
    return ids


def answer_statements(attempt: Attempt, employee: Employee, place: Place) -> dict[str, dict]:
    """One ``answered`` statement per question of the attempt (descriptions aside), by ref."""
    questions = [q for q in attempt_questions(attempt) if q.qtype != QuestionType.DESCRIPTION]
    quiz = place.quiz(attempt.quiz)
    ids = _question_ids(questions, quiz["id"])
    responses = {r.question_id: r for r in attempt.responses}
    context = _attempt_context(attempt, place, quiz, place.module())  # the same for each
    statements = {}
    for question in questions:
        response = responses.get(question.id)
        answer = response.answer if response is not None else None
        result: dict = {"completion": True}
        text = interactions.response_text(question.qtype, question.spec, answer)
        if text is not None:
            result["response"] = text
        if response is not None and response.state in SCORED:
            result["score"] = _score(response.points, question.points, response.fraction_exact)
            result["success"] = response.state == ResponseState.CORRECT
        obj = {
            "objectType": "Activity",
            "id": ids[question.id],
            "definition": interactions.definition(question.qtype, question.spec, question.name),
        }
        statements[f"attempt:{attempt.id}:question:{question.id}"] = _statement(
            employee, vocab.VERB_ANSWERED, obj, _submitted(attempt), result=result, context=context
        )
    return statements


def attempt_statements(attempt: Attempt, place: Place) -> dict[str, dict]:
    """Every statement a submitted attempt makes, by ref (answers first, the result last)."""
    employee = _learner(attempt.employee_id)
    statements = answer_statements(attempt, employee, place)
    statements[f"attempt:{attempt.id}:result"] = result_statement(attempt, employee, place)
    return statements


def record_attempt_started(attempt: Attempt, module: Module) -> XapiStatement:
    """Store the ``attempted`` statement of an attempt that just started."""
    employee = _learner(attempt.employee_id)
    place = place_of(module)
    statement = _statement(
        employee,
        vocab.VERB_ATTEMPTED,
        place.quiz(attempt.quiz),
        attempt.started_at,
        context=_attempt_context(attempt, place, place.module()),
    )
    return store(attempt.employee_id, statement, f"attempt:{attempt.id}:attempted")


def record_submitted(attempt: Attempt, module: Module, completed: bool) -> int:
    """Store, in one INSERT (:func:`learnhub.progress.xapi.store.store_many`), what a
    just-submitted attempt states: its answers, its result and, when it ``completed`` the
    module, the module's ``completed`` (dated at the submit). Returns how many."""
    place = place_of(module)
    statements = attempt_statements(attempt, place)
    if completed:
        at = _submitted(attempt)
        ref = f"module:{attempt.employee_id}:{module.id}:completed"
        statements[ref] = _module_completed(_learner(attempt.employee_id), place, at)
    store_many(attempt.employee_id, statements)
    return len(statements)


def record_regraded(attempt: Attempt, module: Module) -> list[XapiStatement]:
    """State a regraded or reviewed attempt again: each of its statements that now says
    something else is voided and replaced (one that says the same stays); returns the new
    statements (voiding ones included)."""
    statements = attempt_statements(attempt, place_of(module))
    in_force = current(list(statements))
    stored = []
    for ref, statement in statements.items():
        stored.extend(replace(attempt.employee_id, statement, ref, in_force.get(ref)))
    return stored


def record_module_completed(employee_id: int, module: Module, at: datetime) -> XapiStatement:
    """Store ``completed`` for a module the learner just completed."""
    statement = _module_completed(_learner(employee_id), place_of(module), at)
    return store(employee_id, statement, f"module:{employee_id}:{module.id}:completed")


def _module_completed(employee: Employee, place: Place, at: datetime) -> dict:
    return _statement(
        employee,
        vocab.VERB_COMPLETED,
        place.module(),
        at,
        result={"completion": True},
        context={"contextActivities": {"parent": [_ref(place.course())]}},
    )


def record_course_completed(employee_id: int, course_id: int, at: datetime) -> XapiStatement:
    """Store ``completed`` for a course whose every active module the learner completed."""
    course = db.session.get(Course, course_id)
    if course is None:  # a foreign key guarantees it; never reached
        raise LookupError(f"no course {course_id}")
    employee = _learner(employee_id)
    obj = course_object(course.slug, course.title)
    statement = _statement(
        employee, vocab.VERB_COMPLETED, obj, at, result={"completion": True, "success": True}
    )
    return store(employee_id, statement, f"course:{employee_id}:{course_id}:completed")


def void_completion(kind: str, employee_id: int, item_id: int) -> XapiStatement | None:
    """Void the ``completed`` statement of a module or course (``kind``) a regrade undid."""
    return void_ref(f"{kind}:{employee_id}:{item_id}:completed")


@cache
def _seen_statement() -> Select:
    """Is a statement stored under ``ref`` (parameter)? Built once: every module page asks."""
    return select(XapiStatement.id).where(XapiStatement.ref == bindparam("ref")).limit(1)


def record_module_experienced(employee_id: int, module: Module, at: datetime) -> bool:
    """Store ``experienced`` the first time a learner opens a module's lesson (later visits
    state nothing: an LRS wants the event, not every reload). Returns whether it stored one."""
    ref = f"module:{employee_id}:{module.id}:experienced"
    seen = db.session.scalar(_seen_statement(), {"ref": ref})
    if seen is not None:
        return False
    place = place_of(module)
    employee = _learner(employee_id)
    statement = _statement(
        employee,
        vocab.VERB_EXPERIENCED,
        place.module(),
        at,
        context={"contextActivities": {"parent": [_ref(place.course())]}},
    )
    store(employee_id, statement, ref)
    return True


def record_module_waived(employee_id: int, module: Module, at: datetime) -> XapiStatement:
    """Store ``waived`` for a module a passed test-out waived (cmi5's use of the verb: the
    requirements were met other than by completing it: result success and completion, and
    cmi5's reason "Tested Out")."""
    place = place_of(module)
    statement = _statement(
        _learner(employee_id),
        vocab.VERB_WAIVED,
        place.module(),
        at,
        result={
            "success": True,
            "completion": True,
            "extensions": {vocab.WAIVED_REASON: vocab.TESTED_OUT},
        },
        context={"contextActivities": {"parent": [_ref(place.course())]}},
    )
    return store(employee_id, statement, f"module:{employee_id}:{module.id}:waived")


def void_waiver(employee_id: int, module_id: int) -> XapiStatement | None:
    """Void the ``waived`` statement of a module whose waiver a regrade withdrew."""
    return void_ref(f"module:{employee_id}:{module_id}:waived")
