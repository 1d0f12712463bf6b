"""JSON API: the trend of a team skill-gap summary (``GET /api/v1/team/trends``)."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from learnhub.auth.models import Role
from learnhub.auth.permissions import can_view_team
from learnhub.core.errors import Forbidden, Issue, NotFound, ValidationFailed
from learnhub.core.openapi import ErrorSchema
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.services import has_reports
from learnhub.reports.trend_schemas import TeamTrendArgs, TeamTrendSchema
from learnhub.reports.trends import team_trends
from learnhub.skills.models import Framework
from learnhub.skills.services import frameworks_with_profiles

blp = Blueprint("trends", __name__, description="Trends of team skill gaps")


@blp.route("/team/trends")
class TeamTrend(MethodView):
    @login_required
    @blp.arguments(TeamTrendArgs, location="query")
    @blp.response(200, TeamTrendSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Not a manager, or not HR (manager=)")
    @blp.alt_response(404, schema=ErrorSchema, description="No such manager")
    @blp.alt_response(422, schema=ErrorSchema, description="No such framework")
    def get(self, args: dict):
        """The trend of the caller's team summary (``?framework=&weeks=``): per competence the
        share of targets met at weekly points, and for the assignments reaching the team the
        share met the day before each was made against now. HR may ask for any manager's
        (``?manager=<employee number>``); a manager only for their own (403 otherwise)."""
        manager = _manager(args["manager"])
        framework = _framework(args["framework"])
        trend = team_trends(manager.id, framework, weeks=args["weeks"])
        return {"manager_employee_id": manager.employee_number, **trend}


def _manager(employee_number: str | None) -> Employee:
    if employee_number is None or employee_number == current_user.employee.employee_number:
        if not can_view_team(current_user):
            raise Forbidden("Only managers have a team: nobody reports to you.")
        return current_user.employee
    if not current_user.has_role(Role.HR):
        raise Forbidden("Only HR staff may see another manager's trend.")
    manager = db.session.scalar(select(Employee).where(Employee.employee_number == employee_number))
    if manager is None or not has_reports(manager.id):
        raise NotFound("No such manager: nobody reports to that employee number.")
    return manager


def _framework(slug: str | None) -> Framework:
    frameworks = frameworks_with_profiles()
    for framework in frameworks:
        if slug is None or framework.slug == slug:
            return framework
    known = ", ".join(f.slug for f in frameworks) or "none"
    raise ValidationFailed(
        "No such framework with target profiles.",
        [Issue("framework", f"unknown slug {slug!r}; known: {known}")],
    )
