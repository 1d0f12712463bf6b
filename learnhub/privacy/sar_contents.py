"""What a subject access export holds (GDPR articles 15 and 20): one :class:`Section` per file,
each with what it holds and where it comes from (the README of the ZIP is made from them).

Every table that references a person is read by a section (:mod:`.sar_learning`,
:mod:`.sar_records`), one or a few queries a section (no
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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from learnhub.org.models import Employee
from learnhub.privacy import sar_learning as learning
from learnhub.privacy import sar_records as records


@dataclass(frozen=True)
class Section:
    """One file of the export: ``name`` without extension (``.json`` always, ``.csv`` too
    when ``csv``), what it holds and the tables it comes from (the README's words)."""

    name: str
    holds: str
    source: str
    collect: Callable[[Employee], Any]
    csv: bool = True


SECTIONS: tuple[Section, ...] = (
    Section(
        "profile",
        "who you are at work: name, email, employee number, job, unit, manager (by employee "
        "number), dates, your sign-in account (never the password) and any quiz time "
        "adjustment (with its reason)",
        "employees, job_roles, org_units, accounts, role_grants, quiz_time_adjustments",
        learning.profile,
        csv=False,
    ),
    Section(
        "org_history",
        "your place in the organisation as recorded: your current unit and job role, hire and "
        "leaving dates, the managers above you (by employee number and depth), how many people "
        "report to you at each depth, and every recorded change about you. LearnHub keeps no "
        "dated history of unit and role changes: the HR system holds it",
        "employees, reporting_lines, audit_events",
        learning.org_history,
        csv=False,
    ),
    Section(
        "enrolments", "the courses you were enrolled in and when", "enrolments", learning.enrolments
    ),
    Section(
        "module_progress",
        "your status in each module (not started, in progress, completed, waived), dates and "
        "your grade",
        "module_progress, modules, courses",
        learning.module_progress,
    ),
    Section(
        "attempts",
        "every quiz attempt: when, its score and whether you passed",
        "attempts, quizzes",
        learning.attempts,
    ),
    Section(
        "responses",
        "every answer you gave in an attempt, its score, feedback and a reviewer's comment",
        "responses, questions, attempts",
        learning.responses,
    ),
    Section(
        "evidence",
        "evidence of your competences, of every kind, including evidence withdrawn or expired "
        "(with the dates and the reason); who recorded it by employee number",
        "evidence, competences",
        learning.evidence,
    ),
    Section(
        "requirements",
        "the learning required of you, the assignments that reach you and the reminders sent "
        "to you",
        "requirements, assignment_targets, assignment_people, sent_reminders",
        learning.requirements,
        csv=False,
    ),
    Section(
        "xapi_statements",
        "the xAPI learning records (statements) made about you, as stored and sent to the "
        "organisation's learning record store",
        "xapi_statements",
        records.statements,
        csv=False,
    ),
    Section(
        "credentials",
        "the Open Badges credentials issued to you, and revocations",
        "issued_credentials",
        records.credentials,
    ),
    Section(
        "audit_events",
        "audit log entries about you (your record, attempts, evidence, sign-ins) and actions "
        "you took (by_them)",
        "audit_events",
        records.audit,
    ),
    Section(
        "emails",
        "the emails LearnHub queued or sent to you, as sent",
        "outbox_emails",
        records.emails,
    ),
    Section(
        "api_tokens",
        "the API tokens you created: name, first characters, scopes and dates (never the "
        "secret or its hash)",
        "api_tokens",
        records.tokens,
    ),
    Section(
        "sign_ins",
        "your last sign-in, sign-ins and failed sign-ins recorded, and password links sent",
        "accounts, audit_events, password_tokens",
        records.sign_ins,
        csv=False,
    ),
    Section(
        "actions_by_them",
        "what LearnHub records of your work about others (as a manager, reviewer or HR): "
        "counts, dates and internal ids, without the other people's names or answers",
        "evidence, responses, quiz_time_adjustments, assignments, requirements (exemptions), "
        "export_jobs, sent_digests, team_summaries, team_summary_snapshots, "
        "recompute_requests, subject_access_requests",
        records.by_them,
        csv=False,
    ),
    Section(
        "subject_access_requests",
        "the requests for a copy of your data (this one included)",
        "subject_access_requests",
        records.requests,
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
    ("requirements", "waived_by_id"): "actions_by_them",
    ("export_jobs", "requested_by_id"): "actions_by_them",
    ("export_jobs", "manager_scope_id"): "actions_by_them",
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
#: columns of the person's own rows deliberately not in the export, and why (the
#: column-completeness test reads every other column's value in the export)
OWN_COLUMNS_LEFT_OUT: dict[tuple[str, str], str] = {
    ("accounts", "password_hash"): "a secret; profile.json says whether a password is set",
    ("xapi_statements", "ref"): "an internal key against sending a statement twice",
    ("subject_access_requests", "produced_at"): "set on this request after its copy is written",
    ("subject_access_requests", "status"): "set on this request after its copy is written",
    ("subject_access_requests", "expires_at"): "set on this request after its copy is written",
    ("subject_access_requests", "file_name"): "set on this request after its copy is written",
    ("subject_access_requests", "sha256"): "set on this request after its copy is written",
    ("subject_access_requests", "size_bytes"): "set on this request after its copy is written",
    ("subject_access_requests", "requested_by_id"): "the HR person who asked: another's id",
}
