"""The subject access export's sections about a person's learning (profile, place in the
organisation, enrolments, progress, attempts, answers, evidence, required learning): one
function per section, ``person -> rows``, a few queries each (:mod:`.sar_contents` lists
them and says what each holds)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from learnhub.assignments.models import (
    Assignment,
    AssignmentPerson,
    AssignmentTarget,
    Requirement,
)
from learnhub.assignments.reminder_models import SentReminder
from learnhub.auth.models import Account, RoleGrant
from learnhub.catalog.models import Course, Module
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine
from learnhub.progress.models import Enrolment
from learnhub.progress.records import module_progress_query
from learnhub.questionbank.models import Question
from learnhub.quizzes.models import Attempt, Quiz, QuizTimeAdjustment, Response
from learnhub.skills.models import (
    Competence,
    Evidence,
)

Rows = list[dict[str, Any]]


def rows_of(query) -> Rows:
    return [dict(row) for row in db.session.execute(query).mappings()]


def numbers_of(ids: Iterable[int | None]) -> dict[int, str]:
    """Employee numbers of ``ids`` (one query): other people appear by number, not name."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(Employee.id, Employee.employee_number).where(Employee.id.in_(wanted))
    return {row[0]: row[1] for row in db.session.execute(query)}


def profile(person: Employee) -> dict:
    manager = numbers_of([person.manager_id]).get(person.manager_id or 0)
    account = db.session.scalar(select(Account).where(Account.employee_id == person.id))
    adjustment = db.session.scalar(
        select(QuizTimeAdjustment).where(QuizTimeAdjustment.employee_id == person.id)
    )
    return {
        "employee_number": person.employee_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "job_title": person.job_title,
        "job_role": person.job_role.code if person.job_role else None,
        "job_role_title": person.job_role.title if person.job_role else None,
        "org_unit": person.org_unit.code if person.org_unit else None,
        "org_unit_name": person.org_unit.name if person.org_unit else None,
        "manager_employee_number": manager,
        "hire_date": person.hire_date,
        "time_zone": person.timezone,
        "active": person.active,
        "left_at": person.left_at,
        "legal_hold": person.legal_hold,
        "source": person.source,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
        "account": None
        if account is None
        else {
            "created_at": account.created_at,
            "last_login_at": account.last_login_at,
            "password_set": account.password_hash is not None,
            "granted_roles": sorted(
                db.session.scalars(select(RoleGrant.role).where(RoleGrant.account_id == account.id))
            ),
        },
        "quiz_time_adjustment": None
        if adjustment is None
        else {
            "extra_percent": adjustment.extra_percent,
            "no_time_limit": adjustment.no_time_limit,
            "reason": adjustment.reason,
            "set_by_employee_number": numbers_of([adjustment.set_by_id]).get(
                adjustment.set_by_id or 0
            ),
            "updated_at": adjustment.updated_at,
        },
    }


def org_history(person: Employee) -> dict:
    above = rows_of(
        select(ReportingLine.ancestor_id.label("manager_id"), ReportingLine.depth)
        .where(ReportingLine.descendant_id == person.id)
        .order_by(ReportingLine.depth)
    )
    numbers = numbers_of(row["manager_id"] for row in above)
    below = rows_of(
        select(ReportingLine.depth, func.count().label("people"))
        .where(ReportingLine.ancestor_id == person.id)
        .group_by(ReportingLine.depth)
        .order_by(ReportingLine.depth)
    )
    changes = rows_of(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.details)
        .where(AuditEvent.target == f"employee:{person.id}")
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return {
        "org_unit": person.org_unit.code if person.org_unit else None,
        "job_role": person.job_role.code if person.job_role else None,
        "hire_date": person.hire_date,
        "left_at": person.left_at,
        "record_created_at": person.created_at,
        "record_updated_at": person.updated_at,
        "reporting_line_above": [
            {"depth": row["depth"], "employee_number": numbers.get(row["manager_id"])}
            for row in above
        ],
        "people_below_by_depth": below,
        "recorded_changes": changes,
    }


def enrolments(person: Employee) -> Rows:
    return rows_of(
        select(
            Course.slug.label("course"),
            Course.title.label("course_title"),
            Enrolment.source,
            Enrolment.enrolled_at,
            Enrolment.completed_at,
        )
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.employee_id == person.id)
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    )


def module_progress(person: Employee) -> Rows:
    """Every module progress row of ``person`` (the record of learning reads the same
    statement: :func:`learnhub.progress.records.module_progress_query`)."""
    return rows_of(module_progress_query(person.id))


def attempts(person: Employee) -> Rows:
    return rows_of(
        select(
            Attempt.id.label("attempt_id"),
            Quiz.title.label("quiz"),
            Quiz.version.label("quiz_version"),
            Attempt.number,
            Attempt.state,
            Attempt.started_at,
            Attempt.deadline_at,
            Attempt.submitted_at,
            Attempt.raw_points,
            Attempt.max_points,
            Attempt.score_exact,
            Attempt.passed,
            Attempt.needs_review,
            Attempt.regraded_at,
        )
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.employee_id == person.id)
        .order_by(Attempt.started_at, Attempt.id)
    )


def responses(person: Employee) -> Rows:
    rows = rows_of(
        select(
            Response.attempt_id,
            Question.position.label("question_position"),
            Question.name.label("question"),
            Response.answer,
            Response.saved_at,
            Response.state,
            Response.points,
            Response.fraction_exact,
            Response.feedback,
            Response.comment.label("reviewer_comment"),
            Response.reviewed_by_id,
            Response.reviewed_at,
        )
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(Question, Question.id == Response.question_id)
        .where(Attempt.employee_id == person.id)
        .order_by(Response.attempt_id, Question.position, Response.id)
    )
    # reviewers mark anonymously (the learner sees the score and comment, not who gave it)
    for row in rows:
        row["reviewed"] = row.pop("reviewed_by_id") is not None
    return rows


def evidence(person: Employee) -> Rows:
    rows = rows_of(
        select(
            Evidence.id.label("evidence_id"),
            Competence.code.label("competence"),
            Competence.name.label("competence_name"),
            Evidence.level_number.label("level"),
            Evidence.kind,
            Evidence.source,
            Evidence.achieved_at,
            Evidence.expires_at,
            Evidence.created_at,
            Evidence.recorded_by_id,
            Evidence.note,
            Evidence.reference,
            Evidence.revoked_at,
            Evidence.revoked_by_id,
            Evidence.revoked_reason,
        )
        .join(Competence, Competence.id == Evidence.competence_id)
        .where(Evidence.employee_id == person.id)
        .order_by(Evidence.achieved_at, Evidence.id)
    )
    numbers = numbers_of(r[k] for r in rows for k in ("recorded_by_id", "revoked_by_id"))
    for row in rows:
        for key in ("recorded_by", "revoked_by"):
            row[f"{key}_employee_number"] = numbers.get(row.pop(f"{key}_id") or 0)
    return rows


def requirements(person: Employee) -> dict:
    requirements = rows_of(
        select(
            Course.slug.label("course"),
            Module.slug.label("module"),
            Requirement.assigned_at,
            Requirement.due_at,
            Requirement.completed_at,
            Requirement.expires_at,
            Requirement.renewal_opens_at,
            Requirement.waived_at,
            Requirement.waiver_reason,
            Requirement.created_at,
        )
        .join(Course, Course.id == Requirement.course_id)
        .outerjoin(Module, Module.id == Requirement.module_id)
        .where(Requirement.employee_id == person.id)
        .order_by(Requirement.due_at, Requirement.id)
    )
    assignments = rows_of(
        select(
            AssignmentTarget.assignment_id,
            Course.slug.label("course"),
            Assignment.audience,
            AssignmentTarget.assigned_at,
            AssignmentTarget.due_at,
            AssignmentTarget.zone,
            Assignment.removed_at,
        )
        .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(AssignmentTarget.employee_id == person.id)
        .order_by(AssignmentTarget.assignment_id)
    )
    named_in = list(
        db.session.scalars(
            select(AssignmentPerson.assignment_id)
            .where(AssignmentPerson.employee_id == person.id)
            .order_by(AssignmentPerson.assignment_id)
        )
    )
    reminders = rows_of(
        select(
            SentReminder.kind,
            SentReminder.days,
            SentReminder.due_at,
            SentReminder.sent_at,
            Course.slug.label("course"),
        )
        .join(Requirement, Requirement.id == SentReminder.requirement_id)
        .join(Course, Course.id == Requirement.course_id)
        .where(SentReminder.recipient_id == person.id)
        .order_by(SentReminder.sent_at, SentReminder.id)
    )
    return {
        "requirements": requirements,
        "assignments_reaching_them": assignments,
        "assignments_naming_them": named_in,
        "reminders_sent_to_them": reminders,
    }
