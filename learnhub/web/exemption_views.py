"""HR's exemption pages (:mod:`learnhub.assignments.exemptions`): from a person's page, waive
one of their requirements with a reason, or withdraw that exemption, each after a confirm step.
HR only; the service checks the rules and audits."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length as TextLength

from learnhub.assignments import exemptions
from learnhub.assignments.listing import requirement_rows
from learnhub.auth.models import Role
from learnhub.auth.permissions import role_required
from learnhub.core.errors import Conflict, Forbidden, ValidationFailed
from learnhub.core.transactions import end_after_error
from learnhub.org.time_zones import time_zone_of
from learnhub.reports.people import visible_employee

blp = Blueprint("exemptions", __name__)

ROUTE = "/people/<employee_number>/requirements/<int:requirement_id>"


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Enter the reason"),
            TextLength(
                min=exemptions.REASON_MIN,
                max=exemptions.REASON_MAX,
                message=f"Use {exemptions.REASON_MIN} to {exemptions.REASON_MAX} characters",
            ),
        ],
    )


def _page(employee_number: str, requirement_id: int, *, withdrawing: bool) -> str | Response:
    employee = visible_employee(employee_number)
    requirement = exemptions.requirement_of(employee, requirement_id)
    row = next(
        r for r in requirement_rows(employee.id, time_zone_of(employee)) if r.id == requirement.id
    )
    back = url_for("web.person", employee_number=employee.employee_number) + "#required"
    if employee.id == current_user.employee_id:
        abort(
            403, description="Nobody changes their own required learning: ask another HR colleague."
        )
    form = ReasonForm()
    if withdrawing != bool(row.waiver_reason):  # nothing to withdraw, or already waived
        notice = (
            f"{row.title} is not an exemption HR gave: there is nothing to withdraw."
            if withdrawing
            else f"{row.title} is already waived for {employee.full_name}."
        )
        return render_template(
            "exemptions/confirm.html", form=form, employee=employee, row=row,
            withdrawing=withdrawing, back=back, notice=notice,
        )  # fmt: skip
    if request.method == "POST" and form.validate():
        action = exemptions.withdraw_waiver if withdrawing else exemptions.waive_requirement
        try:
            action(
                employee,
                requirement,
                actor_id=current_user.employee_id,
                reason=form.reason.data or "",
            )
        except (ValidationFailed, Conflict, Forbidden) as error:
            end_after_error(error)
            form.reason.errors = [*list(form.reason.errors or []), error.message]
        else:
            flash(
                f"{employee.full_name} is required to do {row.title} again."
                if withdrawing
                else f"{employee.full_name} is exempt from {row.title}.",
                "info",
            )
            return redirect(back)
    return render_template(
        "exemptions/confirm.html",
        form=form,
        employee=employee,
        row=row,
        withdrawing=withdrawing,
        back=back,
    )


@blp.route(ROUTE + "/waive", methods=["GET", "POST"])
@login_required
@role_required(Role.HR)
def waive(employee_number: str, requirement_id: int) -> str | Response:
    """Exempt a person from one requirement, with a reason (HR)."""
    return _page(employee_number, requirement_id, withdrawing=False)


@blp.route(ROUTE + "/withdraw-waiver", methods=["GET", "POST"])
@login_required
@role_required(Role.HR)
def withdraw(employee_number: str, requirement_id: int) -> str | Response:
    """Withdraw HR's exemption from one requirement, with a reason (HR)."""
    return _page(employee_number, requirement_id, withdrawing=True)
