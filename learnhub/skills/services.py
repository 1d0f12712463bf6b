"""Evidence, attained levels, target profiles and skill gaps (DESIGN.md "How skills are computed").

- attained level of employee e in competence c = the highest level among e's counting,
  unrevoked, unexpired evidence for c, else 0;
- skill gap = max(0, target - attained) for each competence e's job role targets.

Every function here answers for many employees in one query; none loops per employee.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, func, insert, or_, select, text
from sqlalchemy.exc import IntegrityError

from learnhub.core.errors import DomainError, NotFound
from learnhub.core.models import utcnow
from learnhub.core.transactions import after_commit
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole
from learnhub.skills.models import (
    COUNTING_EVIDENCE,
    EVIDENCE_KINDS,
    Competence,
    Evidence,
    EvidenceKind,
    Framework,
    ProfileJobCode,
    RecomputeRequest,
    TargetLevel,
    TargetProfile,
)

#: one request naming more people than this (a large HR import) is stored as one request for
#: every summary: one row instead of 100,000, and the recompute would roll everything up anyway
EVERYONE_ABOVE = 10_000


def get_framework(slug: str) -> Framework:
    """The framework with ``slug``; NotFound when it was never imported."""
    framework = db.session.scalar(select(Framework).where(Framework.slug == slug))
    if framework is None:
        raise NotFound(f"Framework {slug!r} is not loaded; run `flask skills import-framework`.")
    return framework


def level_number(framework: Framework, level: str | int) -> int:
    """Resolve a level given by name ("Intermediate", any case) or number to its number in the
    framework's scale; raises DomainError naming the valid levels."""
    names = {lvl.name.lower(): lvl.number for lvl in framework.levels}
    if isinstance(level, int) or (isinstance(level, str) and level.strip().isdigit()):
        number = int(level)
        if number in names.values():
            return number
    elif isinstance(level, str) and level.strip().lower() in names:
        return names[level.strip().lower()]
    valid = ", ".join(f"{lvl.number} {lvl.name}" for lvl in framework.levels)
    raise DomainError(f"Unknown proficiency level {level!r} in {framework.slug} (levels: {valid}).")


def competences_by_code(framework_id: int) -> dict[str, Competence]:
    return {
        c.code: c
        for c in db.session.scalars(
            select(Competence).where(Competence.framework_id == framework_id)
        )
    }


@dataclass
class RecomputeWakeUp:
    """The after-commit callback of a transaction that recorded recompute requests: wakes one
    worker once it commits (one per transaction, however many changes asked). The ids only say
    whom the wake-up is about (logs, tests); the record is the ``recompute_requests`` rows."""

    employee_ids: set[int] = field(default_factory=set)
    manager_ids: set[int] = field(default_factory=set)

    def __call__(self) -> None:
        # tasks imports this module: looked up when the commit is done, not at import
        from learnhub.skills import tasks

        tasks.wake_worker(self.employee_ids, self.manager_ids)


def request_recompute(
    employee_ids: Iterable[int] = (), manager_ids: Iterable[int] = (), *, everyone: bool = False
) -> None:
    """Record, in the current transaction, that the team summaries above ``employee_ids``, of
    ``manager_ids`` and above them (of every manager with ``everyone``) must be recomputed.

    The ``recompute_requests`` rows are inserted now, so they commit or roll back with the change
    that made the summaries stale (DESIGN.md "recompute request"). After the commit one
    :class:`RecomputeWakeUp` per transaction (:func:`learnhub.core.transactions.after_commit`)
    only wakes a worker. Never commits."""
    employees, managers = set(employee_ids), set(manager_ids)
    if not (employees or managers or everyone):
        return
    add_recompute_requests(employees, managers, everyone=everyone)
    wake_up = after_commit(RecomputeWakeUp(), key=RecomputeWakeUp)
    wake_up.employee_ids |= employees
    wake_up.manager_ids |= managers


def add_recompute_requests(
    employees: set[int], managers: set[int], *, everyone: bool = False
) -> int:
    """Insert the request rows (one per employee, one per manager, or one ``everyone`` row past
    EVERYONE_ABOVE ids) in the current transaction, without waking anyone; returns how many."""
    now = utcnow()
    if everyone or len(employees) + len(managers) > EVERYONE_ABOVE:
        rows = [{"employee_id": None, "manager_id": None, "everyone": True, "requested_at": now}]
    elif db.session.get_bind().dialect.name == "postgresql":
        return _add_requests_from_arrays(sorted(employees), sorted(managers), now)
    else:
        rows = [
            {"employee_id": e, "manager_id": None, "everyone": False, "requested_at": now}
            for e in sorted(employees)
        ] + [
            {"employee_id": None, "manager_id": m, "everyone": False, "requested_at": now}
            for m in sorted(managers)
        ]
    db.session.execute(insert(RecomputeRequest.__table__), rows)  # Core: no RETURNING
    return len(rows)


def _add_requests_from_arrays(employees: list[int], managers: list[int], now: datetime) -> int:
    """PostgreSQL: the request rows of :func:`add_recompute_requests` (employees', then
    managers', each in id order) by one ``INSERT … SELECT`` of two integer arrays, each sent as
    one text parameter. An executemany sent a statement per row: 0.1 to 0.2 s of client CPU
    for the 6,000 requests of a 1% HR import of 100,000 people (issue 13)."""
    db.session.execute(
        text(
            "INSERT INTO recompute_requests (employee_id, manager_id, everyone, requested_at) "
            "SELECT e, NULL, false, :now FROM unnest(CAST(string_to_array(:employees, ',') "
            "AS integer[])) AS e UNION ALL "
            "SELECT NULL, m, false, :now FROM unnest(CAST(string_to_array(:managers, ',') "
            "AS integer[])) AS m"
        ),
        {
            "now": now,
            "employees": ",".join(map(str, employees)),
            "managers": ",".join(map(str, managers)),
        },
    )
    return len(employees) + len(managers)


def record_evidence(
    *,
    employee_id: int,
    competence_id: int,
    level: int,
    kind: EvidenceKind,
    source: str,
    achieved_at: datetime | None = None,
    expires_at: datetime | None = None,
    recorded_by_id: int | None = None,
) -> Evidence:
    """Record evidence once per (source, competence, kind); a repeat returns the stored row.

    ``level`` is in the framework's scale (>= 1); ``kind`` one of EVIDENCE_KINDS. Queues the
    summaries of the employee's manager chain for after the commit. Flushes, never commits.
    """
    if kind not in EVIDENCE_KINDS:
        raise DomainError(f"Unknown evidence kind {kind!r}.")
    if level < 1:
        raise DomainError("An evidence level starts at 1.")
    existing = db.session.scalar(
        select(Evidence).where(
            Evidence.source == source,
            Evidence.competence_id == competence_id,
            Evidence.kind == kind,
        )
    )
    if existing is not None:
        return existing
    evidence = Evidence(
        employee_id=employee_id,
        competence_id=competence_id,
        level_number=level,
        kind=kind,
        source=source,
        achieved_at=achieved_at or utcnow(),
        expires_at=expires_at,
        recorded_by_id=recorded_by_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(evidence)
    except IntegrityError:  # recorded concurrently by a twin request
        return db.session.scalar(
            select(Evidence).where(
                Evidence.source == source,
                Evidence.competence_id == competence_id,
                Evidence.kind == kind,
            )
        )
    request_recompute([employee_id])
    return evidence


def revoke_evidence(
    source: str,
    *,
    revoked: bool = True,
    at: datetime | None = None,
    kind: EvidenceKind | None = None,
) -> int:
    """Revoke (or, with ``revoked=False``, reinstate) every evidence row from ``source`` (e.g.
    ``attempt:42`` after a regrade turned a pass into a fail), only those of ``kind`` when
    given (one attempt gives quiz_passed and question_result rows, which follow different
    rules). Revoked evidence stays on record but no longer counts. Queues the summaries above
    the employees touched. Returns how many rows changed. Flushes, never commits."""
    rows = db.session.scalars(
        select(Evidence).where(
            Evidence.source == source,
            Evidence.revoked_at.is_(None) if revoked else Evidence.revoked_at.is_not(None),
            *([Evidence.kind == kind] if kind is not None else []),
        )
    ).all()
    for row in rows:
        row.revoked_at = (at or utcnow()) if revoked else None
    if rows:
        request_recompute({row.employee_id for row in rows})
        db.session.flush()
    return len(rows)


def attained_query(employee_ids: Select | list[int], at: datetime | None = None) -> Select:
    """SELECT (employee_id, competence_id, attained) over counting, unexpired evidence."""
    at = at or utcnow()
    return (
        select(
            Evidence.employee_id,
            Evidence.competence_id,
            func.max(Evidence.level_number).label("attained"),
        )
        .where(
            Evidence.employee_id.in_(employee_ids),
            Evidence.kind.in_(COUNTING_EVIDENCE),
            Evidence.revoked_at.is_(None),
            or_(Evidence.expires_at.is_(None), Evidence.expires_at > at),
        )
        .group_by(Evidence.employee_id, Evidence.competence_id)
    )


def targets_query(employee_ids: Select | list[int], framework_id: int) -> Select:
    """SELECT (employee_id, competence_id, target) from each employee's job-role profile."""
    return (
        select(
            Employee.id.label("employee_id"),
            TargetLevel.competence_id,
            TargetLevel.level_number.label("target"),
        )
        .join(JobRole, Employee.job_role_id == JobRole.id)
        .join(ProfileJobCode, ProfileJobCode.job_code == JobRole.code)
        .join(
            TargetProfile,
            and_(
                TargetProfile.id == ProfileJobCode.profile_id,
                TargetProfile.framework_id == framework_id,
            ),
        )
        .join(TargetLevel, TargetLevel.profile_id == TargetProfile.id)
        .where(Employee.id.in_(employee_ids))
    )


def attained_levels(
    employee_ids: list[int], at: datetime | None = None
) -> dict[tuple[int, int], int]:
    """{(employee_id, competence_id): attained level} for levels above 0 (absent means 0)."""
    if not employee_ids:
        return {}
    return {(e, c): lvl for e, c, lvl in db.session.execute(attained_query(employee_ids, at))}


@dataclass(frozen=True)
class ProfileRow:
    """One competence of an employee's profile: target and attained in the framework's scale,
    ``gap`` = max(0, target - attained); ``claimed`` = highest self-assessed level (not counted)."""

    competence_id: int
    code: str
    name: str
    target: int | None
    attained: int
    gap: int | None
    claimed: int | None


def competence_profile(employee_id: int, framework: Framework) -> list[ProfileRow]:
    """The employee's competence profile: every targeted competence plus every competence with
    evidence, ordered by code."""
    targets = dict(
        (c, t) for _e, c, t in db.session.execute(targets_query([employee_id], framework.id))
    )
    attained = {c: lvl for (_e, c), lvl in attained_levels([employee_id]).items()}
    claimed = dict(
        db.session.execute(
            select(Evidence.competence_id, func.max(Evidence.level_number))
            .where(
                Evidence.employee_id == employee_id,
                Evidence.kind == EvidenceKind.SELF_ASSESSMENT,
                Evidence.revoked_at.is_(None),
            )
            .group_by(Evidence.competence_id)
        ).all()
    )
    wanted = set(targets) | set(attained) | set(claimed)
    competences = db.session.scalars(
        select(Competence).where(Competence.id.in_(wanted), Competence.framework_id == framework.id)
    ).all()
    rows = []
    for competence in sorted(
        competences, key=lambda c: [int(p) for p in c.code.split(".") if p.isdigit()] or [0]
    ):
        target = targets.get(competence.id)
        level = attained.get(competence.id, 0)
        rows.append(
            ProfileRow(
                competence.id,
                competence.code,
                competence.name,
                target,
                level,
                max(0, target - level) if target is not None else None,
                claimed.get(competence.id),
            )
        )
    return rows


def frameworks_with_profiles() -> list[Framework]:
    """Frameworks that some target profile uses (the ones team summaries are computed for)."""
    return list(
        db.session.scalars(
            select(Framework)
            .where(Framework.id.in_(select(TargetProfile.framework_id)))
            .order_by(Framework.id)
        )
    )
