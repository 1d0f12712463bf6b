"""Who may record, validate and withdraw hand-recorded evidence (:mod:`learnhub.skills.recorded`
states the rules): an :class:`Actor` and per-object checks, each a bool, for services and pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from learnhub.auth.models import Role
from learnhub.org import services as org_services
from learnhub.org.models import Employee
from learnhub.skills.models import Evidence, EvidenceKind

#: the kinds of evidence a person records by hand and may withdraw (self-assessment: replaced)
WITHDRAWABLE = (EvidenceKind.MANAGER_VALIDATION, EvidenceKind.PRIOR_LEARNING)


@dataclass(frozen=True)
class Actor:
    """Who records: ``employee_id`` of the signed-in person (None: an API token, which acts as
    HR within its scope), ``hr`` True for HR staff and tokens."""

    employee_id: int | None
    hr: bool

    @classmethod
    def of(cls, user: Any) -> Actor:
        """The actor of ``current_user`` (an Account or an API-token principal)."""
        if getattr(user, "is_api_token", False):
            return cls(employee_id=None, hr=True)
        return cls(employee_id=user.employee_id, hr=user.has_role(Role.HR))


def above(actor: Actor, employee_id: int) -> bool:
    """Is ``actor`` a manager above ``employee_id`` (directly or not, the person active)?"""
    return actor.employee_id is not None and org_services.is_in_subtree(
        actor.employee_id, employee_id
    )


def may_validate(actor: Actor, employee: Employee) -> bool:
    """May ``actor`` validate a level of ``employee``? HR (and tokens) for anyone active, a
    manager for an active person of their subtree; never themself."""
    if actor.employee_id == employee.id or not employee.active:
        return False
    return actor.hr or above(actor, employee.id)


def may_record_prior_learning(actor: Actor, employee: Employee) -> bool:
    """May ``actor`` record prior learning of ``employee``? HR (and tokens), never for
    themself, only for active people."""
    return actor.hr and actor.employee_id != employee.id and employee.active


def may_withdraw(actor: Actor, evidence: Evidence) -> bool:
    """May ``actor`` withdraw ``evidence``? A live validation: its validator, a manager above
    the person, or HR; a live prior learning: HR. Never evidence about oneself, nor a passed
    quiz or a self-assessment."""
    if evidence.revoked_at is not None or evidence.kind not in WITHDRAWABLE:
        return False
    if actor.employee_id == evidence.employee_id:
        return False
    if actor.hr:
        return True
    if evidence.kind != EvidenceKind.MANAGER_VALIDATION or actor.employee_id is None:
        return False
    return evidence.recorded_by_id == actor.employee_id or above(actor, evidence.employee_id)


def withdrawable_ids(actor: Actor, employee: Employee, items: list) -> set[int]:
    """The ids among ``items`` (:class:`learnhub.skills.evidence_list.EvidenceItem` of
    ``employee``) that ``actor`` may withdraw (:func:`may_withdraw`), with one query."""
    if actor.employee_id == employee.id:
        return set()
    is_above = above(actor, employee.id)
    return {
        i.id
        for i in items
        if i.status != "withdrawn"
        and i.kind in WITHDRAWABLE
        and (
            actor.hr
            or (
                i.kind == EvidenceKind.MANAGER_VALIDATION
                and actor.employee_id is not None
                and (is_above or i.recorded_by_id == actor.employee_id)
            )
        )
    }
