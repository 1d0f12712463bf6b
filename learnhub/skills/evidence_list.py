"""Reading a person's evidence: every row with its source and date (for the person, their
managers and HR), and what the self-assessment form shows (the competences a job role targets,
the current claims, the framework's statements per level).

Each function reads one person in a fixed number of queries (no loop of queries per row).
Callers check who may see the person first (:func:`learnhub.auth.permissions.can_view_employee`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole
from learnhub.skills.models import (
    Competence,
    CompetenceStatement,
    Evidence,
    EvidenceKind,
    Framework,
    ProficiencyLevel,
    ProfileJobCode,
    TargetLevel,
    TargetProfile,
)

#: evidence kinds in people's words, in the order a page lists them
KIND_WORDS = {
    # validated by a manager above the person or by HR: the source column names who
    EvidenceKind.MANAGER_VALIDATION.value: "Validation",
    EvidenceKind.PRIOR_LEARNING.value: "Recognised prior learning",
    EvidenceKind.QUIZ_PASSED.value: "Passed quiz",
    EvidenceKind.QUESTION_RESULT.value: "Questions answered",
    EvidenceKind.SELF_ASSESSMENT.value: "Self-assessment (claimed)",
}


@dataclass(frozen=True)
class EvidenceItem:
    """One evidence row as pages and the API show it. ``status``: ``counts`` (raises the
    attained level), ``claimed`` (a live self-assessment: shown, never counted), ``expired``
    or ``withdrawn`` (revoked: withdrawn, or replaced by a newer one, ``revoked_reason`` says).
    Levels are in the framework's scale; times are UTC."""

    id: int
    kind: str
    framework: str
    competence_code: str
    competence_name: str
    level: int
    level_name: str
    source: str
    achieved_at: datetime
    expires_at: datetime | None
    recorded_by_id: int | None
    recorded_by: str | None
    note: str | None
    reference: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoked_reason: str | None
    status: str

    @property
    def kind_words(self) -> str:
        return KIND_WORDS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def valid_through(self) -> date | None:
        """The last day (UTC) it counts, for evidence that expires at the start of a day."""
        return (self.expires_at - timedelta(microseconds=1)).date() if self.expires_at else None

    @property
    def live(self) -> bool:
        return self.status in ("counts", "claimed")


def _status(kind: str, revoked_at: datetime | None, expires_at: datetime | None, now) -> str:
    if revoked_at is not None:
        return "withdrawn"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "claimed" if kind == EvidenceKind.SELF_ASSESSMENT else "counts"


def evidence_of(employee_id: int, at: datetime | None = None) -> list[EvidenceItem]:
    """Every evidence row of ``employee_id`` (live ones and history), ordered by framework,
    kind (:data:`KIND_WORDS`), competence code, newest first. One query."""
    now = at or utcnow()
    recorder, revoker = aliased(Employee), aliased(Employee)
    rows = db.session.execute(
        select(
            Evidence,
            Framework.slug,
            Competence.code,
            Competence.name,
            ProficiencyLevel.name,
            recorder.first_name,
            recorder.last_name,
            revoker.first_name,
            revoker.last_name,
        )
        .join(Competence, Competence.id == Evidence.competence_id)
        .join(Framework, Framework.id == Competence.framework_id)
        .outerjoin(
            ProficiencyLevel,
            and_(
                ProficiencyLevel.framework_id == Competence.framework_id,
                ProficiencyLevel.number == Evidence.level_number,
            ),
        )
        .outerjoin(recorder, recorder.id == Evidence.recorded_by_id)
        .outerjoin(revoker, revoker.id == Evidence.revoked_by_id)
        .where(Evidence.employee_id == employee_id)
    ).all()
    order = list(KIND_WORDS)
    items = [
        EvidenceItem(
            id=e.id,
            kind=str(e.kind),
            framework=slug,
            competence_code=code,
            competence_name=name,
            level=e.level_number,
            level_name=level_name or str(e.level_number),
            source=e.source,
            achieved_at=e.achieved_at,
            expires_at=e.expires_at,
            recorded_by_id=e.recorded_by_id,
            recorded_by=f"{rf} {rl}" if rf is not None else None,
            note=e.note,
            reference=e.reference,
            revoked_at=e.revoked_at,
            revoked_by=f"{vf} {vl}" if vf is not None else None,
            revoked_reason=e.revoked_reason,
            status=_status(str(e.kind), e.revoked_at, e.expires_at, now),
        )
        for e, slug, code, name, level_name, rf, rl, vf, vl in rows
    ]
    items.sort(key=lambda i: (-i.achieved_at.timestamp(), -i.id))
    items.sort(
        key=lambda i: (
            i.framework,
            order.index(i.kind) if i.kind in order else len(order),
            _code_key(i.competence_code),
        )
    )
    return items


def _code_key(code: str) -> list[int]:
    return [int(p) for p in code.split(".") if p.isdigit()] or [0]


def targeted_competences(employee_id: int, framework_id: int) -> list[Competence]:
    """The competences of ``framework_id`` that ``employee_id``'s job role targets, by code."""
    return [row.competence for row in _targets(employee_id, framework_id)]


def _targets(employee_id: int, framework_id: int) -> list[TargetLevel]:
    found = db.session.scalars(
        select(TargetLevel)
        .join(TargetProfile, TargetProfile.id == TargetLevel.profile_id)
        .join(ProfileJobCode, ProfileJobCode.profile_id == TargetProfile.id)
        .join(JobRole, JobRole.code == ProfileJobCode.job_code)
        .join(Employee, Employee.job_role_id == JobRole.id)
        .where(Employee.id == employee_id, TargetProfile.framework_id == framework_id)
    ).all()
    return sorted(found, key=lambda t: _code_key(t.competence.code))


@dataclass
class RatingRow:
    """One competence of the self-assessment form: the role's ``target`` and why, the live
    claim (None: not rated) and when, and the framework's statements of what someone at each
    level can do ({level: [statement, ...]}, possibly empty)."""

    competence: Competence
    target: int
    reason: str
    claimed: int | None
    claimed_at: datetime | None
    statements: dict[int, list[str]] = field(default_factory=dict)


def rating_rows(employee_id: int, framework: Framework) -> list[RatingRow]:
    """The self-assessment form of ``employee_id`` in ``framework``: one row per targeted
    competence, by code. Three queries."""
    targets = _targets(employee_id, framework.id)
    ids = [t.competence_id for t in targets]
    claims = {
        e.competence_id: e
        for e in db.session.scalars(
            select(Evidence).where(
                Evidence.employee_id == employee_id,
                Evidence.kind == EvidenceKind.SELF_ASSESSMENT,
                Evidence.revoked_at.is_(None),
                Evidence.competence_id.in_(ids),
            )
        )
    }
    statements: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s in db.session.scalars(
        select(CompetenceStatement)
        .where(CompetenceStatement.competence_id.in_(ids))
        .order_by(CompetenceStatement.code)
    ):
        statements[s.competence_id][s.level_number].append(s.description)
    return [
        RatingRow(
            competence=t.competence,
            target=t.level_number,
            reason=t.reason,
            claimed=claims[t.competence_id].level_number if t.competence_id in claims else None,
            claimed_at=claims[t.competence_id].created_at if t.competence_id in claims else None,
            statements={k: list(v) for k, v in statements[t.competence_id].items()},
        )
        for t in targets
    ]
