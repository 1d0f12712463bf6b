"""Evidence people record by hand (DESIGN.md "Evidence that counts"): an employee's
self-assessment, a manager's validation and HR's recognised prior learning.

- **self-assessment**: an employee rates themself in the competences their job role targets.
  Stored as ``self_assessment`` evidence and shown as "claimed"; it never counts towards the
  attained level (:func:`learnhub.skills.services.attained_query` leaves the kind out). A new
  rating replaces the previous claim: the old row is revoked (kept as history), a new one added.
- **manager validation**: a manager confirms a level for a person of their subtree (HR: for
  anyone), with an optional note. Counts. One live validation per person and competence: a new
  one replaces the previous one (revoked, reason "replaced"). Withdrawn, with a reason, by the
  validator, a manager above the person, or HR.
- **recognised prior learning**: HR records a level with a reference (certificate name, the
  date it was achieved, optionally its expiry). Counts until the end of the expiry date (UTC).
  Withdrawn by HR, with a reason.

Nobody validates, withdraws or records prior learning about themself, whatever their roles
(an HR officer's own level is confirmed by their manager or another HR officer); an employee
only self-assesses. Validations, prior learning and withdrawals are audited
(:func:`learnhub.core.audit.audit`); self-assessments are the person's own claims and are not.

Every change goes through :func:`learnhub.skills.services.record_evidence` and
:func:`~learnhub.skills.services.revoke_evidence`, which queue the recompute of the team
summaries above the person for after the commit, like a passed quiz. Services flush, never
commit; bad input raises ValidationFailed whose issues name the field (``framework``,
``competence``, ``level``, ``note``, ``reference``, ``achieved_on``, ``expires_on``,
``reason``, ``ratings.<code>``) before anything is changed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

from sqlalchemy import select

from learnhub.core.audit import audit
from learnhub.core.errors import Conflict, DomainError, Forbidden, Issue, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.skills.evidence_access import WITHDRAWABLE, Actor, above, may_validate, may_withdraw
from learnhub.skills.evidence_list import targeted_competences
from learnhub.skills.models import Competence, Evidence, EvidenceKind, Framework
from learnhub.skills.services import level_number, record_evidence, revoke_evidence

logger = logging.getLogger(__name__)

NOTE_MAX = 1000
REFERENCE_MAX = 200
REASON_MAX = 500
REPLACED = "Replaced by a newer {what}."


# --- checks of the input -------------------------------------------------------------------


def resolve(framework: str, competence: str, level: int | str) -> tuple[Competence, int]:
    """The competence ``competence`` (a code such as ``"1.2"``) of the framework ``framework``
    (a slug such as ``"digcomp-3.0"``) and ``level`` (a number or a level's name) as a number of
    that framework's scale. Raises ValidationFailed naming ``framework``, ``competence`` or
    ``level`` (a competence of another framework is not found in this one)."""
    found = db.session.scalar(select(Framework).where(Framework.slug == framework))
    if found is None:
        raise ValidationFailed(
            "The evidence was not recorded.",
            [Issue("framework", f"No framework {framework!r} is loaded.")],
        )
    item = db.session.scalar(
        select(Competence).where(Competence.framework_id == found.id, Competence.code == competence)
    )
    issues = []
    if item is None:
        issues.append(Issue("competence", f"{found.name} has no competence {competence!r}."))
    try:
        number = level_number(found, level)
    except DomainError as error:
        issues.append(Issue("level", error.message))
    if issues:
        raise ValidationFailed("The evidence was not recorded.", issues)
    assert item is not None
    return item, number


def _text(value: str | None, field: str, limit: int, *, required: str | None = None) -> str:
    # a line break counts once, as a browser's maxlength counts it
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationFailed("The evidence was not recorded.", [Issue(field, required)])
    if len(text) > limit:
        raise ValidationFailed(
            "The evidence was not recorded.",
            [Issue(field, f"Use {limit} characters or fewer (this has {len(text)}).")],
        )
    return text


def _source(kind: EvidenceKind, employee_id: int) -> str:
    # one row per act of recording: the (source, competence, kind) key never repeats
    return f"{kind.value}:{employee_id}:{uuid4().hex}"


def _withdraw_row(row: Evidence, actor: Actor, reason: str) -> None:
    revoke_evidence(row.source)  # queues the recompute of the summaries above the person
    row.revoked_by_id = actor.employee_id
    row.revoked_reason = reason


def _live(employee_id: int, competence_id: int, kind: EvidenceKind) -> list[Evidence]:
    return list(
        db.session.scalars(
            select(Evidence).where(
                Evidence.employee_id == employee_id,
                Evidence.competence_id == competence_id,
                Evidence.kind == kind,
                Evidence.revoked_at.is_(None),
            )
        )
    )


# --- self-assessment -----------------------------------------------------------------------


def self_assess(employee: Employee, framework: str, ratings: Mapping[str, int | str]) -> int:
    """Record ``employee``'s own ratings ``{competence code: level}`` in ``framework`` (slug).

    Only competences the employee's job role targets may be rated (DESIGN.md: an employee
    rates themself per targeted competence). A rating equal to the live claim changes nothing;
    a different one revokes the previous claim (history kept) and records a new
    ``self_assessment`` row, which never raises the attained level. Returns how many ratings
    changed. Raises ValidationFailed with one issue per bad rating (``ratings.<code>``),
    nothing changed. Flushes."""
    found = db.session.scalar(select(Framework).where(Framework.slug == framework))
    if found is None:
        raise ValidationFailed(
            "Your ratings were not saved.",
            [Issue("framework", f"No framework {framework!r} is loaded.")],
        )
    targeted = {c.code: c for c in targeted_competences(employee.id, found.id)}
    issues, wanted = [], {}
    for code, level in sorted(ratings.items()):
        if code not in targeted:
            issues.append(
                Issue(
                    f"ratings.{code}",
                    f"Your job role does not target competence {code!r} in {found.name}: "
                    "you rate yourself in the competences your role needs.",
                )
            )
            continue
        try:
            wanted[code] = level_number(found, level)
        except DomainError as error:
            issues.append(Issue(f"ratings.{code}", error.message))
    if issues:
        raise ValidationFailed("Your ratings were not saved.", issues)
    changed = 0
    me = Actor(employee_id=employee.id, hr=False)
    for code, level in wanted.items():
        competence = targeted[code]
        live = _live(employee.id, competence.id, EvidenceKind.SELF_ASSESSMENT)
        if [row.level_number for row in live] == [level]:
            continue
        for row in live:
            _withdraw_row(row, me, REPLACED.format(what="self-assessment"))
        record_evidence(
            employee_id=employee.id,
            competence_id=competence.id,
            level=level,
            kind=EvidenceKind.SELF_ASSESSMENT,
            source=_source(EvidenceKind.SELF_ASSESSMENT, employee.id),
            recorded_by_id=employee.id,
        )
        changed += 1
    db.session.flush()
    return changed


# --- manager validation --------------------------------------------------------------------


def validate_level(
    actor: Actor,
    employee: Employee,
    framework: str,
    competence: str,
    level: int | str,
    note: str | None = None,
) -> Evidence:
    """``actor`` confirms that ``employee`` shows ``competence`` (code) of ``framework`` (slug)
    at ``level`` (number or name), with an optional ``note`` (up to NOTE_MAX characters).

    Counts towards the attained level. A live validation of the same person and competence is
    replaced (revoked, kept as history). Audited as ``evidence_validated``. Raises Forbidden
    (oneself; a leaver; someone outside the manager's subtree; not a manager nor HR),
    ValidationFailed (framework, competence, level, note). Flushes."""
    if actor.employee_id == employee.id:
        raise Forbidden("You cannot validate your own level: ask your manager or HR.")
    if not employee.active:
        raise Forbidden("This person has left: no new evidence is recorded for leavers.")
    if not may_validate(actor, employee):
        raise Forbidden("You can validate levels only of people in your team (below you).")
    item, number = resolve(framework, competence, level)
    text = _text(note, "note", NOTE_MAX)
    replaced = _live(employee.id, item.id, EvidenceKind.MANAGER_VALIDATION)
    for row in replaced:
        _withdraw_row(row, actor, REPLACED.format(what="validation"))
    evidence = record_evidence(
        employee_id=employee.id,
        competence_id=item.id,
        level=number,
        kind=EvidenceKind.MANAGER_VALIDATION,
        source=_source(EvidenceKind.MANAGER_VALIDATION, employee.id),
        recorded_by_id=actor.employee_id,
    )
    evidence.note = text or None
    db.session.flush()
    audit(
        "evidence_validated",
        target=f"evidence:{evidence.id}",
        employee=employee.employee_number,
        framework=framework,
        competence=item.code,
        level=number,
        note=text,
        replaced=[row.id for row in replaced],
    )
    return evidence


# --- recognised prior learning -------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def record_prior_learning(
    actor: Actor,
    employee: Employee,
    framework: str,
    competence: str,
    level: int | str,
    reference: str,
    achieved_on: date,
    expires_on: date | None = None,
) -> Evidence:
    """HR records that ``employee`` holds ``competence`` (code) of ``framework`` (slug) at
    ``level`` from prior learning: ``reference`` names it (a certificate, 1 to REFERENCE_MAX
    characters), achieved on ``achieved_on`` (not in the future), valid through
    ``expires_on`` (None: no expiry; it counts until the end of that day, UTC, so it must be
    today or later and after ``achieved_on``). Audited as ``prior_learning_recorded``.

    Raises Forbidden (not HR; oneself; a leaver), ValidationFailed (framework,
    competence, level, reference, achieved_on, expires_on). Flushes."""
    if not actor.hr:
        raise Forbidden("Only HR staff record recognised prior learning.")
    if actor.employee_id == employee.id:
        raise Forbidden("You cannot record your own prior learning: ask another HR officer.")
    if not employee.active:
        raise Forbidden("This person has left: no new evidence is recorded for leavers.")
    item, number = resolve(framework, competence, level)
    text = _text(
        reference, "reference", REFERENCE_MAX, required="Enter the certificate or course name."
    )
    today = utcnow().date()
    issues = []
    if achieved_on > today:
        issues.append(Issue("achieved_on", "The date achieved must be today or in the past."))
    if expires_on is not None and expires_on <= achieved_on:
        issues.append(Issue("expires_on", "The expiry date must be after the date achieved."))
    elif expires_on is not None and expires_on < today:
        issues.append(
            Issue("expires_on", "The expiry date has passed: this evidence would not count.")
        )
    if issues:
        raise ValidationFailed("The evidence was not recorded.", issues)
    evidence = record_evidence(
        employee_id=employee.id,
        competence_id=item.id,
        level=number,
        kind=EvidenceKind.PRIOR_LEARNING,
        source=_source(EvidenceKind.PRIOR_LEARNING, employee.id),
        achieved_at=_start_of(achieved_on),
        # counts through the whole expiry date
        expires_at=_start_of(expires_on + timedelta(days=1)) if expires_on else None,
        recorded_by_id=actor.employee_id,
    )
    evidence.reference = text
    db.session.flush()
    audit(
        "prior_learning_recorded",
        target=f"evidence:{evidence.id}",
        employee=employee.employee_number,
        framework=framework,
        competence=item.code,
        level=number,
        reference=text,
        achieved_on=achieved_on.isoformat(),
        expires_on=expires_on.isoformat() if expires_on else None,
    )
    return evidence


# --- withdrawal ----------------------------------------------------------------------------


def get_withdrawable(actor: Actor, evidence_id: int) -> Evidence:
    """The evidence ``evidence_id`` if ``actor`` may see it to withdraw it: a validation or a
    prior learning of someone ``actor`` is HR for, above, or validated. NotFound otherwise
    (the same answer whether or not it exists)."""
    # ids are 32-bit (PostgreSQL integer): a larger one is nobody's, not a database error
    evidence = db.session.get(Evidence, evidence_id) if 0 < evidence_id < 2**31 else None
    if evidence is None or evidence.kind not in WITHDRAWABLE:
        raise NotFound("No such evidence.")
    if not (
        actor.hr
        or evidence.recorded_by_id == actor.employee_id
        or above(actor, evidence.employee_id)
    ):
        raise NotFound("No such evidence.")
    return evidence


def withdraw_evidence(actor: Actor, evidence_id: int, reason: str) -> Evidence:
    """Withdraw a validation or a prior learning with ``reason`` (1 to REASON_MAX characters):
    it stays on record (who, when, why) and stops counting. Audited as
    ``evidence_withdrawn``. Raises NotFound (:func:`get_withdrawable`), Conflict (already
    withdrawn), Forbidden (about oneself; prior learning by anyone but HR), ValidationFailed
    (reason). Flushes."""
    evidence = get_withdrawable(actor, evidence_id)
    if evidence.revoked_at is not None:
        raise Conflict("This evidence was already withdrawn.")
    if actor.employee_id == evidence.employee_id:
        raise Forbidden("You cannot withdraw evidence about yourself: ask your manager or HR.")
    if not may_withdraw(actor, evidence):
        raise Forbidden("Only HR staff withdraw recognised prior learning.")
    text = _text(reason, "reason", REASON_MAX, required="Enter why it is withdrawn.")
    _withdraw_row(evidence, actor, text)
    db.session.flush()
    employee_number = db.session.scalar(
        select(Employee.employee_number).where(Employee.id == evidence.employee_id)
    )
    audit(
        "evidence_withdrawn",
        target=f"evidence:{evidence.id}",
        employee=employee_number,
        kind=evidence.kind,
        competence_id=evidence.competence_id,
        level=evidence.level_number,
        reason=text,
    )
    return evidence
