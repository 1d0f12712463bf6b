"""Time limits: the deadline of an attempt, extra time per person (WCAG 2.2.1 Timing
Adjustable), and which attempts are overdue.

The server enforces the limit: an attempt past its deadline (plus a short grace for a submit
already on its way) is submitted with what was saved, when it is next accessed and by the
periodic task ``quizzes.close_overdue_attempts`` (see ``learnhub.quizzes.tasks``), so no attempt
stays stuck in progress.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select

from learnhub.core.audit import audit
from learnhub.core.errors import DomainError, Forbidden, Issue, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.quizzes.models import Attempt, AttemptState, Quiz, QuizTimeAdjustment

#: seconds of grace after the deadline for a submit already on its way
DEADLINE_GRACE = 30
#: WCAG 2.2.1 asks that a limit can be extended to at least ten times the default
MAX_EXTRA_PERCENT = 900
#: the longest reason HR may give for an adjustment (characters)
REASON_MAX = 500
#: the quiz page warns at most this many seconds before the deadline (and again at one minute)
WARNING_SECONDS = 300
#: ... and no earlier than this share of the attempt's time before it (warning_seconds)
WARNING_SHARE = 0.2
#: the last warning, "One minute left" (quiz-timer.js)
LAST_WARNING_SECONDS = 60


def adjustment_of(employee_id: int) -> QuizTimeAdjustment | None:
    return db.session.scalar(
        select(QuizTimeAdjustment).where(QuizTimeAdjustment.employee_id == employee_id)
    )


def deadline_for(quiz: Quiz, employee_id: int, start: datetime) -> datetime | None:
    """When an attempt started at ``start`` must end: None without a time limit or for an
    employee whose adjustment removes limits; else start + limit x (100 + extra percent) / 100,
    rounded up to the second."""
    if not quiz.time_limit_seconds:
        return None
    adjustment = adjustment_of(employee_id)
    if adjustment is not None and adjustment.no_time_limit:
        return None
    extra = adjustment.extra_percent if adjustment is not None else 0
    return start + timedelta(seconds=limit_with_extra(quiz.time_limit_seconds, extra))


def limit_with_extra(limit_seconds: int, extra_percent: int) -> int:
    """A time limit (seconds) with ``extra_percent`` added: limit x (100 + extra) / 100,
    rounded up to the second (seconds). What an attempt's deadline is computed with, and what
    HR's extra-time page shows (180 s with 50%: 270 s)."""
    return math.ceil(limit_seconds * (100 + extra_percent) / 100)


def warning_seconds(attempt: Attempt) -> int | None:
    """How long before the deadline the quiz page first warns (seconds), None untimed.

    The last fifth of the attempt's time (WARNING_SHARE, extra time included), at most
    WARNING_SECONDS (5 minutes) and at least LAST_WARNING_SECONDS: a 3-minute quiz warned
    "About 3 minutes left" from its first second (a tester's finding); now a quiz of 5 minutes
    or less gets only the one-minute warning, a 10-minute one warns at 2 minutes, one of 25
    minutes or more at 5. The page always warns again at one minute (WCAG 2.2.1 asks for a
    warning before time runs out)."""
    if attempt.deadline_at is None:
        return None
    total = (attempt.deadline_at - attempt.started_at).total_seconds()
    return int(min(WARNING_SECONDS, max(LAST_WARNING_SECONDS, total * WARNING_SHARE)))


def is_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    """In progress and past its deadline plus the grace period."""
    if attempt.state != AttemptState.IN_PROGRESS or attempt.deadline_at is None:
        return False
    return (now or utcnow()) > attempt.deadline_at + timedelta(seconds=DEADLINE_GRACE)


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int | None:
    """Whole seconds until the deadline (0 once passed); None without a deadline or after
    submit. Given to the page so a wrong clock on the learner's device does not matter."""
    if attempt.state != AttemptState.IN_PROGRESS or attempt.deadline_at is None:
        return None
    left = (attempt.deadline_at - (now or utcnow())).total_seconds()
    return max(0, math.floor(left))


def overdue_attempt_ids(limit: int = 500, now: datetime | None = None) -> list[int]:
    """Ids of in-progress attempts past deadline and grace, oldest deadline first."""
    cutoff = (now or utcnow()) - timedelta(seconds=DEADLINE_GRACE)
    return list(
        db.session.scalars(
            select(Attempt.id)
            .where(Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline_at < cutoff)
            .order_by(Attempt.deadline_at)
            .limit(limit)
        )
    )


def refusal(employee: Employee, by_employee_id: int | None) -> str | None:
    """Why the employee with id ``by_employee_id`` may not change ``employee``'s extra time
    (a sentence for a 403), or None when they may. The one rule for the page and the API:
    never one's own (as prior learning: one HR officer does not grant themself an
    adjustment), never a leaver's (they start no more attempts). ``by_employee_id`` None:
    the system (a command, a test), which is refused only for a leaver. The role (HR) is
    checked by the caller's route."""
    if by_employee_id is not None and employee.id == by_employee_id:
        return "You cannot change your own extra time: ask an HR colleague."
    if not employee.active:
        return "This person has left: they start no more quizzes."
    return None


def check_may_adjust(employee: Employee, by_employee_id: int | None) -> None:
    """Raise Forbidden (403) with :func:`refusal`'s sentence when there is one."""
    reason = refusal(employee, by_employee_id)
    if reason is not None:
        raise Forbidden(reason)


def set_time_adjustment(
    employee_id: int,
    *,
    extra_percent: int,
    no_time_limit: bool,
    set_by_id: int | None,
    reason: str | None = None,
) -> QuizTimeAdjustment:
    """Give an employee extra time on every timed quiz (``extra_percent`` in 0..900: 50 means
    half as long again) or no time limit at all. Applies to attempts started from now on.
    ``reason``: HR's note (up to REASON_MAX characters; blank: none), kept on the adjustment;
    the audit event says only whether one was given (a reason is often health data).
    Audited. Raises NotFound for an unknown employee, Forbidden when :func:`refusal` refuses
    ``set_by_id`` (their own, a leaver), DomainError for a bad percentage or a reason too long,
    ValidationFailed (422) for extra time together with no time limit (one or the other: the
    page's choice is one of three)."""
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        raise NotFound("No such employee.")
    check_may_adjust(employee, set_by_id)
    if not 0 <= extra_percent <= MAX_EXTRA_PERCENT:
        raise DomainError(f"extra_percent must be between 0 and {MAX_EXTRA_PERCENT}.")
    if no_time_limit and extra_percent:
        message = "Give extra_percent or no_time_limit, not both: no time limit has no extra."
        raise ValidationFailed(message, [Issue("extra_percent", message)])
    note = (reason or "").strip() or None
    if note is not None and len(note) > REASON_MAX:
        raise DomainError(f"The reason must be {REASON_MAX} characters or fewer.")
    row = adjustment_of(employee_id)
    if row is None:
        row = QuizTimeAdjustment(employee_id=employee_id)
        db.session.add(row)
    row.extra_percent, row.no_time_limit, row.set_by_id = extra_percent, no_time_limit, set_by_id
    row.reason = note
    audit(
        "quizzes.time_adjustment",
        target=f"employee:{employee_id}",
        extra_percent=extra_percent,
        no_time_limit=no_time_limit,
        reason_given=note is not None,
    )
    db.session.flush()
    return row
