"""xAPI statements (learnhub.progress.xapi): stable activity ids, one statement per event an
LRS user expects, each question as its cmi.interaction type with no answer key, and
corrections by voiding after an essay review or a regrade. Every statement is checked against
ralph's xAPI models (an independent implementation of the spec)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.catalog.models import Module
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.progress.models import XapiOutbox, XapiStatement
from learnhub.progress.xapi import (
    VERB_ANSWERED,
    VERB_ASSIGNED,
    VERB_ATTEMPTED,
    VERB_COMPLETED,
    VERB_EXPERIENCED,
    VERB_FAILED,
    VERB_PASSED,
    VERB_VOIDED,
)
from learnhub.questionbank.models import Question
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.essay_review import score_essays
from learnhub.quizzes.models import Quiz
from learnhub.quizzes.regrade import fix_question, regrade_quiz
from tests.conftest import sign_in
from tests.factories import CourseFactory, EmployeeFactory, ModuleFactory, QuizFactory

EVERY_TYPE = """\
::One:: Pick the safe link. {=https://gov.example ~http://gov-example.biz ~a QR code}

::Two:: Tick the signs of phishing. {~%50%urgency ~%50%a strange sender ~%-100%your name}

::Three:: Phishing emails can look genuine. {T}

::Four:: The protocol of a secure web address is… {=https}

::Five:: How many factors does 2FA use? {#2}

::Six:: Match them. {=cat -> animal =rose -> flower}

::Seven:: Explain why. {}

::Eight:: A description only.
"""
TF_AND_ESSAY = "::Fact::Phishing emails can look genuine. {T}\n\n::Why::Explain why. {}\n"
TWO_TF = "::One::First statement. {T}\n\n::Two::Second statement. {T}\n"


@pytest.fixture
def learner(app, demo):
    with app.app_context():
        return get_by_email("employee@example.org").id


def validate(statement: dict) -> None:
    """Raise unless ralph's xAPI statement model accepts ``statement``."""
    models = pytest.importorskip("ralph.models.xapi.base.statements")
    models.BaseXapiStatement(**statement)


def _questions(quiz_id: int) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question).where(Question.quiz_id == quiz_id).order_by(Question.position)
        )
    )


def _statements(employee_id: int, verb: str | None = None) -> list[XapiStatement]:
    query = select(XapiStatement).where(XapiStatement.employee_id == employee_id)
    if verb is not None:
        query = query.where(XapiStatement.verb == verb)
    return list(db.session.scalars(query.order_by(XapiStatement.stored, XapiStatement.id)))


def test_every_question_type_is_its_interaction_type_without_the_answer_key(
    app, learner, make_quiz
):
    quiz_id = make_quiz(EVERY_TYPE, pass_mark="50")
    with app.app_context():
        one, two, three, four, five, six, seven, _eight = _questions(quiz_id)
        attempt = quizzes.start_attempt(quiz_id, learner)
        quizzes.submit_attempt(
            attempt,
            {
                one.id: {"choice": 0},
                two.id: {"choices": [1, 0]},
                three.id: {"choice": 1},
                four.id: {"text": "https"},
                five.id: {"value": "2"},
                six.id: {"matches": {"0": "animal", "1": "animal"}},
                seven.id: {"text": "They copy real brands."},
            },
        )
        db.session.commit()
        answered = {s.object_id: s.statement for s in _statements(learner, VERB_ANSWERED)}
        quiz = db.session.get(Quiz, quiz_id)
        module = db.session.get(Module, quiz.module_id)
        base = (
            f"{app.config['LEARNHUB_BASE_URL']}/xapi/activities/courses/{module.course.slug}"
            f"/modules/{module.slug}/quiz/v{quiz.version}"
        )
        # the description is not a question: 7 answers, each under the quiz version's id
        assert sorted(answered) == [f"{base}/questions/{n}" for n in range(1, 8)]
        by_position = {int(key.rsplit("/", 1)[1]): value for key, value in answered.items()}
        kinds = {n: s["object"]["definition"]["interactionType"] for n, s in by_position.items()}
        assert kinds == {
            1: "choice",
            2: "choice",
            3: "true-false",
            4: "fill-in",
            5: "numeric",
            6: "matching",
            7: "long-fill-in",
        }
        responses = {n: s["result"].get("response") for n, s in by_position.items()}
        assert responses == {
            1: "c0",
            2: "c0[,]c1",
            3: "false",
            4: "https",
            5: "2",
            6: "s0[.]t0[,]s1[.]t0",
            7: "They copy real brands.",
        }
        success = {n: s["result"].get("success") for n, s in by_position.items()}
        assert success == {1: True, 2: True, 3: False, 4: True, 5: True, 6: False, 7: None}
        assert [c["id"] for c in by_position[1]["object"]["definition"]["choices"]] == [
            "c0",
            "c1",
            "c2",
        ]
        assert by_position[6]["object"]["definition"]["target"][1]["description"] == {
            "en": "flower"
        }
        everything = _statements(learner)
        assert not any("correctResponsesPattern" in str(s.statement) for s in everything)
        of_attempt = [s for s in everything if s.ref.startswith(f"attempt:{attempt.id}:")]
        assert len(of_attempt) == 9  # attempted, 7 answers, the result
        registration = {s.statement["context"]["registration"] for s in of_attempt}
        assert len(registration) == 1  # every statement of the attempt shares it
        # the attempt's first statement (the demo's assignments stated "was assigned" before)
        assert of_attempt[0].verb == VERB_ATTEMPTED
        for row in everything:
            validate(row.statement)


def test_activity_ids_do_not_depend_on_the_host_the_learner_used(app, demo, make_quiz):
    quiz_id = make_quiz(TWO_TF, pass_mark="50")
    ids = []
    for host, email in (
        ("http://localhost", "employee@example.org"),
        ("http://127.0.0.1:5000", "manager@example.org"),
    ):
        # inside a request to that host, as the web and API views run
        with app.test_request_context("/", base_url=host):
            person = get_by_email(email).id
            attempt = quizzes.start_attempt(quiz_id, person)
            quizzes.submit_attempt(attempt, {})
            db.session.commit()
            # (the demo's assignments stated "was assigned" before: not the attempt's)
            made = [s for s in _statements(person) if s.verb not in (VERB_ATTEMPTED, VERB_ASSIGNED)]
            ids.append([s.object_id for s in made])
    assert ids[0] == ids[1] and len(ids[0]) == 3  # two answers and the result
    assert all(i.startswith(app.config["LEARNHUB_BASE_URL"] + "/xapi/") for i in ids[0])
    assert not any("localhost" in i for i in ids[0])


def test_an_essay_review_voids_the_completed_statement_and_states_the_pass(app, learner, make_quiz):
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="75", essays_graded=True)
    with app.app_context():
        fact, essay = _questions(quiz_id)
        attempt = quizzes.start_attempt(quiz_id, learner)
        quizzes.submit_attempt(attempt, {fact.id: {"choice": 0}, essay.id: {"text": "Because"}})
        db.session.commit()
        (waiting,) = _statements(learner, VERB_COMPLETED)
        assert "success" not in waiting.statement["result"]
        essay_before = next(
            s for s in _statements(learner, VERB_ANSWERED) if s.ref.endswith(f":{essay.id}")
        )
        assert "score" not in essay_before.statement["result"]

        score_essays(attempt.id, {essay.id: {"points": "1"}}, None)
        db.session.commit()

        db.session.refresh(waiting)
        db.session.refresh(essay_before)
        voiding = _statements(learner, VERB_VOIDED)
        assert {v.statement["object"]["id"] for v in voiding} == {waiting.id, essay_before.id}
        assert {waiting.voided_by, essay_before.voided_by} == {v.id for v in voiding}
        for row in voiding:
            assert row.statement["object"]["objectType"] == "StatementRef"
            validate(row.statement)
        (passed,) = _statements(learner, VERB_PASSED)
        assert passed.voided_by is None and passed.ref == waiting.ref
        assert passed.statement["result"]["success"] is True
        assert passed.statement["result"]["score"]["scaled"] == 1.0
        essay_now = next(
            s
            for s in _statements(learner, VERB_ANSWERED)
            if s.ref == essay_before.ref and s.voided_by is None
        )
        assert essay_now.statement["result"]["score"]["raw"] == 1.0
        # the true/false answer said the same before and after: it stays, not voided
        fact_rows = [
            s for s in _statements(learner, VERB_ANSWERED) if s.ref.endswith(f":{fact.id}")
        ]
        assert len(fact_rows) == 1 and fact_rows[0].voided_by is None
        # the module was completed by the pass
        module_done = [
            s for s in _statements(learner, VERB_COMPLETED) if s.ref.startswith("module:")
        ]
        assert len(module_done) == 1
        validate(module_done[0].statement)


def test_a_regrade_that_turns_a_pass_into_a_fail_voids_and_restates(app, learner, make_quiz):
    quiz_id = make_quiz(TWO_TF, pass_mark="100")
    with app.app_context():
        one, two = _questions(quiz_id)
        attempt = quizzes.start_attempt(quiz_id, learner)
        quizzes.submit_attempt(attempt, {one.id: {"choice": 0}, two.id: {"choice": 0}})
        db.session.commit()
        (passed,) = _statements(learner, VERB_PASSED)
        (module_done,) = [s for s in _statements(learner, VERB_COMPLETED)]
        assert module_done.ref.startswith("module:")

        # the key was wrong: statement two is false
        spec = dict(two.spec)
        spec["choices"] = [
            {**spec["choices"][0], "weight": "0"},
            {**spec["choices"][1], "weight": "100"},
        ]
        fix_question(two.id, spec)
        report = regrade_quiz(quiz_id)
        db.session.commit()
        assert [c["attempt_id"] for c in report["changed"]] == [attempt.id]

        db.session.refresh(passed)
        db.session.refresh(module_done)
        assert passed.voided_by is not None and module_done.voided_by is not None
        (failed,) = _statements(learner, VERB_FAILED)
        assert failed.statement["result"]["success"] is False
        assert failed.statement["object"]["id"] == passed.statement["object"]["id"]
        voided_ids = {v.statement["object"]["id"] for v in _statements(learner, VERB_VOIDED)}
        two_before = next(
            s for s in _statements(learner, VERB_ANSWERED) if s.ref.endswith(f":{two.id}")
        )
        assert voided_ids == {passed.id, module_done.id, two_before.id}
        assert XapiStatement.query.filter_by(voided_by=None, ref=passed.ref).count() == 1
        for row in _statements(learner):
            validate(row.statement)


def test_a_module_is_experienced_once_and_statements_wait_for_no_lrs(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    with app.app_context():
        module_id = db.session.scalar(select(Module.id).order_by(Module.id).limit(1))
        learner = get_by_email("employee@example.org").id
    assert client.get(f"/modules/{module_id}").status_code == 200
    assert client.get(f"/modules/{module_id}").status_code == 200
    with app.app_context():
        (seen,) = _statements(learner, VERB_EXPERIENCED)
        module = db.session.get(Module, module_id)
        assert seen.object_id.endswith(f"/courses/{module.course.slug}/modules/{module.slug}")
        validate(seen.statement)
        # no LRS configured: nothing queued
        assert db.session.scalar(select(XapiOutbox.id).limit(1)) is None


def test_a_course_completion_is_stated_and_voided_when_a_regrade_undoes_it(app_ctx):
    course = CourseFactory()
    quiz = QuizFactory(module=ModuleFactory(course=course), gift=TWO_TF)
    me = EmployeeFactory(email="course.taker@example.org")  # ralph refuses .test addresses
    one, two = quiz.questions
    attempt = quizzes.start_attempt(quiz.id, me.id)
    quizzes.submit_attempt(attempt, {one.id: {"choice": 0}, two.id: {"choice": 0}})
    db.session.flush()
    (done,) = [s for s in _statements(me.id, VERB_COMPLETED) if s.ref.startswith("course:")]
    assert done.object_id == f"{app_ctx.config['LEARNHUB_BASE_URL']}/xapi/activities/courses/" + (
        course.slug
    )
    assert done.statement["result"] == {"completion": True, "success": True}
    validate(done.statement)

    spec = dict(two.spec)
    spec["choices"] = [
        {**spec["choices"][0], "weight": "0"},
        {**spec["choices"][1], "weight": "100"},
    ]
    fix_question(two.id, spec)
    regrade_quiz(quiz.id)
    db.session.flush()
    db.session.refresh(done)
    assert done.voided_by is not None
    voiding = db.session.get(XapiStatement, done.voided_by)
    assert voiding.statement["object"] == {"objectType": "StatementRef", "id": done.id}
