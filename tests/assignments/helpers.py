"""Shared set-up of the reminder and recertification tests: a course with quizzed modules, an
assignment, a passed attempt, and reading the outbox."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from learnhub.assignments import services
from learnhub.assignments.models import Assignment, AudienceKind, DueKind, Requirement
from learnhub.core.mail import OutboxEmail
from learnhub.extensions import db
from learnhub.quizzes.models import Attempt
from tests.factories import CourseFactory, ModuleFactory, QuizFactory


def course_with_modules(modules: int = 1, validity: int | None = None, title: str = ""):
    """(course, modules, quizzes): a course whose modules each have a quiz."""
    course = CourseFactory(**({"title": title} if title else {}))
    made = [ModuleFactory(course=course, validity_months=validity) for _ in range(modules)]
    return course, made, [QuizFactory(module=m) for m in made]


def assign(
    course, people, due: date, *, module_ids=(), renewal_window_days: int = 30
) -> Assignment:
    """Assign ``course`` (or ``module_ids`` of it) to ``people`` due at the end of ``due``."""
    return services.create_assignment(
        services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.PEOPLE,
            employee_ids=[p.id for p in people],
            module_ids=list(module_ids),
            due_kind=DueKind.FIXED,
            due_date=due,
            renewal_window_days=renewal_window_days,
        ),
        created_by_id=None,
    )


def passed_attempt(employee, quiz, at: datetime) -> Attempt:
    """A submitted, passed attempt of ``quiz`` by ``employee`` at ``at`` (no signal sent)."""
    attempt = Attempt(
        quiz_id=quiz.id,
        employee_id=employee.id,
        number=1 + db.session.query(Attempt).filter_by(employee_id=employee.id).count(),
        state="submitted",
        layout={},
        started_at=at,
        submitted_at=at,
        passed=True,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def requirement_of(employee) -> Requirement:
    [requirement] = db.session.scalars(
        select(Requirement).where(Requirement.employee_id == employee.id)
    ).all()
    db.session.refresh(requirement)
    return requirement


def outbox() -> list[OutboxEmail]:
    """Every email in the outbox, oldest first."""
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def take_outbox() -> list[OutboxEmail]:
    """The outbox's emails, which are then deleted (each step of a test sees its own)."""
    emails = outbox()
    for email in emails:
        db.session.delete(email)
    db.session.flush()
    return emails
