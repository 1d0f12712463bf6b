"""The factories of tests/factories.py do what their docstrings say, and the content rows
they make are removed after the test (tests/conftest.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from learnhub.auth.services import authenticate
from learnhub.catalog.models import Course, Module, ModuleCompetence
from learnhub.extensions import db
from learnhub.questionbank.models import Question
from learnhub.quizzes.models import Quiz
from learnhub.skills.models import ProfileJobCode, TargetLevel, TargetProfile
from learnhub.skills.services import competence_profile, get_framework
from tests import factories
from tests.conftest import _delete_factory_content
from tests.factories import (
    EmployeeFactory,
    EvidenceFactory,
    ModuleFactory,
    QuizFactory,
    TargetProfileFactory,
    team,
)

CONTENT = (Course, Module, ModuleCompetence, Quiz, Question, TargetProfile, TargetLevel)


def _content_counts() -> tuple[int, ...]:
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in CONTENT]
    return (*counts, db.session.scalar(select(func.count()).select_from(ProfileJobCode)))


def test_an_employee_with_a_manager_a_password_and_a_role(app_ctx):
    boss = EmployeeFactory(password="boss-password")
    hr = EmployeeFactory(manager=boss, password="hr-password!", roles=["hr"])
    assert hr.manager_id == boss.id and hr.active and hr.email.endswith("@example.test")
    account = authenticate(hr.email, "hr-password!")
    assert account is not None and account.has_role("hr")
    assert authenticate(boss.email, "wrong-password") is None
    assert [p.manager_id for p in team(boss, 3)] == [boss.id] * 3


def test_a_job_code_brings_its_targets_and_evidence_its_level(app_ctx):
    person = EmployeeFactory(job_code="CASE_OFF")
    assert person.job_role.code == "CASE_OFF"
    assert EmployeeFactory(job_code="CASE_OFF").job_role_id == person.job_role_id
    EvidenceFactory(employee=person, code="1.2", level=2)
    row = next(
        r for r in competence_profile(person.id, get_framework("digcomp-3.0")) if r.code == "1.2"
    )
    assert (row.target, row.attained, row.gap) == (2, 2, 0)


def test_content_made_by_factories_is_removed_after_the_test(app_ctx):
    before = _content_counts()
    quiz = QuizFactory(
        gift="::Q:: The sky is blue. {T}", module=ModuleFactory(competences={"4.1": 1})
    )
    TargetProfileFactory(targets={"1.2": 2}, job_codes=["TEST_JOB"])
    assert [q.qtype for q in quiz.questions] == ["true_false"]
    assert _content_counts() == tuple(n + 1 for n in before)
    assert len(factories.created_content) == 5  # course, module, quiz, profile, job code
    _delete_factory_content()  # what tests/conftest.py does after every test
    assert _content_counts() == before and factories.created_content == []
