"""Required learning: assignments, the people they reach, and each person's requirements.

An :class:`Assignment` says who must do a course (or chosen modules of it) and by when. It is
*materialised* into :class:`AssignmentTarget` rows (who it reaches now, with each person's own
due instant), and the targets of every assignment are folded into one :class:`Requirement` per
person and item (a course, or one module), due at the earliest of its sources' due dates
(issue 10: "a person reached by two rules gets one requirement with the earliest due date").
A requirement's status is computed from its dates and the person's progress
(:mod:`learnhub.assignments.status`), never stored, so it can not go stale.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.catalog.models import Course
from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db


class AudienceKind(StrEnum):
    """Whom an assignment reaches. Every kind but ``people`` is a rule that keeps applying:
    people who join the unit or role later get it, leavers and movers drop out."""

    EVERYONE = "everyone"
    #: an org unit, with or without its sub-units (``include_sub_units``)
    ORG_UNIT = "org_unit"
    JOB_ROLE = "job_role"
    #: named people (a manager's assignment is always this kind)
    PEOPLE = "people"
    #: everyone hired on or after ``joiners_since`` (people without a hire date: added after it)
    NEW_JOINERS = "new_joiners"


class DueKind(StrEnum):
    """How a person's due date is set: the end of that day in the person's time zone."""

    #: ``due_date`` for everyone
    FIXED = "fixed"
    #: ``due_days`` after the day the assignment reached the person
    AFTER_ASSIGNMENT = "after_assignment"
    #: ``due_days`` after the person's hire date (the day it reached them when none is known,
    #: or when that date has passed by then: learnhub.assignments.targets)
    AFTER_HIRE = "after_hire"


class Assignment(db.Model):
    """A course (or chosen modules, :class:`AssignmentModule`) required of an audience.

    ``renewal_window_days``: for an item with a validity period, how many days before the
    completion expires the renewal opens (Totara's "window period"). ``removed_at``: set when
    the assignment is removed; it then reaches no one, and is kept for the record.
    """

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    audience: Mapped[AudienceKind] = mapped_column(
        enum_column(AudienceKind, name="audience", length=20)
    )
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    include_sub_units: Mapped[bool] = mapped_column(default=True)
    job_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_roles.id"))
    joiners_since: Mapped[date | None]
    due_kind: Mapped[DueKind] = mapped_column(enum_column(DueKind, name="due_kind", length=20))
    due_date: Mapped[date | None]
    due_days: Mapped[int | None]
    renewal_window_days: Mapped[int] = mapped_column(default=30)
    note: Mapped[str] = mapped_column(String(500), default="")
    # the employee who created it (None: the command line or an API token without an owner)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    removed_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship(lazy="joined")
    modules: Mapped[list[AssignmentModule]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    people: Mapped[list[AssignmentPerson]] = relationship(
        cascade="all, delete-orphan", lazy="select"
    )

    @property
    def is_rule(self) -> bool:
        """True when the assignment keeps applying as people join, move and leave."""
        return self.audience != AudienceKind.PEOPLE

    @property
    def module_ids(self) -> list[int]:
        """The chosen modules; empty: the whole course."""
        return sorted(m.module_id for m in self.modules)


class AssignmentModule(db.Model):
    """A module chosen by an assignment (none chosen: the whole course is required)."""

    __tablename__ = "assignment_modules"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), primary_key=True)


class AssignmentPerson(db.Model):
    """A person named by an assignment of kind ``people``."""

    __tablename__ = "assignment_people"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)


class AssignmentTarget(db.Model):
    """An assignment reaching one person now: when it reached them and their due instant
    (UTC; the end of the due day in their time zone). Rewritten set-based by
    :mod:`learnhub.assignments.materialise`; never edited one by one."""

    __tablename__ = "assignment_targets"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    employee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    assigned_at: Mapped[datetime]
    # what the due date was counted from (the person's local day the assignment reached them,
    # or their hire date; NO_BASE_DATE for a fixed date) and in which zone ("": the
    # organisation's), so that a changed due date is recounted the same way
    base_date: Mapped[date]
    zone: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]

    __table_args__ = (Index("ix_assignment_targets_employee_id", "employee_id"),)


class DueCalendar(db.Model):
    """Scratch rows of one materialisation: the due instant of an assignment for each time
    zone (``zone``: the person's IANA name, "" for the organisation's) and ``base_key`` (the
    hire date for ``after_hire``, a target's base date when a due date changes, else
    :data:`NO_BASE_DATE`); ``base_date`` is the day actually counted from. A few rows per zone
    and date let the targets be written by one INSERT … SELECT, with the zone arithmetic done
    by zoneinfo (issue 10: never fixed offsets) instead of per person."""

    __tablename__ = "assignment_due_calendar"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    base_key: Mapped[date] = mapped_column(primary_key=True)
    base_date: Mapped[date]
    due_at: Mapped[datetime]


#: the base date of calendar rows that do not depend on a person's hire date
NO_BASE_DATE = date(1900, 1, 1)


class Requirement(db.Model):
    """What one person must complete: a course (``module_id`` None, ``module_key`` 0) or one
    module of it (``module_key`` = ``module_id``), from one or more assignments.

    ``due_at``: the earliest due instant among the assignments that reach the person (UTC).
    ``completed_at``: the completion that satisfies the current cycle (a completion before the
    assignment counts while it is valid); ``expires_at``: when that completion stops counting
    (items with a validity period); after it the requirement is due again
    (:mod:`learnhub.assignments.completion` has the renewal rule).
    """

    __tablename__ = "requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    # module_id or 0: one requirement per person and item (NULLs are never equal in a UNIQUE)
    module_key: Mapped[int] = mapped_column(default=0)
    assigned_at: Mapped[datetime]
    due_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    # the widest renewal window among the assignments behind it (days before expires_at), and
    # when it opens (expires_at minus those days): from then on the requirement is due again,
    # by expires_at
    renewal_window_days: Mapped[int] = mapped_column(default=30)
    renewal_opens_at: Mapped[datetime | None]
    waived_at: Mapped[datetime | None]
    # an exemption HR gave by hand (learnhub.assignments.exemptions): who and why; both None
    # when a test-out waived it (learnhub.assignments.waivers)
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    waiver_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("employee_id", "course_id", "module_key"),
        Index("ix_requirements_due_at", "due_at"),
        Index("ix_requirements_course_id", "course_id"),
    )


#: characters of a token (token_urlsafe(24) gives 32)
TOKEN_LENGTH = 64


class SubmitToken(db.Model):
    """A submitted form's token and the assignments it created
    (:mod:`learnhub.assignments.submit_tokens`). ``owner``: the principal that sent it
    (``current_user.get_id()``: an account id, or ``token:<id>`` for an API token), so one
    person's token never answers another's request."""

    __tablename__ = "submit_tokens"

    owner: Mapped[str] = mapped_column(String(80), primary_key=True)
    token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), primary_key=True)
    assignment_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
