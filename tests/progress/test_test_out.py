"""Test-out (issue 11): a course's diagnostic quiz. Passing it records the covered modules'
evidence and waives them (progress, course completion, the completions export, required
learning); failing it changes none of that; a regrade that takes the pass away withdraws the
waiver; the learner starts it from the course page and never sees its answers early."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import select

from learnhub.assignments.listing import requirement_rows
from learnhub.assignments.models import Requirement
from learnhub.assignments.status import RequirementStatus, status_of
from learnhub.core.errors import Conflict
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.progress import services as progress
from learnhub.progress.models import Enrolment, ModuleProgress
from learnhub.quizzes import scoring
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt
from learnhub.quizzes.regrade import fix_question, regrade_quiz
from learnhub.reports.completions import completion_rows
from learnhub.skills.models import Evidence
from tests.assignments.helpers import assign
from tests.conftest import csrf_from, sign_in
from tests.factories import CourseFactory, EmployeeFactory, ModuleFactory, QuizFactory, competence

KEY_FEEDBACK = "Right: SECRET-KEY-FEEDBACK"


def _gift(prefix: str, count: int = 5) -> str:
    return "\n".join(
        f"// [tag:digcomp:4.1:basic]\n::{prefix}{n}::{prefix} statement {n} holds. "
        f"{{TRUE#Wrong: that is not so.#{KEY_FEEDBACK}}}\n"
        for n in range(count)
    )


@pytest.fixture
def course(app_ctx):
    """A course of three modules (4.1 basic with a 12-month validity, 4.2 intermediate, 4.1
    intermediate), each with a quiz, and a diagnostic covering the first two (2 attempts)."""
    course = CourseFactory(title="Test-out course")
    modules = [
        ModuleFactory(course=course, competences={"4.1": 1}, validity_months=12, title="One"),
        ModuleFactory(course=course, competences={"4.2": 2}, title="Two"),
        ModuleFactory(course=course, competences={"4.1": 2}, title="Three"),
    ]
    module_quizzes = [QuizFactory(module=m, gift=_gift(f"M{m.position}-")) for m in modules]
    diagnostic = QuizFactory(
        module_id=None,
        course_id=course.id,
        covers=[modules[0].id, modules[1].id],
        title="Test out: Test-out course",
        max_attempts=2,
        review_policy="after_pass",
        gift=_gift("D"),
    )
    db.session.commit()
    return course, modules, module_quizzes, diagnostic


def _take(quiz_id: int, employee_id: int, right: int) -> Attempt:
    """Start and submit with ``right`` questions answered correctly (the others left blank)."""
    attempt = quizzes.start_attempt(quiz_id, employee_id)
    questions = attempt_questions(attempt)
    answers = {
        q.id: scoring.score_question(q.spec, None).correct_response or {} for q in questions[:right]
    }
    return quizzes.submit_attempt(attempt, answers)


def _statuses(employee_id: int, course) -> list[str]:
    mine = next(c for c in progress.progress_for(employee_id) if c.course_id == course.id)
    return [str(m.status) for m in mine.modules]


def _evidence(employee_id: int, kind: str) -> dict[str, tuple[int, bool]]:
    rows = db.session.scalars(
        select(Evidence).where(Evidence.employee_id == employee_id, Evidence.kind == kind)
    ).all()
    codes = {competence(c).id: c for c in ("4.1", "4.2")}
    return {codes[e.competence_id]: (e.level_number, e.expires_at is not None) for e in rows}


def test_passing_waives_the_covered_modules_and_records_their_evidence(course):
    course, _modules, module_quizzes, diagnostic = course
    me = EmployeeFactory()
    attempt = _take(diagnostic.id, me.id, right=5)
    assert attempt.passed is True
    assert _statuses(me.id, course) == ["waived", "waived", "not_started"]
    # what passing modules 1 and 2 would give, expiring with module 1's 12 months
    assert _evidence(me.id, "quiz_passed") == {"4.1": (1, True), "4.2": (2, True)}
    assert _evidence(me.id, "question_result") == {"4.1": (1, True)}
    # passed once: no retry (it could only fail and take the waivers away)
    with pytest.raises(Conflict, match="already passed"):
        quizzes.start_attempt(diagnostic.id, me.id)
    waived = db.session.scalars(
        select(ModuleProgress).where(ModuleProgress.employee_id == me.id)
    ).all()
    assert {(r.completed_at, r.waived_at) for r in waived} == {(None, attempt.submitted_at)}
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.employee_id == me.id))
    assert enrolment.completed_at is None  # module 3 is still to do
    third = _take(module_quizzes[2].id, me.id, right=5)
    assert _statuses(me.id, course) == ["waived", "waived", "completed"]
    assert enrolment.completed_at == third.submitted_at  # completes with waived modules
    # the completions export says "waived" for the modules tested out of
    rows = [r for r in completion_rows() if r[0] == me.employee_number]
    assert [(r[7], r[8], r[13]) for r in rows] == [
        ("One", "waived", ""),
        ("Two", "waived", ""),
        ("Three", "completed", rows[2][13]),
    ]


def test_failing_changes_no_progress_and_the_attempts_are_limited(course):
    course, _modules, module_quizzes, diagnostic = course
    me = EmployeeFactory()
    assert _take(diagnostic.id, me.id, right=3).passed is False  # 60% < 80%
    assert _statuses(me.id, course) == ["not_started"] * 3
    assert _evidence(me.id, "quiz_passed") == {}
    # enrolled by starting it, but no module is in progress
    assert db.session.scalar(select(Enrolment.id).where(Enrolment.employee_id == me.id))
    assert _take(diagnostic.id, me.id, right=0).passed is False
    with pytest.raises(Conflict, match="All 2 attempts"):
        quizzes.start_attempt(diagnostic.id, me.id)
    # a module's attempts are not the diagnostic's: module 1 can be taken as usual
    assert _take(module_quizzes[0].id, me.id, right=5).passed is True


def test_a_module_completed_before_stays_completed(course):
    course, _modules, module_quizzes, diagnostic = course
    me = EmployeeFactory()
    _take(module_quizzes[0].id, me.id, right=5)
    _take(diagnostic.id, me.id, right=5)
    assert _statuses(me.id, course) == ["completed", "waived", "not_started"]


def test_requirements_of_waived_modules_are_waived_before_and_after_assignment(course):
    course, modules, module_quizzes, diagnostic = course
    me = EmployeeFactory()
    due = date.today() + timedelta(days=30)
    assign(course, [me], due)
    assign(course, [me], due, module_ids=[modules[0].id])
    db.session.commit()
    _take(diagnostic.id, me.id, right=5)
    now = utcnow()

    def statuses() -> dict[int, RequirementStatus]:
        db.session.expire_all()
        return {
            r.module_key: status_of(r, now, started=False)
            for r in db.session.scalars(select(Requirement).where(Requirement.employee_id == me.id))
        }

    assert statuses() == {modules[0].id: "waived", 0: "not_started"}
    # My learning's "Continue" skips the modules tested out of
    rows = requirement_rows(me.id, UTC, now=now)
    assert {r.module_id: r.continue_module_id for r in rows}[None] == modules[2].id
    # assigned after the test-out: the new requirement is waived when it is made
    assign(course, [me], due, module_ids=[modules[1].id])
    assert statuses()[modules[1].id] == RequirementStatus.WAIVED
    # the last module passed: the course requirement completes with the waived ones
    _take(module_quizzes[2].id, me.id, right=5)
    assert statuses()[0] == RequirementStatus.COMPLETED


def test_a_course_requirement_is_waived_when_every_module_is(app_ctx):
    course = CourseFactory()
    modules = [ModuleFactory(course=course, competences={"4.1": 1}) for _ in range(2)]
    diagnostic = QuizFactory(
        module_id=None, course_id=course.id, covers=[m.id for m in modules], gift=_gift("All")
    )
    me = EmployeeFactory()
    assign(course, [me], date.today() + timedelta(days=30))
    _take(diagnostic.id, me.id, right=5)
    requirement = db.session.scalar(select(Requirement).where(Requirement.employee_id == me.id))
    assert requirement.waived_at is not None and requirement.completed_at is None
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.employee_id == me.id))
    assert enrolment.completed_at is not None  # every module waived: the course is complete


def test_a_regrade_that_takes_the_pass_away_withdraws_the_waiver(course):
    course, modules, _quizzes, diagnostic = course
    me = EmployeeFactory()
    assign(course, [me], date.today() + timedelta(days=30), module_ids=[modules[0].id])
    attempt = _take(diagnostic.id, me.id, right=4)  # exactly 80%
    assert attempt.passed and _statuses(me.id, course)[0] == "waived"
    first = attempt_questions(attempt)[0]
    flipped = {**first.spec, "choices": [dict(c) for c in first.spec["choices"]]}
    for choice in flipped["choices"]:
        choice["weight"] = "0" if choice["weight"] != "0" else "100"
    fix_question(first.id, flipped)
    regrade_quiz(diagnostic.id)
    assert attempt.passed is False
    assert _statuses(me.id, course) == ["not_started"] * 3
    requirement = db.session.scalar(select(Requirement).where(Requirement.employee_id == me.id))
    db.session.refresh(requirement)
    assert requirement.waived_at is None
    assert all(
        e.revoked_at is not None
        for e in db.session.scalars(select(Evidence).where(Evidence.kind == "quiz_passed"))
    )


def test_the_course_page_offers_the_test_out_and_never_shows_its_answers_early(app, demo, client):
    with app.app_context():
        course = CourseFactory(title="Web test-out course")
        one = ModuleFactory(course=course, competences={"4.1": 1}, title="Module one")
        two = ModuleFactory(course=course, competences={"4.2": 1}, title="Module two")
        QuizFactory(module=one, gift=_gift("W"))
        QuizFactory(module=two, gift=_gift("V"))
        diagnostic = QuizFactory(
            module_id=None,
            course_id=course.id,
            covers=[one.id],
            title="Test out: Web test-out course",
            max_attempts=2,
            review_policy="after_pass",
            feedback_after_fail="none",
            gift=_gift("D"),
        )
        db.session.commit()
        course_id, diagnostic_id = course.id, diagnostic.id
        me = get_by_email("employee@example.org").id
    sign_in(client, "employee@example.org")
    page = client.get(f"/courses/{course_id}").get_data(as_text=True)
    assert "Test out of this course" in page and "Module one (10 minutes)" in page
    assert "Module two (10 minutes)" not in page  # not covered
    started = client.post(f"/quizzes/{diagnostic_id}/start", data={"csrf_token": csrf_from(page)})
    assert started.status_code == 302
    attempt_url = started.headers["Location"]
    form = client.get(attempt_url).get_data(as_text=True)
    assert "Test out: Web test-out course" in form
    assert KEY_FEEDBACK not in form and "Wrong: that is not so" not in form
    attempt_id = int(attempt_url.rstrip("/").rsplit("/", 1)[1])
    api = client.get(f"/api/v1/attempts/{attempt_id}").get_data(as_text=True)
    assert KEY_FEEDBACK not in api and '"weight"' not in api
    # submitted blank: failed; the review opens only after a pass, so still no answers
    result = client.post(
        attempt_url, data={"csrf_token": csrf_from(form), "action": "submit_saved"}
    )
    assert result.status_code == 302
    shown = client.get(attempt_url).get_data(as_text=True)
    assert "Not passed yet" in shown and KEY_FEEDBACK not in shown
    assert "Back to the course" in shown
    with app.app_context():
        assert _statuses(me, db.session.get(type(course), course_id)) == [
            "not_started",
            "not_started",
        ]
    page = client.get(f"/courses/{course_id}").get_data(as_text=True)
    assert "You have 1 of 2 attempts left" in page
