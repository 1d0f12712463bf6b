"""Password links: invitations of new staff and password resets, both single-use emailed links
with an expiry, stored as the SHA-256 of their secret (learnhub.core.security).

An invitation goes to an active person without a password (``flask auth invite``, and
automatically for people an HR import added); a reset goes to whoever asks for one with their
email, while the page never says whether that email has an account. Using a link, or asking for
a new one of the same kind, ends the earlier ones; a leaver's links stop working.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import cast

from flask import current_app
from sqlalchemy import and_, exists, insert, select, update
from sqlalchemy.engine import CursorResult

from learnhub.auth import services
from learnhub.auth.models import Account, PasswordPurpose, PasswordToken
from learnhub.core.audit import audit, audit_many
from learnhub.core.errors import DomainError
from learnhub.core.mail import queue_email, queue_emails
from learnhub.core.models import utcnow
from learnhub.core.security import hash_secret, new_secret
from learnhub.extensions import db
from learnhub.org import services as org_services
from learnhub.org.models import Employee

logger = logging.getLogger(__name__)

#: ids per statement: SQLite allows 32,766 bound parameters
CHUNK = 5000
INVALID_LINK = "This link is not valid any more: it was used, replaced or has expired."


def link_url(secret: str) -> str:
    """The absolute URL of the set-password page for ``secret`` (LEARNHUB_BASE_URL: the CLI
    and workers have no request to take the host from)."""
    return f"{current_app.config['LEARNHUB_BASE_URL']}/set-password/{secret}"


def _end_unused(account_ids: list[int], purpose: PasswordPurpose, now) -> None:
    """Revoke the unused links of ``purpose`` of these accounts (a new one replaces them)."""
    if not account_ids:
        return
    db.session.execute(
        update(PasswordToken)
        .where(
            PasswordToken.account_id.in_(account_ids),
            PasswordToken.purpose == purpose,
            PasswordToken.used_at.is_(None),
            PasswordToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def _issue(account: Account, purpose: PasswordPurpose, lifetime: timedelta) -> str:
    """A new link of ``purpose`` for ``account``; ends its earlier unused ones of that purpose.
    Returns the secret (only the hash is stored)."""
    now = utcnow()
    _end_unused([account.id], purpose, now)
    secret = new_secret()
    db.session.add(
        PasswordToken(
            account_id=account.id,
            purpose=purpose,
            token_hash=hash_secret(secret),
            expires_at=now + lifetime,
        )
    )
    return secret


#: the subject of every invitation email (HR's person page finds a waiting one by it)
INVITATION_SUBJECT = "Your LearnHub account: choose a password"


def _invitation_email(employee: Employee, secret: str, days: int) -> tuple[str, str, str]:
    return (
        employee.email,
        INVITATION_SUBJECT,
        f"Hello {employee.first_name},\n\n"
        "You have a LearnHub account for your digital-skills learning. Choose your password "
        f"here within {days} days:\n\n{link_url(secret)}\n\n"
        "The link works once. If it has expired, ask for a new one from the sign-in page "
        '("Forgotten your password?").\n',
    )


def invitable_query(employee_ids: Iterable[int] | None = None, *, ids_only: bool = False):
    """Active employees without a password and without a live invitation; ``employee_ids``
    limits it. One SELECT of Employee (of Employee.id with ``ids_only``)."""
    now = utcnow()
    live_invitation = exists().where(
        PasswordToken.account_id == Account.id,
        PasswordToken.purpose == PasswordPurpose.INVITATION,
        PasswordToken.used_at.is_(None),
        PasswordToken.revoked_at.is_(None),
        PasswordToken.expires_at > now,
    )
    query = (
        select(Employee.id if ids_only else Employee)
        .select_from(Employee)
        .outerjoin(Account, Account.employee_id == Employee.id)
        .where(Employee.active.is_(True))
        .where(Account.password_hash.is_(None))
        .where(~and_(Account.id.is_not(None), live_invitation))
        .order_by(Employee.id)
    )
    if employee_ids is not None:
        query = query.where(Employee.id.in_(list(employee_ids)))
    return query


def invite_many(employee_ids: Iterable[int] | None = None) -> int:
    """Invite every invitable employee (see :func:`invitable_query`) among ``employee_ids``
    (None: everyone): creates missing accounts, and one link, one outbox email and one audit
    event each, in multi-row INSERTs (an import of 100,000 new people stays a few statements
    per chunk of CHUNK people). Returns how many were invited. Flushes; the emails go after
    the commit."""
    if employee_ids is None:
        ids = list(db.session.scalars(invitable_query(ids_only=True)))
    else:
        ids = sorted(set(employee_ids))
    return sum(_invite_chunk(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK))


def _invite_chunk(ids: list[int]) -> int:
    people = list(db.session.scalars(invitable_query(ids)))
    if not people:
        return 0
    person_ids = [p.id for p in people]
    have_account = set(
        db.session.scalars(select(Account.employee_id).where(Account.employee_id.in_(person_ids)))
    )
    missing = [{"employee_id": i} for i in person_ids if i not in have_account]
    if missing:
        db.session.execute(insert(Account), missing)
    account_ids = dict(
        db.session.execute(
            select(Account.employee_id, Account.id).where(Account.employee_id.in_(person_ids))
        ).all()
    )
    now = utcnow()
    _end_unused(list(account_ids.values()), PasswordPurpose.INVITATION, now)
    days = current_app.config["LEARNHUB_INVITE_DAYS"]
    links, emails = [], []
    for person in people:
        secret = new_secret()
        links.append(
            {
                "account_id": account_ids[person.id],
                "purpose": PasswordPurpose.INVITATION,
                "token_hash": hash_secret(secret),
                "created_at": now,
                "expires_at": now + timedelta(days=days),
            }
        )
        emails.append(_invitation_email(person, secret, days))
    db.session.execute(insert(PasswordToken), links)
    queue_emails(emails)
    audit_many("invitation_sent", [f"employee:{i}" for i in person_ids])
    logger.info("invited %d people", len(people))
    return len(people)


def request_reset(email: str) -> bool:
    """Email a password-reset link to the active person with ``email`` (any letter case), if
    there is one; audited either way. Returns whether a link was sent — for the caller's logs
    only: the page must say the same whatever this is. Flushes."""
    employee = org_services.get_by_email(email)
    known = employee is not None and employee.active
    audit("password_reset_requested", target=email.strip().lower()[:254], known=known)
    if not known:
        _decoy_reset(email)
        return False
    account = services.account_for(employee)
    minutes = current_app.config["LEARNHUB_RESET_MINUTES"]
    secret = _issue(account, PasswordPurpose.RESET, timedelta(minutes=minutes))
    queue_email(employee.email, *_reset_email(employee.first_name, secret, minutes))
    return True


def _reset_email(first_name: str, secret: str, minutes: int) -> tuple[str, str]:
    """(subject, body) of a password-reset email."""
    return (
        "Reset your LearnHub password",
        f"Hello {first_name},\n\n"
        "Someone (we hope you) asked to reset your LearnHub password. Choose a new one here "
        f"within {minutes} minutes:\n\n{link_url(secret)}\n\n"
        "The link works once. If you did not ask for this, ignore this email: your password "
        "stays as it is.\n",
    )


def _decoy_reset(email: str) -> None:
    """For an email without an account, the work of a reset (the account lookup, ending old
    links, a new secret and its hash, an outbox row) inside a savepoint that is rolled back:
    the time of the answer must not tell whether the email has an account (known emails took
    13.7 ms, unknown 7.6 ms before). Nothing is kept and nothing is sent."""
    savepoint = db.session.begin_nested()
    try:
        db.session.scalar(select(Account).where(Account.employee_id == 0))
        _end_unused([0], PasswordPurpose.RESET, utcnow())
        minutes = current_app.config["LEARNHUB_RESET_MINUTES"]
        secret = new_secret()
        hash_secret(secret)
        queue_email(email.strip()[:254], *_reset_email("there", secret, minutes))
    finally:
        savepoint.rollback()


def find_link(secret: str) -> PasswordToken | None:
    """The usable link with this secret, else None (unknown, used, replaced, expired, or its
    person has left)."""
    if not secret or len(secret) > 200:
        return None
    token = db.session.scalar(
        select(PasswordToken).where(PasswordToken.token_hash == hash_secret(secret))
    )
    if token is None or not token.usable(utcnow()):
        return None
    return token


def use_link(secret: str, password: str) -> Account:
    """Set ``password`` through the link with ``secret``: the link is used up, the account's
    other links end and its other sessions are signed out; audited. Returns the account.
    Raises DomainError for an unusable link or a password under 10 characters. Flushes."""
    token = find_link(secret)
    if token is None:
        raise DomainError(INVALID_LINK)
    account = token.account
    now = utcnow()
    # claim the link with one conditional UPDATE: of two requests racing with it, one wins
    claimed = cast(
        CursorResult,
        db.session.execute(
            update(PasswordToken)
            .where(PasswordToken.id == token.id, PasswordToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if claimed != 1:
        raise DomainError(INVALID_LINK)
    db.session.refresh(token)
    services.set_password(account, password)
    db.session.execute(
        update(PasswordToken)
        .where(
            PasswordToken.account_id == account.id,
            PasswordToken.id != token.id,
            PasswordToken.used_at.is_(None),
            PasswordToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    audit("password_set", target=f"employee:{account.employee_id}", purpose=token.purpose)
    db.session.flush()
    return account


def revoke_links_of(employee_ids: list[int]) -> int:
    """End every unused link of these employees (leavers); returns how many."""
    ended = 0
    for i in range(0, len(employee_ids), CHUNK):
        accounts = select(Account.id).where(Account.employee_id.in_(employee_ids[i : i + CHUNK]))
        result = db.session.execute(
            update(PasswordToken)
            .where(
                PasswordToken.account_id.in_(accounts),
                PasswordToken.used_at.is_(None),
                PasswordToken.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        ended += cast(CursorResult, result).rowcount or 0
    return ended
