"""Sign-in accounts of employees and the roles granted to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee


class Role(StrEnum):
    """Every role (who needs which: learnhub.auth.permissions)."""

    #: everyone's
    EMPLOYEE = "employee"
    #: derived: someone active reports to them
    MANAGER = "manager"
    HR = "hr"
    CONTENT_ADMIN = "content_admin"
    PLATFORM_ADMIN = "platform_admin"


#: Roles that are granted (stored in role_grants); the others are everyone's or derived.
GRANTED_ROLES = (Role.HR.value, Role.CONTENT_ADMIN.value, Role.PLATFORM_ADMIN.value)


class PasswordPurpose(StrEnum):
    """Why a password link was sent: an invitation of new staff, or a reset the person asked
    for."""

    INVITATION = "invitation"
    RESET = "reset"


class Account(UserMixin, db.Model):
    """The sign-in of one employee. ``password_hash`` is None until a password is set
    (people imported from HR cannot sign in until then)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Bumped to sign out every session of this account (leavers, password change)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    employee: Mapped[Employee] = relationship(lazy="joined")
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="account", cascade="all, delete-orphan", lazy="selectin"
    )

    #: not stored: whether someone active reports to this person, when the user loader read it
    #: with the account (``learnhub.auth.sessions.load_account``); None: not known
    has_reports_known = None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.employee.active

    @property
    def granted_roles(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.grants)

    def has_role(self, role: str) -> bool:
        """True when ``role`` is granted ("employee" is always true for an active account)."""
        return role == Role.EMPLOYEE or role in self.granted_roles


class RoleGrant(db.Model):
    """A granted role (hr, content_admin, platform_admin) of an account."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(enum_column(GRANTED_ROLES, name="role", length=40))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(back_populates="grants")

    __table_args__ = (UniqueConstraint("account_id", "role"),)


class PasswordToken(db.Model):
    """A single-use link to set a password, emailed to the account's owner.

    Only the SHA-256 of the link's secret is stored (``token_hash``). The link works while
    unused, unrevoked, unexpired and while the person is active (leavers' links stop working).
    """

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[PasswordPurpose] = mapped_column(
        enum_column(PasswordPurpose, name="purpose", length=20)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship()

    def usable(self, now: datetime) -> bool:
        """True while the link may still set a password (and its person is active)."""
        return (
            self.used_at is None
            and self.revoked_at is None
            and now < self.expires_at
            and self.account.is_active
        )


class ApiToken(db.Model):
    """A bearer token of an integration (HR system, LRS, BI tool), limited to ``scopes``.

    The token itself is shown once at creation; only its SHA-256 is stored, with the first
    characters (``prefix``) to recognise it in lists. ``owner_id`` is the employee who created
    it (None from the CLI): a token stops working when its owner leaves.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    owner: Mapped[Employee | None] = relationship(lazy="joined")

    def usable(self, now: datetime) -> bool:
        """True while unrevoked, unexpired and its owner (if any) is active."""
        return (
            self.revoked_at is None
            and now < self.expires_at
            and (self.owner is None or self.owner.active)
        )


class InvitationRequest(db.Model):
    """Invitations an HR import owes (:mod:`learnhub.auth.invitations`): one row per chunk of
    the people it added or changed, written in the import's transaction, marked done
    (``done_at``, ``invited``: how many got an invitation; the others had a password or a live
    one) by the task that invited them. ``import_run_id``: the import run (no foreign key, as
    the history's ids); ``dispatched_at``: when a task was last queued for it."""

    __tablename__ = "invitation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    import_run_id: Mapped[int | None]
    employee_ids: Mapped[list[int]] = mapped_column(JSON)
    people: Mapped[int] = mapped_column(default=0, server_default="0")
    invited: Mapped[int] = mapped_column(default=0, server_default="0")
    dispatched_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_invitation_requests_run", "import_run_id"),
        Index("ix_invitation_requests_done", "done_at", "id"),
    )
