"""Erasing a person's personal data while the figures and the record of the erasure remain
(issue 15 "Erasure and retention"; GDPR article 17, and 5(1)(e) for retention).

What erasure does, in the caller's transaction (one person, a few statements a table):

- the employee row is pseudonymised: name "Erased person", email ``erased-<id>@erased.invalid``,
  employee number ``ERASED-<id>``, job title, hire date and time zone cleared. The row, its
  org unit and job role stay, so completions, evidence and team figures still add up (the
  person is a leaver, so no current team summary counts them);
- their sign-in account loses its password, sessions and API tokens, and role grants;
- every quiz response's answer and review comment is cleared (scores stay: they are the
  figures); essay feedback too;
- their xAPI statements name a pseudonymous account (``erased-<id>``) instead of their email
  and name (LearnHub's own voiding statements about theirs keep LearnHub as their actor).
  Statements already sent to a learning record store are out of LearnHub's reach: the LRS's
  operator must erase them there (said in the audit event);
- emails LearnHub queued to them are deleted; reminders sent to them go with their
  requirements, which stay (figures);
- their Open Badges credentials are revoked, and copies of their data made on request
  (subject access exports) are deleted;
- their extra time in timed quizzes is deleted (its reason is often health data);
- an audit event ``person.erased`` records who erased whom (by id), when and why.

Refused (Conflict, a DomainError answering 409; nothing changed) while the person is still
employed (HR marks them as
left through the HR import first), while a legal hold is set, or when already erased.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from learnhub.auth.models import Account, ApiToken, PasswordToken, RoleGrant
from learnhub.core.audit import audit
from learnhub.core.errors import Conflict, DomainError, NotFound
from learnhub.core.mail import OutboxEmail
from learnhub.core.models import utcnow
from learnhub.credentials.services import revoke_for_employee
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.privacy import subject_access
from learnhub.progress.models import XapiStatement
from learnhub.quizzes.models import Attempt, QuizTimeAdjustment, Response

logger = logging.getLogger(__name__)

ERASED_NAME = ("Erased", "person")


@dataclass(frozen=True)
class Erased:
    """What one erasure changed: responses cleared, statements rewritten, emails deleted,
    credentials revoked."""

    employee_id: int
    responses: int
    statements: int
    emails: int
    credentials: int


def find_person(employee_number: str) -> Employee:
    """The employee with ``employee_number``; NotFound otherwise."""
    person = db.session.scalar(select(Employee).where(Employee.employee_number == employee_number))
    if person is None:
        raise NotFound(f"No person with employee number {employee_number!r}.")
    return person


def is_erased(person: Employee) -> bool:
    return person.employee_number == f"ERASED-{person.id}"


def set_legal_hold(person: Employee, on: bool, reason: str, *, actor_id: int | None) -> None:
    """Set or lift the legal hold that stops erasure (a claim, an inquiry, a request under
    access to information law that covers the records). Audited with the reason."""
    if not reason.strip():
        raise DomainError("Give the reason for the legal hold (the audit log keeps it).")
    person.legal_hold = on
    audit(
        "person.legal_hold" if on else "person.legal_hold_lifted",
        target=f"employee:{person.id}",
        reason=reason.strip(),
        by=actor_id,
    )
    db.session.flush()


def erase_person(person: Employee, reason: str, *, actor_id: int | None) -> Erased:
    """Erase ``person``'s personal data (module docstring). Raises Conflict (409) when refused
    (employed, legal hold, erased already), DomainError without a reason.
    Flushes, never commits."""
    if not reason.strip():
        raise DomainError("Give the reason for the erasure (the audit log keeps it).")
    if is_erased(person):
        raise Conflict(f"Person {person.id} is already erased.")
    if person.active or person.left_at is None:
        raise Conflict(
            f"{person.employee_number} is still employed: erasure is for people who have left "
            "(the HR import marks leavers)."
        )
    if person.legal_hold:
        raise Conflict(f"{person.employee_number} is under a legal hold: lift it first.")
    email = person.email
    pid = person.id
    person.first_name, person.last_name = ERASED_NAME
    person.email = f"erased-{pid}@erased.invalid"
    person.employee_number = f"ERASED-{pid}"
    person.job_title, person.hire_date, person.timezone = None, None, None
    account_ids = select(Account.id).where(Account.employee_id == pid).scalar_subquery()
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.owner_id == pid, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.execute(delete(PasswordToken).where(PasswordToken.account_id.in_(account_ids)))
    db.session.execute(delete(RoleGrant).where(RoleGrant.account_id.in_(account_ids)))
    db.session.execute(
        update(Account)
        .where(Account.employee_id == pid)
        .values(password_hash=None, session_version=Account.session_version + 1)
    )
    # the reason for extra time is often health data: the adjustment goes
    db.session.execute(delete(QuizTimeAdjustment).where(QuizTimeAdjustment.employee_id == pid))
    attempts = select(Attempt.id).where(Attempt.employee_id == pid).scalar_subquery()
    responses = db.session.execute(
        update(Response)
        .where(Response.attempt_id.in_(attempts))
        .values(answer={}, comment=None, feedback=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    statements = 0
    for statement in db.session.scalars(
        select(XapiStatement).where(XapiStatement.employee_id == pid)
    ):
        body = dict(statement.statement)
        if body.get("actor", {}).get("account", {}).get("name") == "learnhub":
            continue  # LearnHub's own statement about theirs (voiding): it names no one
        body["actor"] = {
            "objectType": "Agent",
            "account": {
                "homePage": str(current_app.config["LEARNHUB_BASE_URL"]).rstrip("/"),
                "name": f"erased-{pid}",
            },
        }
        statement.statement = body
        statements += 1
    emails = db.session.execute(delete(OutboxEmail).where(OutboxEmail.to_address == email)).rowcount  # type: ignore[attr-defined]
    credentials = revoke_for_employee(pid, "holder's record erased")
    exports = subject_access.discard_files_of(pid)
    audit(
        "person.erased",
        target=f"employee:{pid}",
        reason=reason.strip(),
        by=actor_id,
        responses=responses,
        statements=statements,
        emails=emails,
        credentials=credentials,
        subject_access_files_deleted=exports,
        note="statements already sent to a learning record store must be erased there",
    )
    db.session.flush()
    logger.info("person %d erased (%s)", pid, reason.strip())
    return Erased(pid, responses or 0, statements, emails or 0, credentials)


def retention_years() -> int:
    """How many years after leaving a person's records are kept (LEARNHUB_RETENTION_YEARS):
    the one reading of the setting, for the retention run and the privacy notice alike."""
    return int(current_app.config["LEARNHUB_RETENTION_YEARS"])


def due_for_erasure(at: datetime | None = None) -> list[Employee]:
    """Leavers whose retention period (LEARNHUB_RETENTION_YEARS after leaving) has ended, not
    on legal hold, not erased yet; oldest leavers first."""
    years = retention_years()
    cutoff = (at or utcnow()) - timedelta(days=round(365.25 * years))
    return list(
        db.session.scalars(
            select(Employee)
            .where(
                Employee.active.is_(False),
                Employee.left_at.is_not(None),
                Employee.left_at < cutoff,
                Employee.legal_hold.is_(False),
                ~Employee.employee_number.startswith("ERASED-"),
            )
            .order_by(Employee.left_at, Employee.id)
        )
    )


def erase_expired(at: datetime | None = None) -> list[Erased]:
    """The retention run: erase everyone :func:`due_for_erasure` names. Flushes."""
    return [
        erase_person(person, "retention period ended", actor_id=None)
        for person in due_for_erasure(at)
    ]
