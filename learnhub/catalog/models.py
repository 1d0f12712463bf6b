"""Courses and their ordered modules, and how modules map to competences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.skills.models import Competence


class Course(db.Model):
    """A course loaded from ``content/courses/<slug>/course.yaml``."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    framework_slug: Mapped[str] = mapped_column(String(80))
    published: Mapped[bool] = mapped_column(default=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", lazy="selectin"
    )


class Module(db.Model):
    """A module: lesson text (Markdown, rendered and sanitised HTML) and at most one quiz.

    ``validity_months``: evidence from this module's quiz expires after it (None = never).
    """

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    slug: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(default=10)
    validity_months: Mapped[int | None]
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship(back_populates="modules", lazy="joined")
    outcomes: Mapped[list[ModuleOutcome]] = relationship(
        order_by="ModuleOutcome.position", cascade="all, delete-orphan", lazy="selectin"
    )
    competences: Mapped[list[ModuleCompetence]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("course_id", "slug"),)


class ModuleOutcome(db.Model):
    """What a learner will be able to do after a module, tied to a competence and level."""

    __tablename__ = "module_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id"))
    level_number: Mapped[int]
    learning_outcome_code: Mapped[str | None] = mapped_column(String(40))

    competence: Mapped[Competence] = relationship(lazy="joined")


class ModuleCompetence(db.Model):
    """Passing the module's quiz gives evidence of ``competence_id`` at ``level_number``."""

    __tablename__ = "module_competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id"))
    level_number: Mapped[int]

    __table_args__ = (UniqueConstraint("module_id", "competence_id"),)


class CourseFile(db.Model):
    """A picture a course's lessons show (``learnhub.catalog.course_files``): ``path`` relative
    to the course folder (``images/phishing.svg``), stored with the course so every web server
    serves the same bytes. ``sha256`` of ``content``."""

    __tablename__ = "course_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (UniqueConstraint("course_id", "path"),)
