"""The organisation: employees, org units, job roles and reporting lines."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db


class OrgUnit(db.Model):
    """A department, directorate or team; units nest through ``parent_id``."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)


class JobRole(db.Model):
    """A job as the HR system codes it (``SA_REP``); target profiles attach to the code."""

    __tablename__ = "job_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))


class Employee(db.Model):
    """A person of the organisation, as the HR system knows them.

    ``email`` is stored lower-cased (emails are unique case-insensitively); ``active`` is false
    for leavers, whose learning records are kept.
    """

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(60), unique=True)
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    job_title: Mapped[str | None] = mapped_column(String(200))
    job_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_roles.id"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    hire_date: Mapped[date | None]
    # the person's IANA time zone ("Europe/Lisbon"); None: the organisation's
    # (LEARNHUB_DEFAULT_TIME_ZONE, see learnhub.org.services.time_zone_of)
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    # when a full sync of the person's source last found them missing (None while active)
    left_at: Mapped[datetime | None]
    # a legal hold (a claim, an inquiry, an information request covering the records) stops
    # erasure, on request or by retention (learnhub.privacy.erasure)
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    # the import profile (HR source) that owns this person; a full sync touches only its own
    source: Mapped[str] = mapped_column(String(60), default="manual", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    job_role: Mapped[JobRole | None] = relationship(lazy="joined")
    org_unit: Mapped[OrgUnit | None] = relationship(lazy="joined")
    manager: Mapped[Employee | None] = relationship(remote_side=[id], lazy="select")

    # people are listed by name (a team page of a director's 100,000 people: the first page
    # reads 100 index entries instead of sorting the subtree)
    __table_args__ = (Index("ix_employees_name", "last_name", "first_name", "id"),)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __repr__(self) -> str:
        return f"<Employee {self.employee_number} {self.email}>"


class ReportingLine(db.Model):
    """One pair of the reporting tree's closure: ``ancestor_id`` is above ``descendant_id``,
    ``depth`` reporting lines up (1: the direct manager). A person is never their own ancestor.

    Derived from ``Employee.manager_id`` and kept in step with it in the same transaction by
    :mod:`learnhub.org.reporting` (the HR import, and an ORM flush hook for everything else),
    so a subtree is one index range (``ancestor_id = m``) instead of a recursive walk, and a
    person's depth in the tree is the number of their ancestors. Leavers stay in the tree.
    """

    __tablename__ = "reporting_lines"

    # no foreign keys: their per-row triggers made rebuilding 600,000 lines at 100,000 people
    # several times slower; the rows follow the employees' in the same transaction (a deleted
    # person's lines go with them, by the flush hook)
    ancestor_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    descendant_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    depth: Mapped[int]

    __table_args__ = (Index("ix_reporting_lines_descendant_id", "descendant_id", "depth"),)


class ImportMode(StrEnum):
    """How an HR import applies a file."""

    #: the source's people missing from the file become leavers
    FULL = "full"
    #: only the rows present change
    DELTA = "delta"


#: the stored strings, for validation messages and command-line choices
IMPORT_MODES = tuple(mode.value for mode in ImportMode)


class ImportProfile(db.Model):
    """A saved way to read one HR source's files: the column mapping ``{field: column header}``
    (fields of :data:`learnhub.org.hr_import.FIELDS`) and the sync mode (``IMPORT_MODES``).

    The profile's ``name`` is the source recorded on the people it imports
    (``Employee.source``), so a full sync of one profile never makes another's people leavers.
    """

    __tablename__ = "import_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    mapping: Mapped[dict] = mapped_column(JSON)
    mode: Mapped[ImportMode] = mapped_column(
        enum_column(ImportMode, name="mode", length=10), default=ImportMode.DELTA
    )
    description: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # the encoding of the source's CSV files (a Python codec name, "iso8859-2"); None: detect
    encoding: Mapped[str | None] = mapped_column(String(40))

    def __repr__(self) -> str:
        return f"<ImportProfile {self.name} {self.mode}>"
