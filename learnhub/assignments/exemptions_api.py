"""JSON API of exemptions (:mod:`learnhub.assignments.exemptions`): HR waives one person's
requirement with a reason, and withdraws that exemption. HR only (tokens with
``assignments:write`` act as HR); audited by the service."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from learnhub.assignments import exemptions
from learnhub.assignments.api import person_requirements
from learnhub.assignments.schemas import PersonRequirementsSchema, WaiverArgs
from learnhub.auth.models import Role
from learnhub.auth.permissions import role_required, token_scope
from learnhub.core.errors import NotFound
from learnhub.core.openapi import ErrorSchema
from learnhub.extensions import db
from learnhub.org.models import Employee

blp = Blueprint(
    "exemptions_api", __name__, description="Exemptions: HR waives a person's requirement"
)

ROUTE = "/employees/<employee_number>/requirements/<int:requirement_id>/waiver"
ERRORS = (
    (403, "Not HR, or the caller's own requirement"),
    (404, "No such person, or no such requirement of theirs"),
    (409, "The person has left; already waived (or, to withdraw: not waived, or by a test-out)"),
    (422, "No reason, or one outside 3-500 characters"),
)


def _target(employee_number: str, requirement_id: int):
    employee = db.session.scalar(
        select(Employee).where(Employee.employee_number == employee_number)
    )
    if employee is None:
        raise NotFound("No such employee.")
    return employee, exemptions.requirement_of(employee, requirement_id)


def _actor_id() -> int | None:
    return None if getattr(current_user, "is_api_token", False) else current_user.employee_id


def _documented(view):
    for code, words in ERRORS:
        view = blp.alt_response(code, schema=ErrorSchema, description=words)(view)
    return view


def _answer(employee: Employee) -> dict:
    return person_requirements(employee, show_reasons=True)


@blp.route(ROUTE)
class Waiver(MethodView):
    @token_scope("assignments:write")
    @login_required
    @role_required(Role.HR)
    @blp.arguments(WaiverArgs)
    @blp.response(200, PersonRequirementsSchema)
    @_documented
    def post(self, args: dict, employee_number: str, requirement_id: int):
        """Exempt the person from this requirement (status "waived": no reminders, never
        overdue), with a reason; answers the person's requirements after it."""
        employee, requirement = _target(employee_number, requirement_id)
        exemptions.waive_requirement(
            employee, requirement, actor_id=_actor_id(), reason=args["reason"]
        )
        return _answer(employee)


@blp.route(ROUTE + "/withdrawal")
class WaiverWithdrawal(MethodView):
    @token_scope("assignments:write")
    @login_required
    @role_required(Role.HR)
    @blp.arguments(WaiverArgs)
    @blp.response(200, PersonRequirementsSchema)
    @_documented
    def post(self, args: dict, employee_number: str, requirement_id: int):
        """Withdraw HR's exemption: the requirement is due again by its own due date
        (overdue at once if that has passed). A test-out's waiver cannot be withdrawn here."""
        employee, requirement = _target(employee_number, requirement_id)
        exemptions.withdraw_waiver(
            employee, requirement, actor_id=_actor_id(), reason=args["reason"]
        )
        return _answer(employee)
