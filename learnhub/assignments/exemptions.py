"""Exemptions: HR waives one person's requirement by hand, with a reason (Totara's
"exemption", Moodle's "not required"; DESIGN.md "Statuses: … waived").

A requirement is waived either by a test-out (:mod:`learnhub.assignments.waivers`: no
``waived_by_id``) or by HR here (``waived_by_id`` and ``waiver_reason`` set). Either way its
status reads "waived": no reminder, not overdue, not in the "to do" list, and the exports say
"waived". Only an exemption given here can be withdrawn here; a test-out's waiver goes only
with the pass that gave it (a regrade).

Rules written down (the issue is silent): HR only (an API token with ``assignments:write``
acts as HR); never for oneself; a reason of 3-500 characters is required and kept; a leaver's
requirements cannot be changed; waiving one already waived, or withdrawing what HR did not
give, is a Conflict (409). Both actions are audited (``requirement.waived``,
``requirement.waiver_withdrawn``) with the person and item, never the reason (often health
data; it stays on the requirement, which only HR reads). Flushes, never commits.

xAPI: an exemption is stated as cmi5's "waived" the course or module (ref
``requirement:<id>:waived``) with cmi5's reason "Administrative", never HR's words; withdrawn,
that statement is voided (:mod:`learnhub.progress.xapi.assigned`). A test-out's waiver is
stated by the module's own ``waived`` statement (:mod:`learnhub.progress.test_out`).
"""

from __future__ import annotations

from datetime import datetime

from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Course, Module
from learnhub.core.audit import audit
from learnhub.core.errors import Conflict, Forbidden, Issue, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.progress.xapi.assigned import record_exempted, void_exempted

REASON_MIN, REASON_MAX = 3, 500


def requirement_of(employee: Employee, requirement_id: int) -> Requirement:
    """``employee``'s requirement ``requirement_id``; NotFound when it is not theirs (a
    requirement is never reached through another person's page)."""
    requirement = db.session.get(Requirement, requirement_id)
    if requirement is None or requirement.employee_id != employee.id:
        raise NotFound(f"{employee.employee_number} has no requirement with id {requirement_id}")
    return requirement


def _check(employee: Employee, actor_id: int | None, reason: str, field: str = "reason") -> str:
    if actor_id is not None and actor_id == employee.id:
        raise Forbidden("Nobody changes their own required learning: ask another HR colleague.")
    if not employee.active:
        raise Conflict(f"{employee.full_name} has left: their required learning stays as it was.")
    reason = (reason or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationFailed(
            "the exemption is not valid; nothing was changed",
            [Issue(field, f"give a reason of {REASON_MIN} to {REASON_MAX} characters")],
        )
    return reason


def _audit(action: str, employee: Employee, requirement: Requirement) -> None:
    """One audit event about ``employee`` (target ``employee:<id>``, as every event about a
    person, so the audit log's "about" filter finds it) naming the item. The reason is not
    copied into the log: it is often health data (GDPR art. 9) and platform administrators
    read the log; it stays on the requirement, which only HR reads (a fresh tester's
    finding)."""
    audit(
        action,
        f"employee:{employee.id}",
        requirement_id=requirement.id,
        course_id=requirement.course_id,
        module_id=requirement.module_id,
        reason_given=True,
    )


def _waived_ref(requirement: Requirement) -> str:
    """The ref of the exemption's xAPI "waived" statement."""
    return f"requirement:{requirement.id}:waived"


def waive_requirement(
    employee: Employee,
    requirement: Requirement,
    *,
    actor_id: int | None,
    reason: str,
    at: datetime | None = None,
) -> Requirement:
    """Exempt ``employee`` from ``requirement`` (theirs: see :func:`requirement_of`) from
    ``at`` (UTC, default now). ``actor_id``: the HR employee (None for an API token or the
    CLI). Raises ValidationFailed (field ``reason``), Forbidden (oneself), Conflict (a leaver;
    already waived). Audited; stated in xAPI as "waived" (module docstring). Flushes."""
    reason = _check(employee, actor_id, reason)
    if requirement.waived_at is not None:
        raise Conflict("This requirement is already waived: nothing was changed.")
    requirement.waived_at = at or utcnow()
    requirement.waived_by_id = actor_id
    requirement.waiver_reason = reason
    _audit("requirement.waived", employee, requirement)
    course = db.session.get(Course, requirement.course_id)
    if course is None:  # a foreign key guarantees it; never reached
        raise NotFound(f"no course {requirement.course_id}")
    record_exempted(
        employee.id,
        ref=_waived_ref(requirement),
        course=course,
        module=db.session.get(Module, requirement.module_id) if requirement.module_id else None,
        at=requirement.waived_at,
    )
    db.session.flush()
    return requirement


def withdraw_waiver(
    employee: Employee, requirement: Requirement, *, actor_id: int | None, reason: str
) -> Requirement:
    """Withdraw HR's exemption of ``requirement``: it is required again, with its own due date
    (overdue at once if that has passed). Raises ValidationFailed (``reason``), Forbidden
    (oneself), Conflict (a leaver; not waived; waived by a test-out, which only a regrade
    withdraws). Audited; its xAPI "waived" statement voided. Flushes."""
    reason = _check(employee, actor_id, reason)
    if requirement.waived_at is None:
        raise Conflict("This requirement is not waived: nothing was changed.")
    if requirement.waiver_reason is None:
        raise Conflict(
            "This requirement was waived by a passed test-out, not by HR: it stays waived "
            "unless that pass is withdrawn."
        )
    _audit("requirement.waiver_withdrawn", employee, requirement)
    void_exempted(_waived_ref(requirement))
    requirement.waived_at = requirement.waived_by_id = requirement.waiver_reason = None
    db.session.flush()
    return requirement
