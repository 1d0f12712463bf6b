"""What HR sees of one person's record on their page (issue 13): the HR system's facts (email,
org unit path, job role, manager, hire and leave dates, time zone, legal hold) and the state of
their sign-in account. HR only: a manager's view of the page stays as it was (DESIGN.md "Who
uses it"); the view asks :func:`learnhub.auth.permissions.can_view_employee` first.

Account states, in the order they are decided:

- **locked**: the person has left (a leaver cannot sign in, with or without an account), or
  their email had as many failed sign-ins in the current account window
  (LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT, 100 per hour by default) as the limit allows: sign-in
  refuses them until the window passes;
- **active**: signed in at least once (``last_login_at``);
- **never_signed_in**: a password is set but no sign-in yet;
- **invitation_queued**: no password, an invitation link still usable, but its email still
  waits in the outbox (unsent: no mail server, SMTP down, or not drained yet), found as an
  unsent outbox email with the invitation's subject to their address, queued with or after
  the link (one transaction writes both, the email last);
- **invited**: no password, an invitation link still usable, its email sent;
- **not_invited**: no password and no usable invitation (never sent, used up, revoked or
  expired): ``flask auth invite`` sends one;
- **no_account**: no account at all (an active person imported before accounts existed).

"locked" by failed sign-ins reads the audit log's ``sign_in_failed`` events for the email, the
same events the limiter counts; the limiter's own window may have started a little earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from limits import parse
from sqlalchemy import func, select

from learnhub.auth.models import Account, PasswordPurpose, PasswordToken
from learnhub.auth.passwords import INVITATION_SUBJECT
from learnhub.core.audit import AuditEvent
from learnhub.core.mail import OutboxEmail
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.time_zones import time_zone_of
from learnhub.reports.directory import unit_tree

#: the words each account state is shown in
ACCOUNT_WORDS = {
    "locked": "Locked",
    "active": "Active",
    "never_signed_in": "Never signed in",
    "invitation_queued": "Invitation queued",
    "invited": "Invited",
    "not_invited": "Not invited",
    "no_account": "No account",
}


@dataclass(frozen=True)
class PersonRecord:
    """HR's facts about one person. ``org_unit_path``: the unit's path from the top (None: no unit);
    ``time_zone``: the zone their dates are shown in, ``own_time_zone`` whether it is their
    own (else the organisation's); ``account_state`` a key of :data:`ACCOUNT_WORDS`,
    ``account_detail`` a sentence about it; ``last_sign_in`` / ``invitation_expires`` UTC."""

    email: str
    org_unit_path: str | None
    job_role_code: str | None
    job_role_title: str | None
    job_title: str | None
    manager_number: str | None
    manager_name: str | None
    manager_active: bool
    hire_date: date | None
    left_at: datetime | None
    active: bool
    time_zone: str
    own_time_zone: bool
    legal_hold: bool
    source: str
    account_state: str
    account_detail: str
    last_sign_in: datetime | None
    invitation_expires: datetime | None
    failed_sign_ins: int

    @property
    def account_words(self) -> str:
        return ACCOUNT_WORDS[self.account_state]


def person_record(employee: Employee, *, now: datetime | None = None) -> PersonRecord:
    """``employee``'s record for HR (call only for HR, after the can-view check). Six
    statements at most: the org units, the manager, the account, its usable invitation and
    that invitation's waiting email, the failed sign-ins of the current window."""
    now = now or utcnow()
    paths = unit_tree().paths
    manager = db.session.get(Employee, employee.manager_id) if employee.manager_id else None
    account = db.session.scalar(select(Account).where(Account.employee_id == employee.id))
    invitation = None
    waiting: OutboxEmail | None = None
    if account is not None and account.password_hash is None:
        link = db.session.execute(
            select(PasswordToken.expires_at, PasswordToken.created_at)
            .where(
                PasswordToken.account_id == account.id,
                PasswordToken.purpose == PasswordPurpose.INVITATION,
                PasswordToken.used_at.is_(None),
                PasswordToken.revoked_at.is_(None),
                PasswordToken.expires_at > now,
            )
            .order_by(PasswordToken.expires_at.desc())
            .limit(1)
        ).first()
        if link is not None:
            invitation = link.expires_at
            waiting = db.session.scalar(
                select(OutboxEmail)
                .where(
                    OutboxEmail.to_address == employee.email,
                    OutboxEmail.subject == INVITATION_SUBJECT,
                    OutboxEmail.sent_at.is_(None),
                    OutboxEmail.created_at >= link.created_at,
                )
                .order_by(OutboxEmail.id.desc())
                .limit(1)
            )
    limit = parse(current_app.config["LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT"])
    window = timedelta(seconds=limit.get_expiry())
    failed = (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "sign_in_failed",
                AuditEvent.target == employee.email,
                AuditEvent.at > now - window,
            )
        )
        or 0
    )
    state, detail = _account_state(employee, account, invitation, failed, limit.amount)
    if state == "invited" and waiting is not None:
        state, detail = "invitation_queued", _queued_words(waiting)
    zone = time_zone_of(employee)
    return PersonRecord(
        email=employee.email,
        org_unit_path=paths.get(employee.org_unit_id) if employee.org_unit_id else None,
        job_role_code=employee.job_role.code if employee.job_role else None,
        job_role_title=employee.job_role.title if employee.job_role else None,
        job_title=employee.job_title,
        manager_number=manager.employee_number if manager else None,
        manager_name=manager.full_name if manager else None,
        manager_active=bool(manager and manager.active),
        hire_date=employee.hire_date,
        left_at=employee.left_at,
        active=employee.active,
        time_zone=str(zone),
        own_time_zone=bool(employee.timezone) and str(zone) == employee.timezone,
        legal_hold=employee.legal_hold,
        source=employee.source,
        account_state=state,
        account_detail=detail,
        last_sign_in=account.last_login_at if account else None,
        invitation_expires=invitation,
        failed_sign_ins=failed,
    )


def _account_state(
    employee: Employee,
    account: Account | None,
    invitation: datetime | None,
    failed: int,
    allowed: int,
) -> tuple[str, str]:
    if not employee.active:
        return "locked", "Has left: they cannot sign in, and their links no longer work."
    if account is None:
        return "no_account", "No sign-in account: they cannot sign in."
    if failed >= allowed:
        return "locked", (
            f"{failed} failed sign-ins with this email in the current window: sign-in is "
            "refused until the window passes."
        )
    if account.last_login_at is not None:
        return "active", "Has signed in."
    if account.password_hash is not None:
        return "never_signed_in", "A password is set, but they have never signed in."
    if invitation is not None:
        return "invited", "Invited: the emailed link to choose a password still works."
    return "not_invited", (
        "No password and no usable invitation (never sent, or it expired): "
        "`flask auth invite` sends one."
    )


def _queued_words(email: OutboxEmail) -> str:
    """The sentence of an invitation whose email waits in the outbox: why, when it is known."""
    words = "Not sent yet: the invitation email waits in the outbox."
    if email.attempts:
        tries = "try" if email.attempts == 1 else "tries"
        words += f" Sending failed ({email.attempts} {tries}; last: {email.last_error or '?'})."
    elif not current_app.config.get("LEARNHUB_SMTP_HOST"):
        words += " No mail server is set (LEARNHUB_SMTP_HOST): `flask auth outbox` lists it."
    return words
