"""Competence frameworks, evidence, target profiles and team skill-gap summaries.

A framework is data (DESIGN.md): DigComp 3.0 is loaded from its JSON-LD data supplement.
Levels are numbered from 1 in the framework's own scale; "no evidence" is 0.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db
from learnhub.skills.buckets import summary_from_buckets, without_roles


class Framework(db.Model):
    """A competence framework such as DigComp 3.0 (slug ``digcomp-3.0``)."""

    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    attribution: Mapped[str] = mapped_column(Text, default="")
    source_sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    levels: Mapped[list[ProficiencyLevel]] = relationship(
        order_by="ProficiencyLevel.number", lazy="selectin"
    )


class ProficiencyLevel(db.Model):
    """One level of a framework's proficiency scale (DigComp 3.0: 1 Basic … 4 Highly advanced)."""

    __tablename__ = "proficiency_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("framework_id", "number"),)


class MappingScale(StrEnum):
    """The finer scales DigComp 3.0 maps its bands to."""

    EIGHT = "eight"
    SIX = "six"


class LevelMapping(db.Model):
    """A finer scale kept as data: DigComp 3.0's 8-level and 6-level mappings of its bands.

    ``scale`` is ``"eight"`` or ``"six"``; ``code`` the finer level ("3", "B1"); ``level_number``
    the band of the framework's scale it falls in.
    """

    __tablename__ = "level_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    scale: Mapped[MappingScale] = mapped_column(enum_column(MappingScale, name="scale", length=20))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(20))
    level_number: Mapped[int]
    description: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("framework_id", "scale", "position"),)


class CompetenceArea(db.Model):
    __tablename__ = "competence_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("framework_id", "code"),)


class Competence(db.Model):
    """A competence of a framework, e.g. DigComp 3.0 ``4.1`` Protecting devices."""

    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("competence_areas.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    area: Mapped[CompetenceArea] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("framework_id", "code"),)


class CompetenceStatement(db.Model):
    """A framework statement of what someone at a level can do (DigComp ``CS1.1.01``)."""

    __tablename__ = "competence_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id"))
    code: Mapped[str] = mapped_column(String(40))
    level_number: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    ai_label: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("framework_id", "code"),)


class LearningOutcome(db.Model):
    """A framework learning outcome (DigComp ``LO4.2.07``), tied to a competence and a level."""

    __tablename__ = "learning_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id"))
    code: Mapped[str] = mapped_column(String(40))
    level_number: Mapped[int]
    kind: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    ai_label: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("framework_id", "code"),)


class GlossaryTerm(db.Model):
    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    term: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("framework_id", "term"),)


class TargetProfile(db.Model):
    """The levels a job role needs (``content/roles/<slug>.yaml``)."""

    __tablename__ = "target_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))

    targets: Mapped[list[TargetLevel]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TargetLevel.id"
    )


class TargetLevel(db.Model):
    """One competence target of a profile, with the reason for the level."""

    __tablename__ = "target_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("target_profiles.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id"))
    level_number: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")

    competence: Mapped[Competence] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("profile_id", "competence_id"),)


class ProfileJobCode(db.Model):
    """Which target profile an HR job code gets. Keyed by the code, not a job-role row, so
    content and HR imports can come in either order."""

    __tablename__ = "profile_job_codes"

    job_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("target_profiles.id", ondelete="CASCADE"))


class EvidenceKind(StrEnum):
    """What produced a piece of evidence (DESIGN.md "Evidence that counts")."""

    QUIZ_PASSED = "quiz_passed"
    MANAGER_VALIDATION = "manager_validation"
    PRIOR_LEARNING = "prior_learning"
    #: stored and shown as claimed; raises no attained level
    SELF_ASSESSMENT = "self_assessment"
    #: the questions of one attempt tagged with a competence (learnhub.quizzes.question_evidence)
    QUESTION_RESULT = "question_result"


#: Evidence kinds; only these raise the attained level (DESIGN.md "Evidence that counts")
COUNTING_EVIDENCE = (
    EvidenceKind.QUIZ_PASSED.value,
    EvidenceKind.MANAGER_VALIDATION.value,
    EvidenceKind.PRIOR_LEARNING.value,
    EvidenceKind.QUESTION_RESULT.value,
)
EVIDENCE_KINDS = tuple(kind.value for kind in EvidenceKind)


class Evidence(db.Model):
    """A dated record that an employee showed competence ``competence_id`` at ``level_number``.

    ``source`` identifies what produced it (``attempt:42``) so recording it twice is a no-op.
    ``expires_at`` is set from a module's validity period (or a certificate's expiry).
    ``revoked_at`` set: withdrawn or replaced; kept on record, never counted.
    """

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id"))
    level_number: Mapped[int]
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind, name="kind", length=40))
    source: Mapped[str] = mapped_column(String(120))
    achieved_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # evidence people record by hand (learnhub.skills.recorded): a manager's note, a prior
    # learning's reference (certificate name), and who withdrew it and why
    note: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("source", "competence_id", "kind"),
        Index("ix_evidence_employee_competence", "employee_id", "competence_id"),
    )


class TeamSummary(db.Model):
    """The stored team skill-gap summary of one manager's subtree for one framework. Written
    by :mod:`learnhub.skills.rollup` (every manager, or the chains above a change, set-based);
    idempotent, keyed by manager and framework.

    ``headcount``: active people in the subtree; ``people_with_targets``: those of them whose
    job role has targets in the framework; ``buckets``: ``[[job_role_id, competence_id, target,
    attained, people], ...]`` in no particular order, a key possibly repeated (its people add
    up; None: nobody below has a target), how many active people of a job role have that
    target and attained level (0: none) in a competence. A summary's figures are sums over
    its buckets, and a manager's buckets are the sums of their reports' (they add up the
    tree). :attr:`data` is the summary in the shape of
    :func:`learnhub.skills.summaries.compute_summary`.
    """

    __tablename__ = "team_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    headcount: Mapped[int] = mapped_column(default=0)
    people_with_targets: Mapped[int] = mapped_column(default=0)
    # PostgreSQL: a two-dimensional integer array (cheaper to aggregate into than JSON)
    buckets: Mapped[list | None] = mapped_column(
        JSON(none_as_null=True).with_variant(ARRAY(Integer, dimensions=2), "postgresql")
    )

    __table_args__ = (UniqueConstraint("manager_id", "framework_id"),)

    def role_buckets(self) -> Counter:
        """``{(job_role_id, competence_id, target, attained): people}``."""
        buckets: Counter = Counter()
        for r, c, t, a, n in self.buckets or ():
            buckets[(r, c, t, a)] += n
        return buckets

    @property
    def data(self) -> dict:
        """The summary folded from the stored buckets (two small queries: competences and
        levels), in the shape documented at ``compute_summary``."""
        session = object_session(self) or db.session
        buckets = without_roles(self.role_buckets())
        ids = {c for c, _t, _a in buckets}
        competences = (
            {c.id: c for c in session.scalars(select(Competence).where(Competence.id.in_(ids)))}
            if ids
            else {}
        )
        levels = session.scalar(
            select(func.count()).where(ProficiencyLevel.framework_id == self.framework_id)
        )
        return summary_from_buckets(
            buckets, self.headcount, self.people_with_targets, competences, levels or 0
        )


class BenchmarkCell(db.Model):
    """The organisation-wide figures the benchmark compares a team with, stored with the
    summaries (never aggregated per page view): of the active people of one job role, how many
    have a target in one competence and how many meet it."""

    __tablename__ = "benchmark_cells"

    framework_id: Mapped[int] = mapped_column(
        ForeignKey("frameworks.id"), primary_key=True, autoincrement=False
    )
    job_role_id: Mapped[int] = mapped_column(
        ForeignKey("job_roles.id"), primary_key=True, autoincrement=False
    )
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competences.id"), primary_key=True, autoincrement=False
    )
    with_target: Mapped[int]
    meeting: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecomputeRequest(db.Model):
    """A wish that team summaries be recomputed (DESIGN.md "recompute request").

    Written in the same transaction as the change that makes summaries stale (evidence, targets,
    reporting lines), so it exists exactly when the change does; deleted only by the recompute
    that covered it, in that recompute's own transaction (``learnhub.skills.recompute``). Redis
    only wakes a worker; this table is the record, so a killed worker, a lost message or a
    flushed Redis loses nothing.

    One row asks for: the managers above ``employee_id``; ``manager_id`` and the managers above
    them; or, with ``everyone``, every summary. No foreign keys: a request about someone later
    erased is simply a no-op, and it must never block that erasure.
    """

    __tablename__ = "recompute_requests"

    # BIGINT on PostgreSQL (one row per changed person, forever); INTEGER is SQLite's rowid
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    employee_id: Mapped[int | None]
    manager_id: Mapped[int | None]
    everyone: Mapped[bool] = mapped_column(default=False)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class TeamSummarySnapshot(db.Model):
    """One manager's team summary of one framework as it stood on ``day`` (UTC), written by
    :func:`learnhub.skills.trends.snapshot_team_summaries` (only when changed, carried
    forward: see that module).

    ``figures``: ``[[competence_id, with_target, meeting, gap_sum], ...]`` sorted by
    competence id (None: nobody below has a target); ``targets`` and ``targets_met`` are their
    sums (the overall share met is targets_met / targets)."""

    __tablename__ = "team_summary_snapshots"

    manager_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    headcount: Mapped[int] = mapped_column(default=0)
    people_with_targets: Mapped[int] = mapped_column(default=0)
    targets: Mapped[int] = mapped_column(default=0)
    targets_met: Mapped[int] = mapped_column(default=0)
    figures: Mapped[list | None] = mapped_column(
        JSON(none_as_null=True).with_variant(ARRAY(Integer, dimensions=2), "postgresql")
    )

    def by_competence(self) -> dict[int, tuple[int, int, int]]:
        """``{competence_id: (with_target, meeting, gap_sum)}``."""
        return {c: (n, met, gaps) for c, n, met, gaps in self.figures or ()}
