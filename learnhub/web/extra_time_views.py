"""Extra time in timed quizzes for one person (issue 13; WCAG 2.2.1 Timing Adjustable), from
HR's person page: the current adjustment and a form to change it, on top of
:func:`learnhub.quizzes.timing.set_time_adjustment` (the API's service; audited as
``quizzes.time_adjustment``).

Choices where the issue is silent:

- the service works in percent of each quiz's limit (a quiz of 20 minutes with 50% lasts 30),
  so the form asks for a percentage and shows what it makes of the timed quizzes there are;
- HR only (as the API); never for oneself (as prior learning: one HR officer does not grant
  themself an adjustment), never for a leaver (no new attempts); both 403;
- the reason is optional and kept on the adjustment for HR; the audit log records only that a
  reason was given, since a reason is often health data and platform admins read the log.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from learnhub.auth.models import Role
from learnhub.core.errors import DomainError
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.quizzes import timing
from learnhub.quizzes.models import Quiz, QuizTimeAdjustment
from learnhub.reports.people import visible_employee
from learnhub.web.lnd_forms import ExtraTimeForm

blp = Blueprint("extra_time", __name__)


def adjustment_words(row: QuizTimeAdjustment | None) -> str:
    """The adjustment in words: "None", "50% extra time", "No time limit"."""
    if row is None or (not row.no_time_limit and not row.extra_percent):
        return "None: the quizzes' own time limits apply"
    if row.no_time_limit:
        return "No time limit at all"
    return f"{row.extra_percent}% extra time on every timed quiz"


def extra_time_of(employee: Employee) -> dict:
    """What a person's page shows HR of their extra time: ``{"row", "words", "set_by"}``
    (the adjustment, in words, and who set it: an employee or None)."""
    row = timing.adjustment_of(employee.id)
    set_by = db.session.get(Employee, row.set_by_id) if row and row.set_by_id else None
    return {"row": row, "words": adjustment_words(row), "set_by": set_by}


def duration_words(seconds: int) -> str:
    """A duration as read on the page, exact to the second: "20 minutes", "1 minute",
    "4 min 30 s", "45 s" (a 3-minute limit with 50% was shown as "5 minutes", rounded up
    from 4 min 30 s: a tester's finding)."""
    whole, rest = divmod(seconds, 60)
    if not rest:
        return f"{whole} minute{'' if whole == 1 else 's'}"
    return f"{whole} min {rest} s" if whole else f"{rest} s"


def timed_quizzes(extra_percent: int | None) -> list[dict]:
    """The current timed quizzes with their limit and, given ``extra_percent``, the limit with
    it, to the second as the deadline is computed (:func:`timing.limit_with_extra`)."""
    rows = db.session.scalars(
        select(Quiz)
        .where(Quiz.is_current.is_(True), Quiz.time_limit_seconds.is_not(None))
        .order_by(Quiz.title)
    )
    return [
        {
            "title": q.title,
            "limit": duration_words(q.time_limit_seconds or 0),
            "with_extra": duration_words(
                timing.limit_with_extra(q.time_limit_seconds or 0, extra_percent)
            )
            if extra_percent
            else None,
        }
        for q in rows
    ]


def _may_change(employee: Employee) -> None:
    if not current_user.has_role(Role.HR):
        abort(403, description="Only HR staff give extra time in timed quizzes.")
    # the rule the API's service applies too (never one's own, never a leaver's)
    timing.check_may_adjust(employee, current_user.employee_id)


@blp.route("/people/<employee_number>/extra-time", methods=["GET", "POST"])
@login_required
def extra_time(employee_number: str) -> tuple[str, int] | Response:
    """The person's extra time in timed quizzes and HR's form to change it (404 for anyone who
    may not see the person, 403 for everyone else but HR); a refused change: the form again
    with its errors, 422 as every other form (tester report E17)."""
    employee = visible_employee(employee_number)
    _may_change(employee)
    current = extra_time_of(employee)
    row = current["row"]
    form = ExtraTimeForm()
    if request.method == "GET":
        if row is not None and row.no_time_limit:
            form.kind.data = "unlimited"
        elif row is not None and row.extra_percent:
            form.kind.data, form.extra_percent.data = "extra", row.extra_percent
        form.reason.data = row.reason if row is not None else ""
    elif form.validate():
        kind = form.kind.data
        percent = form.extra_percent.data if kind == "extra" else 0
        try:
            timing.set_time_adjustment(
                employee.id,
                extra_percent=percent or 0,
                no_time_limit=kind == "unlimited",
                set_by_id=current_user.employee_id,
                reason=form.reason.data,
            )
        except DomainError as error:
            end_after_error(error)
            form.extra_percent.errors = [f"Extra time (percent): {error.message}"]
        else:
            flash(
                f"{employee.full_name}'s extra time is now: "
                f"{adjustment_words(timing.adjustment_of(employee.id)).lower()}. It applies to "
                "quizzes they start from now on.",
                "info",
            )
            return redirect(
                url_for("web.person", employee_number=employee.employee_number) + "#extra-time"
            )
    page = render_template(
        "extra_time/edit.html",
        form=form,
        employee=employee,
        current=current,
        quizzes=timed_quizzes(form.extra_percent.data if form.kind.data == "extra" else 50),
        max_percent=timing.MAX_EXTRA_PERCENT,
    )
    return page, 200 if request.method == "GET" else 422


def _extra_time_for(employee_number: str) -> dict | None:
    """:func:`extra_time_of` the person with ``employee_number`` (None if none) and
    ``may_change`` (whether the signed-in user may change it), for HR only (the person page's
    section checks the role too)."""
    if not current_user.is_authenticated or not current_user.has_role(Role.HR):
        return None
    employee = db.session.scalar(
        select(Employee).where(Employee.employee_number == employee_number)
    )
    if employee is None:
        return None
    may_change = timing.refusal(employee, current_user.employee_id) is None
    return extra_time_of(employee) | {"may_change": may_change}


@blp.app_context_processor
def _person_extra_time() -> dict:
    """``extra_time_for(employee_number)`` for the person page's HR section
    (templates/extra_time/_person.html), so that page's view needs no change."""
    return {"extra_time_for": _extra_time_for}
