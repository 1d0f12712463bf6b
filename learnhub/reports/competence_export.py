"""Two skills exports of the Exports page (issue 13): **competence profiles** (a row per person
x competence) and **team gap summaries** (a row per manager's team x competence, from the
stored summaries). Both set-based and streamed (``yield_per``), memory flat whatever the size.

Rules (DESIGN.md "How skills are computed"):

- a person's competences are those their job role targets plus those they have counting,
  unexpired evidence for; ``attained`` is the highest such evidence's level (0: none), ``gap``
  max(0, target - attained) when there is a target (blank otherwise); the evidence columns
  describe that highest piece of evidence (the latest one among equals). Self-assessments are
  claims, not evidence that counts, so they never appear here.
- a team gap summary is the stored :class:`learnhub.skills.models.TeamSummary` (computed by
  the workers, with the time it was computed), folded per competence as the team page shows
  it: people with a target, meeting it, mean and max gap, and how many people are at each
  attained level (0 first).

Scope: HR exports everyone; a manager the active people of their own subtree (profiles) and
the summaries of their own team and the teams below it (summaries), never the evidence's
``source`` (it names the quiz attempt: "never another person's ... raw scores").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, func, or_, select, union
from sqlalchemy.orm import aliased

from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit
from learnhub.org.services import subtree_ids_query
from learnhub.skills.buckets import summary_from_buckets, without_roles
from learnhub.skills.models import (
    COUNTING_EVIDENCE,
    Competence,
    Evidence,
    Framework,
    ProficiencyLevel,
    ProfileJobCode,
    TargetLevel,
    TeamSummary,
)

PROFILE_HEADER = [
    "employee_number",
    "name",
    "email",
    "org_unit",
    "job_role",
    "manager_employee_number",
    "framework",
    "competence_code",
    "competence",
    "target_level",
    "attained_level",
    "gap",
    "evidence_kind",
    "evidence_source",
    "evidence_date",
    "evidence_expires_at",
]
#: the column a manager's export leaves out (it names the quiz attempt behind the evidence)
HR_ONLY_PROFILE_COLUMNS = ("evidence_source",)
TEAM_HEADER = [
    "manager_employee_number",
    "manager_name",
    "org_unit",
    "framework",
    "computed_at",
    "headcount",
    "people_with_targets",
    "competence_code",
    "competence",
    "with_target",
    "meeting",
    "mean_gap",
    "max_gap",
    "attained_distribution",
]
CHUNK_ROWS = 2000


@dataclass(frozen=True)
class SkillsFilters:
    """What a skills export covers: ``manager_id`` that manager's subtree (None: everyone);
    ``org_unit_ids`` people (profiles) or managers (summaries) of these units (None: all)."""

    manager_id: int | None = None
    org_unit_ids: tuple[int, ...] | None = None

    def as_audit(self) -> dict:
        """The filters as the audit event records them."""
        return {
            "scope": "everyone" if self.manager_id is None else f"subtree:{self.manager_id}",
            "org_unit_ids": list(self.org_unit_ids) if self.org_unit_ids is not None else None,
        }


def profile_header(filters: SkillsFilters) -> list[str]:
    """The profile export's columns: a manager's has no ``evidence_source``."""
    if filters.manager_id is None:
        return PROFILE_HEADER
    return [c for c in PROFILE_HEADER if c not in HR_ONLY_PROFILE_COLUMNS]


def _people(filters: SkillsFilters) -> Select:
    people = select(Employee.id).where(Employee.active.is_(True))
    if filters.manager_id is not None:
        people = people.where(Employee.id.in_(subtree_ids_query(filters.manager_id)))
    if filters.org_unit_ids is not None:
        people = people.where(Employee.org_unit_id.in_(filters.org_unit_ids))
    return people


def _ordered(column):
    # byte order on PostgreSQL whatever the collation, as SQLite sorts (the same file on both)
    return column.collate("C") if db.engine.dialect.name == "postgresql" else column


def profiles_query(filters: SkillsFilters, now: datetime) -> Select:
    """One SELECT: a row per (person in scope, competence targeted or evidenced), with the
    target, the highest counting unexpired evidence (ranked by level, then date, then id) and
    the person's columns; ordered by employee number, framework, competence code."""
    people = _people(filters)
    targets = (
        select(
            Employee.id.label("employee_id"),
            TargetLevel.competence_id.label("competence_id"),
            TargetLevel.level_number.label("target"),
        )
        .join(JobRole, JobRole.id == Employee.job_role_id)
        .join(ProfileJobCode, ProfileJobCode.job_code == JobRole.code)
        .join(TargetLevel, TargetLevel.profile_id == ProfileJobCode.profile_id)
        .where(Employee.id.in_(people))
        .subquery("targets")
    )
    rank = func.row_number().over(
        partition_by=(Evidence.employee_id, Evidence.competence_id),
        order_by=(Evidence.level_number.desc(), Evidence.achieved_at.desc(), Evidence.id.desc()),
    )
    ranked = (
        select(
            Evidence.employee_id,
            Evidence.competence_id,
            Evidence.level_number,
            Evidence.kind,
            Evidence.source,
            Evidence.achieved_at,
            Evidence.expires_at,
            rank.label("rank"),
        )
        .where(
            Evidence.employee_id.in_(people),
            Evidence.kind.in_(COUNTING_EVIDENCE),
            Evidence.revoked_at.is_(None),
            or_(Evidence.expires_at.is_(None), Evidence.expires_at > now),
        )
        .subquery("ranked")
    )
    best = select(ranked).where(ranked.c.rank == 1).subquery("best")
    keys = union(
        select(targets.c.employee_id, targets.c.competence_id),
        select(best.c.employee_id, best.c.competence_id),
    ).subquery("keys")
    manager = aliased(Employee)
    number = _ordered(Employee.employee_number).label("employee_number")
    code = _ordered(Competence.code).label("competence_code")
    framework = _ordered(Framework.slug).label("framework")
    return (
        select(
            number,
            Employee.first_name,
            Employee.last_name,
            Employee.email,
            OrgUnit.name.label("org_unit"),
            JobRole.code.label("job_role"),
            manager.employee_number.label("manager_number"),
            framework,
            code,
            Competence.name.label("competence"),
            targets.c.target,
            best.c.level_number.label("attained"),
            best.c.kind.label("evidence_kind"),
            best.c.source.label("evidence_source"),
            best.c.achieved_at.label("evidence_date"),
            best.c.expires_at.label("evidence_expires_at"),
        )
        .select_from(keys)
        .join(Employee, Employee.id == keys.c.employee_id)
        .join(Competence, Competence.id == keys.c.competence_id)
        .join(Framework, Framework.id == Competence.framework_id)
        .outerjoin(
            targets,
            (targets.c.employee_id == keys.c.employee_id)
            & (targets.c.competence_id == keys.c.competence_id),
        )
        .outerjoin(
            best,
            (best.c.employee_id == keys.c.employee_id)
            & (best.c.competence_id == keys.c.competence_id),
        )
        .outerjoin(OrgUnit, OrgUnit.id == Employee.org_unit_id)
        .outerjoin(JobRole, JobRole.id == Employee.job_role_id)
        .outerjoin(manager, manager.id == Employee.manager_id)
        .order_by(number, framework, code, Competence.id)
    )


def profile_records(filters: SkillsFilters, now: datetime) -> Iterator[list]:
    """Yield :func:`profile_header`, then a row per person x competence as typed values:
    text (None: blank), levels as ``int`` (target None: not targeted), the evidence's date and
    expiry as aware UTC ``datetime``. Neutralising cells is the writer's job."""
    header = profile_header(filters)
    yield header
    with_source = "evidence_source" in header
    result = db.session.execute(
        profiles_query(filters, now).execution_options(yield_per=CHUNK_ROWS)
    )
    for row in result:
        attained = row.attained or 0
        gap = None if row.target is None else max(0, row.target - attained)
        record = [
            row.employee_number,
            f"{row.first_name} {row.last_name}".strip(),
            row.email,
            row.org_unit,
            row.job_role,
            row.manager_number,
            row.framework,
            row.competence_code,
            row.competence,
            row.target,
            attained,
            gap,
            str(row.evidence_kind) if row.evidence_kind else None,
        ]
        if with_source:
            record.append(row.evidence_source)
        record += [row.evidence_date, row.evidence_expires_at]
        yield record


def summaries_query(filters: SkillsFilters) -> Select:
    """The stored summaries in scope (a manager: their own and every manager's below them),
    with the manager's number, name and org unit, ordered by manager number and framework."""
    manager = aliased(Employee)
    number = _ordered(manager.employee_number).label("manager_number")
    query = (
        select(
            TeamSummary,
            number,
            manager.first_name,
            manager.last_name,
            OrgUnit.name.label("org_unit"),
            Framework.slug.label("framework"),
        )
        .join(manager, manager.id == TeamSummary.manager_id)
        .join(Framework, Framework.id == TeamSummary.framework_id)
        .outerjoin(OrgUnit, OrgUnit.id == manager.org_unit_id)
        .order_by(number, Framework.slug, TeamSummary.id)
    )
    if filters.manager_id is not None:
        query = query.where(
            or_(
                TeamSummary.manager_id == filters.manager_id,
                TeamSummary.manager_id.in_(subtree_ids_query(filters.manager_id)),
            )
        )
    if filters.org_unit_ids is not None:
        query = query.where(manager.org_unit_id.in_(filters.org_unit_ids))
    return query


def summary_records(filters: SkillsFilters) -> Iterator[list]:
    """Yield :data:`TEAM_HEADER`, then a row per stored summary x targeted competence: counts
    as ``int``, ``mean_gap`` a ``Decimal`` with 2 decimals, ``attained_distribution`` a list of
    ints (people at level 0, 1, 2, … of the framework's scale), ``computed_at`` aware UTC.
    Two small queries first (competences, scale sizes), then one streamed SELECT."""
    yield TEAM_HEADER
    competences = {c.id: c for c in db.session.scalars(select(Competence))}
    levels = dict(
        db.session.execute(
            select(ProficiencyLevel.framework_id, func.count()).group_by(
                ProficiencyLevel.framework_id
            )
        ).all()
    )
    result = db.session.execute(summaries_query(filters).execution_options(yield_per=CHUNK_ROWS))
    for summary, number, first, last, unit, framework in result:
        folded = summary_from_buckets(
            without_roles(summary.role_buckets()),
            summary.headcount,
            summary.people_with_targets,
            competences,
            levels.get(summary.framework_id, 0),
        )
        for entry in folded["competences"]:
            distribution = entry["attained_distribution"]
            yield [
                number,
                f"{first} {last}".strip(),
                unit,
                framework,
                summary.computed_at,
                summary.headcount,
                summary.people_with_targets,
                entry["code"],
                entry["name"],
                entry["with_target"],
                entry["meeting"],
                Decimal(str(entry["mean_gap"])).quantize(Decimal("0.01")),
                entry["max_gap"],
                [distribution[k] for k in sorted(distribution, key=int)],
            ]
        db.session.expunge(summary)  # memory flat: the rows read are not kept by the session


def count_profiles(filters: SkillsFilters, now: datetime) -> int:
    """How many rows :func:`profile_records` writes (a COUNT over the same SELECT)."""
    query = profiles_query(filters, now).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(query)) or 0


def count_summary_rows(filters: SkillsFilters) -> int:
    """An estimate of :func:`summary_records`' rows: summaries in scope x competences targeted
    by some target profile of their framework (a summary lists the targeted competences of the
    people below; an upper bound)."""
    summaries = summaries_query(filters).with_only_columns(TeamSummary.id, TeamSummary.framework_id)
    targeted = (
        select(Competence.framework_id, func.count(func.distinct(TargetLevel.competence_id)))
        .join(Competence, Competence.id == TargetLevel.competence_id)
        .group_by(Competence.framework_id)
    )
    per_framework = dict(db.session.execute(targeted).all())
    rows = db.session.execute(summaries.order_by(None)).all()
    return sum(per_framework.get(framework_id, 0) for _id, framework_id in rows)
