"""The subject access export's sections of records about a person (xAPI statements,
credentials, audit events, emails, API tokens, sign-ins, what they did about others, earlier
requests): one function per section, ``person -> rows`` (:mod:`.sar_contents` lists them)."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from learnhub.assignments.models import (
    Assignment,
    Requirement,
)
from learnhub.assignments.reminder_models import SentDigest
from learnhub.auth.models import Account, ApiToken, PasswordToken
from learnhub.catalog.models import Course
from learnhub.core.audit import AuditEvent
from learnhub.core.mail import OutboxEmail
from learnhub.credentials.models import IssuedCredential
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.privacy.audit_about import about_person
from learnhub.privacy.models import SubjectAccessRequest
from learnhub.privacy.sar_learning import Rows, numbers_of, rows_of
from learnhub.progress.models import XapiStatement
from learnhub.quizzes.models import QuizTimeAdjustment, Response
from learnhub.reports.jobs.models import ExportJob
from learnhub.skills.models import (
    Evidence,
    RecomputeRequest,
    TeamSummary,
    TeamSummarySnapshot,
)


def statements(person: Employee) -> Rows:
    return rows_of(
        select(
            XapiStatement.id,
            XapiStatement.timestamp,
            XapiStatement.stored,
            XapiStatement.verb,
            XapiStatement.object_id,
            XapiStatement.voided_by,
            XapiStatement.statement,
        )
        .where(XapiStatement.employee_id == person.id)
        .order_by(XapiStatement.timestamp, XapiStatement.stored, XapiStatement.id)
    )


def credentials(person: Employee) -> Rows:
    return rows_of(
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
    """Audit events about ``person``: the audit page's rule (:mod:`.audit_about`)."""
    return about_person(person.id, person.email)


def audit(person: Employee) -> Rows:
    rows = rows_of(
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
    numbers = numbers_of(row["actor_id"] for row in rows)
    for row in rows:
        actor = row.pop("actor_id")
        row["by_them"] = actor == person.id
        row["actor_employee_number"] = numbers.get(actor or 0)
    return rows


def emails(person: Employee) -> Rows:
    return rows_of(
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


def tokens(person: Employee) -> Rows:
    # the secret is never stored, and its hash is never exported
    rows = rows_of(
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


def sign_ins(person: Employee) -> dict:
    events = rows_of(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.ip, AuditEvent.details)
        .where(
            AuditEvent.action.in_(["sign_in", "sign_in_failed"]),
            AuditEvent.target.in_([f"employee:{person.id}", person.email]),
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    links = rows_of(
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


def by_them(person: Employee) -> dict:
    pid = person.id
    recorded = rows_of(
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
    reviewed = rows_of(
        select(Response.id.label("response_id"), Response.reviewed_at)
        .where(Response.reviewed_by_id == pid)
        .order_by(Response.id)
    )
    adjustments = rows_of(
        select(
            QuizTimeAdjustment.employee_id.label("about_employee_id"),
            QuizTimeAdjustment.updated_at,
        )
        .where(QuizTimeAdjustment.set_by_id == pid, QuizTimeAdjustment.employee_id != pid)
        .order_by(QuizTimeAdjustment.id)
    )
    assignments = rows_of(
        select(
            Assignment.id.label("assignment_id"),
            Assignment.audience,
            Assignment.created_at,
            Assignment.removed_at,
        )
        .where(Assignment.created_by_id == pid)
        .order_by(Assignment.id)
    )
    digests = rows_of(
        select(SentDigest.week_of, SentDigest.people, SentDigest.items, SentDigest.sent_at)
        .where(SentDigest.manager_id == pid)
        .order_by(SentDigest.week_of)
    )
    summaries = rows_of(
        select(TeamSummary.framework_id, TeamSummary.computed_at, TeamSummary.headcount)
        .where(TeamSummary.manager_id == pid)
        .order_by(TeamSummary.framework_id)
    )
    snapshots = rows_of(
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
    asked = rows_of(
        select(SubjectAccessRequest.id.label("request_id"), SubjectAccessRequest.requested_at)
        .where(SubjectAccessRequest.requested_by_id == pid)
        .order_by(SubjectAccessRequest.id)
    )
    exempted = rows_of(
        select(
            Requirement.id.label("requirement_id"),
            Requirement.employee_id.label("about_employee_id"),
            Requirement.waived_at,
        )
        .where(Requirement.waived_by_id == pid, Requirement.employee_id != pid)
        .order_by(Requirement.id)
    )
    exports = rows_of(
        select(
            ExportJob.id.label("export_job_id"),
            ExportJob.report,
            ExportJob.status,
            ExportJob.created_at,
            (ExportJob.manager_scope_id == pid).label("limited_to_their_team"),
        )
        .where(or_(ExportJob.requested_by_id == pid, ExportJob.manager_scope_id == pid))
        .order_by(ExportJob.id)
    )
    return {
        "exemptions_given": exempted,
        "export_jobs_requested": exports,
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


def requests(person: Employee) -> Rows:
    return rows_of(
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
