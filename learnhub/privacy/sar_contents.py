"""What a subject access export holds (GDPR articles 15 and 20): one :class:`Section` per file,
each with what it holds and where it comes from (the README of the ZIP is made from them).

Every table that references a person is read here, one or a few queries a section (no
per-row queries: a person with years of attempts is still a handful of statements).
:data:`REFERENCES` names, for each foreign key to ``employees`` in the models, the section
that exports the rows it points at; ``tests/privacy/test_subject_access.py`` fails when a
table gets a foreign key to ``employees`` that is not listed, so a new table cannot be
forgotten.

Other people (GDPR article 15(4): the copy must not adversely affect the rights of others)
appear by employee number (their managers, who recorded or withdrew evidence) or by internal
id (people whose evidence this person recorded), never by name, and never with their answers
or scores. Emails are included as they were sent to the person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select

from learnhub.assignments.models import (
    Assignment,
    AssignmentPerson,
    AssignmentTarget,
    Requirement,
)
from learnhub.assignments.reminder_models import SentDigest, SentReminder
from learnhub.auth.models import Account, ApiToken, PasswordToken, RoleGrant
from learnhub.catalog.models import Course, Module
from learnhub.core.audit import AuditEvent
from learnhub.core.mail import OutboxEmail
from learnhub.credentials.models import IssuedCredential
from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine
from learnhub.privacy.models import SubjectAccessRequest
from learnhub.progress.models import Enrolment, ModuleProgress, XapiStatement
from learnhub.questionbank.models import Question
from learnhub.quizzes.models import Attempt, Quiz, QuizTimeAdjustment, Response
from learnhub.skills.models import (
    Competence,
    Evidence,
    RecomputeRequest,
    TeamSummary,
    TeamSummarySnapshot,
)

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """One file of the export: ``name`` without extension (``.json`` always, ``.csv`` too
    when ``csv``), what it holds and the tables it comes from (the README's words)."""

    name: str
    holds: str
    source: str
    collect: Callable[[Employee], Any]
    csv: bool = True


def _rows(query) -> Rows:
    return [dict(row) for row in db.session.execute(query).mappings()]


def _numbers(ids: Iterable[int | None]) -> dict[int, str]:
    """Employee numbers of ``ids`` (one query): other people appear by number, not name."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(Employee.id, Employee.employee_number).where(Employee.id.in_(wanted))
    return {row[0]: row[1] for row in db.session.execute(query)}


def _profile(person: Employee) -> dict:
    manager = _numbers([person.manager_id]).get(person.manager_id or 0)
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
            "set_by_employee_number": _numbers([adjustment.set_by_id]).get(
                adjustment.set_by_id or 0
            ),
            "updated_at": adjustment.updated_at,
        },
    }


def _org_history(person: Employee) -> dict:
    above = _rows(
        select(ReportingLine.ancestor_id.label("manager_id"), ReportingLine.depth)
        .where(ReportingLine.descendant_id == person.id)
        .order_by(ReportingLine.depth)
    )
    numbers = _numbers(row["manager_id"] for row in above)
    below = _rows(
        select(ReportingLine.depth, func.count().label("people"))
        .where(ReportingLine.ancestor_id == person.id)
        .group_by(ReportingLine.depth)
        .order_by(ReportingLine.depth)
    )
    changes = _rows(
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


def _enrolments(person: Employee) -> Rows:
    return _rows(
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


def _module_progress(person: Employee) -> Rows:
    return _rows(
        select(
            Course.slug.label("course"),
            Module.slug.label("module"),
            Module.title.label("module_title"),
            ModuleProgress.status,
            ModuleProgress.started_at,
            ModuleProgress.completed_at,
            ModuleProgress.waived_at,
            ModuleProgress.attempts,
            ModuleProgress.grade_points,
            ModuleProgress.max_points,
            ModuleProgress.grade_exact,
            ModuleProgress.passed,
        )
        .join(Module, Module.id == ModuleProgress.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(ModuleProgress.employee_id == person.id)
        .order_by(Course.slug, Module.position, Module.id)
    )


def _attempts(person: Employee) -> Rows:
    return _rows(
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


def _responses(person: Employee) -> Rows:
    rows = _rows(
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


def _evidence(person: Employee) -> Rows:
    rows = _rows(
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
    numbers = _numbers(r[k] for r in rows for k in ("recorded_by_id", "revoked_by_id"))
    for row in rows:
        for key in ("recorded_by", "revoked_by"):
            row[f"{key}_employee_number"] = numbers.get(row.pop(f"{key}_id") or 0)
    return rows


def _requirements(person: Employee) -> dict:
    requirements = _rows(
        select(
            Course.slug.label("course"),
            Module.slug.label("module"),
            Requirement.assigned_at,
            Requirement.due_at,
            Requirement.completed_at,
            Requirement.expires_at,
            Requirement.renewal_opens_at,
            Requirement.waived_at,
            Requirement.created_at,
        )
        .join(Course, Course.id == Requirement.course_id)
        .outerjoin(Module, Module.id == Requirement.module_id)
        .where(Requirement.employee_id == person.id)
        .order_by(Requirement.due_at, Requirement.id)
    )
    assignments = _rows(
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
    reminders = _rows(
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


def _statements(person: Employee) -> Rows:
    return _rows(
        select(
            XapiStatement.id,
            XapiStatement.timestamp,
            XapiStatement.stored,
            XapiStatement.verb,
            XapiStatement.voided_by,
            XapiStatement.statement,
        )
        .where(XapiStatement.employee_id == person.id)
        .order_by(XapiStatement.timestamp, XapiStatement.stored, XapiStatement.id)
    )


def _credentials(person: Employee) -> Rows:
    return _rows(
        select(
            IssuedCredential.uuid.label("credential_id"),
            Course.slug.label("course"),
            Course.title.label("course_title"),
            IssuedCredential.issued_at,
            IssuedCredential.revoked_at,
            IssuedCredential.revocation_reason,
        )
        .join(Course, Course.id == IssuedCredential.course_id)
        .where(IssuedCredential.employee_id == person.id)
        .order_by(IssuedCredential.issued_at, IssuedCredential.id)
    )


def _about(person: Employee):
    """Audit events about ``person``: their record, email (sign-ins), attempts and evidence."""
    attempts = db.session.scalars(select(Attempt.id).where(Attempt.employee_id == person.id))
    evidence = db.session.scalars(select(Evidence.id).where(Evidence.employee_id == person.id))
    targets = [f"employee:{person.id}", person.email]
    targets += [f"attempt:{i}" for i in attempts] + [f"evidence:{i}" for i in evidence]
    return AuditEvent.target.in_(targets)


def _audit(person: Employee) -> Rows:
    rows = _rows(
        select(
            AuditEvent.id.label("event_id"),
            AuditEvent.at,
            AuditEvent.action,
            AuditEvent.target,
            AuditEvent.actor_id,
            AuditEvent.ip,
            AuditEvent.details,
        )
        .where(or_(_about(person), AuditEvent.actor_id == person.id))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    numbers = _numbers(row["actor_id"] for row in rows)
    for row in rows:
        actor = row.pop("actor_id")
        row["by_them"] = actor == person.id
        row["actor_employee_number"] = numbers.get(actor or 0)
    return rows


def _emails(person: Employee) -> Rows:
    return _rows(
        select(
            OutboxEmail.created_at,
            OutboxEmail.sent_at,
            OutboxEmail.to_address,
            OutboxEmail.subject,
            OutboxEmail.body,
        )
        .where(func.lower(OutboxEmail.to_address) == person.email.lower())
        .order_by(OutboxEmail.created_at, OutboxEmail.id)
    )


def _tokens(person: Employee) -> Rows:
    # the secret is never stored, and its hash is never exported
    rows = _rows(
        select(
            ApiToken.name,
            ApiToken.prefix,
            ApiToken.scopes,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
        )
        .where(ApiToken.owner_id == person.id)
        .order_by(ApiToken.created_at, ApiToken.id)
    )
    for row in rows:
        row["scopes"] = " ".join(row["scopes"] or [])
    return rows


def _sign_ins(person: Employee) -> dict:
    events = _rows(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.ip, AuditEvent.details)
        .where(
            AuditEvent.action.in_(["sign_in", "sign_in_failed"]),
            AuditEvent.target.in_([f"employee:{person.id}", person.email]),
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    links = _rows(
        select(
            PasswordToken.purpose,
            PasswordToken.created_at,
            PasswordToken.expires_at,
            PasswordToken.used_at,
            PasswordToken.revoked_at,
        )
        .join(Account, Account.id == PasswordToken.account_id)
        .where(Account.employee_id == person.id)
        .order_by(PasswordToken.created_at, PasswordToken.id)
    )
    last = db.session.scalar(select(Account.last_login_at).where(Account.employee_id == person.id))
    return {"last_sign_in_at": last, "sign_in_events": events, "password_links": links}


def _by_them(person: Employee) -> dict:
    pid = person.id
    recorded = _rows(
        select(
            Evidence.id.label("evidence_id"),
            Evidence.employee_id.label("about_employee_id"),
            Evidence.kind,
            Evidence.created_at,
            Evidence.revoked_at,
        )
        .where(
            or_(Evidence.recorded_by_id == pid, Evidence.revoked_by_id == pid),
            Evidence.employee_id != pid,
        )
        .order_by(Evidence.id)
    )
    reviewed = _rows(
        select(Response.id.label("response_id"), Response.reviewed_at)
        .where(Response.reviewed_by_id == pid)
        .order_by(Response.id)
    )
    adjustments = _rows(
        select(
            QuizTimeAdjustment.employee_id.label("about_employee_id"),
            QuizTimeAdjustment.updated_at,
        )
        .where(QuizTimeAdjustment.set_by_id == pid, QuizTimeAdjustment.employee_id != pid)
        .order_by(QuizTimeAdjustment.id)
    )
    assignments = _rows(
        select(
            Assignment.id.label("assignment_id"),
            Assignment.audience,
            Assignment.created_at,
            Assignment.removed_at,
        )
        .where(Assignment.created_by_id == pid)
        .order_by(Assignment.id)
    )
    digests = _rows(
        select(SentDigest.week_of, SentDigest.people, SentDigest.items, SentDigest.sent_at)
        .where(SentDigest.manager_id == pid)
        .order_by(SentDigest.week_of)
    )
    summaries = _rows(
        select(TeamSummary.framework_id, TeamSummary.computed_at, TeamSummary.headcount)
        .where(TeamSummary.manager_id == pid)
        .order_by(TeamSummary.framework_id)
    )
    snapshots = _rows(
        select(
            TeamSummarySnapshot.framework_id,
            func.count().label("days"),
            func.min(TeamSummarySnapshot.day).label("first_day"),
            func.max(TeamSummarySnapshot.day).label("last_day"),
        )
        .where(TeamSummarySnapshot.manager_id == pid)
        .group_by(TeamSummarySnapshot.framework_id)
    )
    pending = db.session.scalar(
        select(func.count())
        .select_from(RecomputeRequest)
        .where(or_(RecomputeRequest.employee_id == pid, RecomputeRequest.manager_id == pid))
    )
    asked = _rows(
        select(SubjectAccessRequest.id.label("request_id"), SubjectAccessRequest.requested_at)
        .where(SubjectAccessRequest.requested_by_id == pid)
        .order_by(SubjectAccessRequest.id)
    )
    return {
        "evidence_recorded_or_withdrawn_about_others": recorded,
        "essay_responses_reviewed": reviewed,
        "quiz_time_adjustments_set_for_others": adjustments,
        "assignments_created": assignments,
        "manager_digests_received": digests,
        "team_summaries_as_manager": summaries,
        "team_summary_snapshots_as_manager": snapshots,
        "pending_recompute_requests": pending,
        "subject_access_requests_made": asked,
    }


def _requests(person: Employee) -> Rows:
    return _rows(
        select(
            SubjectAccessRequest.id.label("request_id"),
            SubjectAccessRequest.requested_at,
            SubjectAccessRequest.reason,
            SubjectAccessRequest.status,
            SubjectAccessRequest.produced_at,
            SubjectAccessRequest.expires_at,
            SubjectAccessRequest.downloads,
        )
        .where(SubjectAccessRequest.employee_id == person.id)
        .order_by(SubjectAccessRequest.id)
    )


SECTIONS: tuple[Section, ...] = (
    Section(
        "profile",
        "who you are at work: name, email, employee number, job, unit, manager (by employee "
        "number), dates, your sign-in account (never the password) and any quiz time adjustment",
        "employees, job_roles, org_units, accounts, role_grants, quiz_time_adjustments",
        _profile,
        csv=False,
    ),
    Section(
        "org_history",
        "your place in the organisation as recorded: your current unit and job role, hire and "
        "leaving dates, the managers above you (by employee number and depth), how many people "
        "report to you at each depth, and every recorded change about you. LearnHub keeps no "
        "dated history of unit and role changes: the HR system holds it",
        "employees, reporting_lines, audit_events",
        _org_history,
        csv=False,
    ),
    Section("enrolments", "the courses you were enrolled in and when", "enrolments", _enrolments),
    Section(
        "module_progress",
        "your status in each module (not started, in progress, completed, waived), dates and "
        "your grade",
        "module_progress, modules, courses",
        _module_progress,
    ),
    Section(
        "attempts",
        "every quiz attempt: when, its score and whether you passed",
        "attempts, quizzes",
        _attempts,
    ),
    Section(
        "responses",
        "every answer you gave in an attempt, its score, feedback and a reviewer's comment",
        "responses, questions, attempts",
        _responses,
    ),
    Section(
        "evidence",
        "evidence of your competences, of every kind, including evidence withdrawn or expired "
        "(with the dates and the reason); who recorded it by employee number",
        "evidence, competences",
        _evidence,
    ),
    Section(
        "requirements",
        "the learning required of you, the assignments that reach you and the reminders sent "
        "to you",
        "requirements, assignment_targets, assignment_people, sent_reminders",
        _requirements,
        csv=False,
    ),
    Section(
        "xapi_statements",
        "the xAPI learning records (statements) made about you, as stored and sent to the "
        "organisation's learning record store",
        "xapi_statements",
        _statements,
        csv=False,
    ),
    Section(
        "credentials",
        "the Open Badges credentials issued to you, and revocations",
        "issued_credentials",
        _credentials,
    ),
    Section(
        "audit_events",
        "audit log entries about you (your record, attempts, evidence, sign-ins) and actions "
        "you took (by_them)",
        "audit_events",
        _audit,
    ),
    Section(
        "emails",
        "the emails LearnHub queued or sent to you, as sent",
        "outbox_emails",
        _emails,
    ),
    Section(
        "api_tokens",
        "the API tokens you created: name, first characters, scopes and dates (never the "
        "secret or its hash)",
        "api_tokens",
        _tokens,
    ),
    Section(
        "sign_ins",
        "your last sign-in, sign-ins and failed sign-ins recorded, and password links sent",
        "accounts, audit_events, password_tokens",
        _sign_ins,
        csv=False,
    ),
    Section(
        "actions_by_them",
        "what LearnHub records of your work about others (as a manager, reviewer or HR): "
        "counts, dates and internal ids, without the other people's names or answers",
        "evidence, responses, quiz_time_adjustments, assignments, sent_digests, "
        "team_summaries, team_summary_snapshots, recompute_requests, subject_access_requests",
        _by_them,
        csv=False,
    ),
    Section(
        "subject_access_requests",
        "the requests for a copy of your data (this one included)",
        "subject_access_requests",
        _requests,
    ),
)

#: every foreign key to employees in the models -> the section exporting those rows (the
#: completeness test compares this with the metadata)
REFERENCES: dict[tuple[str, str], str] = {
    ("employees", "manager_id"): "org_history",
    ("accounts", "employee_id"): "profile",
    ("api_tokens", "owner_id"): "api_tokens",
    ("assignments", "created_by_id"): "actions_by_them",
    ("assignment_people", "employee_id"): "requirements",
    ("enrolments", "employee_id"): "enrolments",
    ("issued_credentials", "employee_id"): "credentials",
    ("module_progress", "employee_id"): "module_progress",
    ("quiz_time_adjustments", "employee_id"): "profile",
    ("quiz_time_adjustments", "set_by_id"): "actions_by_them",
    ("requirements", "employee_id"): "requirements",
    ("sent_digests", "manager_id"): "actions_by_them",
    ("team_summaries", "manager_id"): "actions_by_them",
    ("team_summary_snapshots", "manager_id"): "actions_by_them",
    ("xapi_statements", "employee_id"): "xapi_statements",
    ("attempts", "employee_id"): "attempts",
    ("evidence", "employee_id"): "evidence",
    ("evidence", "recorded_by_id"): "evidence",
    ("evidence", "revoked_by_id"): "evidence",
    ("sent_reminders", "recipient_id"): "requirements",
    ("responses", "reviewed_by_id"): "actions_by_them",
    ("subject_access_requests", "employee_id"): "subject_access_requests",
}
#: references to a person without a foreign key, read by the sections named
UNKEYED_REFERENCES: dict[tuple[str, str], str] = {
    ("reporting_lines", "descendant_id"): "org_history",
    ("reporting_lines", "ancestor_id"): "org_history",
    ("audit_events", "actor_id"): "audit_events",
    ("audit_events", "target"): "audit_events",
    ("outbox_emails", "to_address"): "emails",
    ("recompute_requests", "employee_id"): "actions_by_them",
    ("recompute_requests", "manager_id"): "actions_by_them",
    ("assignment_targets", "employee_id"): "requirements",
    ("subject_access_requests", "requested_by_id"): "actions_by_them",
    ("password_tokens", "account_id"): "sign_ins",
    ("role_grants", "account_id"): "profile",
}
