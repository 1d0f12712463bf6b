"""factory_boy factories of LearnHub's main models, for tests that build their own world.

Use them inside an app context (the ``app_ctx`` fixture or ``with app.app_context():``); every
factory adds its object to ``db.session`` and flushes (ids are set, nothing is committed)::

    boss = EmployeeFactory(password="boss-password")        # an account that can sign in
    employee = EmployeeFactory(manager=boss, job_code="CASE_OFF")
    EvidenceFactory(employee=employee, code="1.2", level=2)
    db.session.commit()                                       # before the test client runs

Content (courses, modules, quizzes, questions, target profiles) is kept for the whole test
session (tests/conftest.py ``CONTENT_TABLES``): what a content factory creates is recorded in
:data:`created_content` and deleted after the test, so a test may make its own course or quiz
without leaking it into the next.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory
from flask import current_app
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from learnhub.auth.models import Account, RoleGrant
from learnhub.catalog.markdown import render_markdown
from learnhub.catalog.models import Course, Module, ModuleCompetence
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit
from learnhub.progress.models import Enrolment, ModuleProgress
from learnhub.questionbank.competence_tags import loaded_framework_resolver, resolve_competences
from learnhub.questionbank.gift import parse_gift
from learnhub.questionbank.models import Question
from learnhub.quizzes.models import Attempt, Quiz
from learnhub.skills.models import (
    Competence,
    Evidence,
    Framework,
    ProfileJobCode,
    TargetLevel,
    TargetProfile,
)

#: the framework evidence and targets refer to unless a test names another
FRAMEWORK = "digcomp-3.0"

#: (model, primary key) of every content row a factory made in the current test, oldest first;
#: tests/conftest.py deletes them (newest first) after each test
created_content: list[tuple[type, Any]] = []


def competence(code: str, framework: str = FRAMEWORK) -> Competence:
    """The loaded competence ``code`` (``"1.2"``) of ``framework``."""
    found = db.session.scalar(
        select(Competence)
        .join(Framework, Framework.id == Competence.framework_id)
        .where(Framework.slug == framework, Competence.code == code)
    )
    assert found is not None, f"no competence {code} in {framework}"
    return found


def _id(given: Any, factory_class: type[factory.Factory]) -> int:
    """The id of the object a test passed, or of a new one (a ``Params`` object is only built
    when the test gives no ``…_id``; a ``SubFactory`` would be built either way)."""
    return (given if given is not None else factory_class()).id


class BaseFactory(SQLAlchemyModelFactory):
    """Adds to ``db.session`` and flushes; the test commits when a request must see it."""

    class Meta:
        abstract = True
        sqlalchemy_session = db.session
        sqlalchemy_session_persistence = "flush"


class ContentFactory(BaseFactory):
    """A factory of a content table: its rows are removed after the test."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        obj = super()._create(model_class, *args, **kwargs)
        created_content.append((model_class, sa_inspect(obj).identity))
        return obj


# --- the organisation -------------------------------------------------------------------


class OrgUnitFactory(BaseFactory):
    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"UNIT{n:04d}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    parent_id = None


class JobRoleFactory(BaseFactory):
    """A job role by HR code; the same code gives the same row. A code that
    ``content/roles/*.yaml`` names (``CASE_OFF``, ``SVC_MGR``…) brings that target profile."""

    class Meta:
        model = JobRole
        sqlalchemy_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"JOB{n:04d}")
    title = factory.LazyAttribute(lambda o: o.code.replace("_", " ").title())


class EmployeeFactory(BaseFactory):
    """An active employee. ``job_code="CASE_OFF"`` sets the job role (and so the targets;
    a new role is titled by the job title, as an HR import does);
    ``password="…"`` adds an account that signs in with it (hashed with the test
    configuration's cheap method); ``roles=["hr"]`` grants roles to that account."""

    class Meta:
        model = Employee
        exclude = ("number",)

    class Params:
        job_code: str | None = None

    number = factory.Sequence(lambda n: n)
    employee_number = factory.LazyAttribute(lambda o: f"F{o.number:05d}")
    first_name = factory.LazyAttribute(lambda o: f"Person{o.number}")
    last_name = factory.LazyAttribute(lambda o: f"Test{o.number:05d}")
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@example.test".lower())
    job_title = factory.LazyAttribute(
        lambda o: o.job_code.replace("_", " ").title() if o.job_code else None
    )
    job_role = factory.LazyAttribute(
        lambda o: (
            JobRoleFactory(code=o.job_code, title=o.job_title or o.job_code) if o.job_code else None
        )
    )
    manager = None
    org_unit = None
    timezone = "UTC"
    active = True

    @factory.post_generation
    def password(employee: Employee, create: bool, extracted: str | None, **_: Any) -> None:
        if extracted is not None:
            AccountFactory(employee=employee, password=extracted)

    @factory.post_generation
    def roles(employee: Employee, create: bool, extracted: list[str] | None, **_: Any) -> None:
        if extracted:
            account = db.session.scalar(select(Account).where(Account.employee_id == employee.id))
            account = account or AccountFactory(employee=employee)
            account.grants.extend(RoleGrant(role=role) for role in extracted)
            db.session.flush()


class AccountFactory(BaseFactory):
    """The sign-in of an employee; ``password=None`` leaves it without one (as an HR import
    does)."""

    class Meta:
        model = Account

    class Params:
        password: str | None = None

    employee = factory.SubFactory(EmployeeFactory)
    employee_id = factory.SelfAttribute("employee.id")
    password_hash = factory.LazyAttribute(
        lambda o: (
            o.password
            and generate_password_hash(
                o.password, method=current_app.config["LEARNHUB_PASSWORD_METHOD"]
            )
        )
    )


def team(manager: Employee, size: int, **fields: Any) -> list[Employee]:
    """``size`` direct reports of ``manager``, each built with ``fields``."""
    return EmployeeFactory.create_batch(size, manager=manager, **fields)


# --- skills -----------------------------------------------------------------------------


class EvidenceFactory(BaseFactory):
    """Counting evidence (HR-recorded prior learning by default) that ``employee`` showed
    competence ``code`` at ``level``. Written directly: no team summary is queued (use
    ``learnhub.skills.services.record_evidence`` when the test is about that)."""

    class Meta:
        model = Evidence

    class Params:
        employee: Employee | None = None
        code = "1.2"
        level = 2

    employee_id = factory.LazyAttribute(lambda o: _id(o.employee, EmployeeFactory))
    competence_id = factory.LazyAttribute(lambda o: competence(o.code).id)
    level_number = factory.SelfAttribute("level")
    kind = "prior_learning"
    source = factory.Sequence(lambda n: f"test:{n}")
    achieved_at = factory.LazyFunction(utcnow)
    expires_at = None
    revoked_at = None


class TargetProfileFactory(ContentFactory):
    """A target profile of DigComp 3.0. ``targets={"1.2": 2}`` sets its levels;
    ``job_codes=["MY_JOB"]`` attaches it to those HR job codes."""

    class Meta:
        model = TargetProfile

    slug = factory.Sequence(lambda n: f"test-profile-{n}")
    title = factory.Sequence(lambda n: f"Test profile {n}")
    framework_id = factory.LazyFunction(
        lambda: db.session.scalar(select(Framework.id).where(Framework.slug == FRAMEWORK))
    )

    @factory.post_generation
    def targets(profile: TargetProfile, create: bool, extracted: dict | None, **_: Any) -> None:
        for code, level in (extracted or {}).items():
            target = TargetLevel(competence_id=competence(code).id, level_number=level)
            profile.targets.append(target)
        db.session.flush()

    @factory.post_generation
    def job_codes(profile: TargetProfile, create: bool, extracted: list | None, **_: Any) -> None:
        for code in extracted or ():
            ProfileJobCodeFactory(job_code=code, profile_id=profile.id)


class ProfileJobCodeFactory(ContentFactory):
    class Meta:
        model = ProfileJobCode

    job_code = factory.Sequence(lambda n: f"JOB{n:04d}")
    profile_id = None


# --- catalog and quizzes ----------------------------------------------------------------


class CourseFactory(ContentFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"test-course-{n}")
    title = factory.Sequence(lambda n: f"Test course {n}")
    summary = "A course made by a test."
    framework_slug = FRAMEWORK
    published = True
    content_sha256 = "factory"


class ModuleFactory(ContentFactory):
    """An active module of a new course (or ``course=…``) at the next position.
    ``competences={"4.1": 1}``: passing its quiz gives that evidence."""

    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"test-module-{n}")
    position = factory.LazyAttribute(lambda o: len(o.course.modules) + 1)
    title = factory.Sequence(lambda n: f"Test module {n}")
    minutes = 10
    validity_months = None
    body_markdown = "# A lesson\n\nRead this first."
    body_html = factory.LazyAttribute(lambda o: str(render_markdown(o.body_markdown)))
    active = True

    @factory.post_generation
    def competences(module: Module, create: bool, extracted: dict | None, **_: Any) -> None:
        for code, level in (extracted or {}).items():
            module.competences.append(
                ModuleCompetence(competence_id=competence(code).id, level_number=level)
            )
        db.session.flush()


class QuizFactory(ContentFactory):
    """Version 1 of a module's quiz (current), pass mark 80%. ``gift="…"`` gives it the
    questions of that GIFT text, in order (the text must parse without errors; competence
    tags are resolved against the loaded frameworks, as an import does)."""

    class Meta:
        model = Quiz

    class Params:
        module: Module | None = None

    module_id = factory.LazyAttribute(lambda o: _id(o.module, ModuleFactory))
    version = 1
    is_current = True
    title = factory.Sequence(lambda n: f"Test quiz {n}")
    pass_mark = Decimal("80")
    content_sha256 = "factory"

    @factory.post_generation
    def gift(quiz: Quiz, create: bool, extracted: str | None, **_: Any) -> None:
        if not extracted:
            return
        parsed = parse_gift(extracted)
        assert not parsed.errors, parsed.errors
        resolver = loaded_framework_resolver(list(db.session.scalars(select(Framework.slug))))
        for spec in parsed.questions:
            if spec.get("competences"):
                spec["competences"], problems = resolve_competences(spec["competences"], resolver)
                assert not problems, problems
        quiz.questions = [
            Question(
                position=n,
                qtype=spec["type"],
                name=spec.get("name"),
                points=Decimal(spec.get("points", "1")),
                spec=spec,
            )
            for n, spec in enumerate(parsed.questions, start=1)
        ]
        db.session.flush()


class AttemptFactory(BaseFactory):
    """An attempt in progress (number 1) of ``employee`` at ``quiz``, with an empty layout.
    To take a quiz the way a learner does, use ``learnhub.quizzes.services.start_attempt``."""

    class Meta:
        model = Attempt

    class Params:
        quiz: Quiz | None = None
        employee: Employee | None = None

    quiz_id = factory.LazyAttribute(lambda o: _id(o.quiz, QuizFactory))
    employee_id = factory.LazyAttribute(lambda o: _id(o.employee, EmployeeFactory))
    number = 1
    state = "in_progress"
    layout = factory.LazyFunction(dict)


# --- progress ---------------------------------------------------------------------------


class EnrolmentFactory(BaseFactory):
    """``employee`` enrolled in ``course`` (self-enrolled, not completed)."""

    class Meta:
        model = Enrolment

    class Params:
        employee: Employee | None = None
        course: Course | None = None

    employee_id = factory.LazyAttribute(lambda o: _id(o.employee, EmployeeFactory))
    course_id = factory.LazyAttribute(lambda o: _id(o.course, CourseFactory))
    source = "self"


class ModuleProgressFactory(BaseFactory):
    """Where ``employee`` stands in ``module``: in progress by default; ``completed=True``
    gives a passed, completed module with full marks out of 10 points."""

    class Meta:
        model = ModuleProgress

    class Params:
        employee: Employee | None = None
        module: Module | None = None
        completed = factory.Trait(
            status="completed",
            completed_at=factory.LazyFunction(utcnow),
            attempts=1,
            grade_exact="1",
            grade_points=Decimal("10"),
            max_points=Decimal("10"),
            passed=True,
        )

    employee_id = factory.LazyAttribute(lambda o: _id(o.employee, EmployeeFactory))
    module_id = factory.LazyAttribute(lambda o: _id(o.module, ModuleFactory))
    status = "in_progress"
    started_at = factory.LazyFunction(utcnow)


def manager_with_summaries(app: Any, size: int, password: str) -> str:
    """A service manager with ``size`` case officers (two of them with evidence at level 2 in
    competence 1.2) and every team summary stored and committed; returns the manager's email.
    The team pages' statement-count tests start from it."""
    from learnhub.skills.rollup import store_all_summaries

    with app.app_context():
        boss = EmployeeFactory(password=password, job_code="SVC_MGR")
        people = team(boss, size, job_code="CASE_OFF")
        for person in people[:2]:
            EvidenceFactory(employee=person, code="1.2", level=2)
        store_all_summaries()
        db.session.commit()
        return boss.email
