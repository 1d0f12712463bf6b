"""JSON API: the manager's team skill gaps and HR's completions export."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from learnhub.auth.services import role_required
from learnhub.core.audit import audit
from learnhub.core.errors import Forbidden
from learnhub.core.models import utcnow
from learnhub.core.security import token_scope
from learnhub.extensions import db
from learnhub.org.services import has_reports
from learnhub.reports.completions import stream_csv
from learnhub.reports.people import person_view, visible_employee
from learnhub.reports.schemas import PersonProfileSchema
from learnhub.reports.team import team_view

blp = Blueprint("reports", __name__, description="Team skill gaps and exports")


class TeamSkillGapsSchema(Schema):
    frameworks = fields.List(
        fields.Dict(),
        metadata={
            "description": "per framework: computed_at, summary (headcount, targets, targets_met, "
            "share_met, competences[with_target, meeting, mean_gap, max_gap, "
            "attained_distribution]), closing_modules by competence id and benchmark (the "
            "organisation's share of targets met per competence for the team's job roles; "
            "groups with fewer than LEARNHUB_MIN_GROUP_SIZE people outside the team are "
            "merged or hidden)"
        },
    )
    people = fields.List(
        fields.Dict(),
        metadata={
            "description": "each person of the subtree: completion and attained/target per "
            "competence; never responses or raw scores"
        },
    )


@blp.route("/teams/me/skill-gaps")
class MyTeamSkillGaps(MethodView):
    @login_required
    @blp.response(200, TeamSkillGapsSchema)
    def get(self):
        """The skill-gap summary of the caller's whole subtree (403 for non-managers)."""
        if not has_reports(current_user.employee_id):
            raise Forbidden("Only managers have a team: nobody reports to you.")
        view = team_view(current_user.employee_id)
        for framework in view["frameworks"]:  # ISO 8601 like every other time in the API
            if framework["computed_at"] is not None:
                framework["computed_at"] = framework["computed_at"].isoformat()
        return view


@blp.route("/employees/<employee_number>/profile")
class EmployeeProfile(MethodView):
    @login_required
    @blp.response(200, PersonProfileSchema)
    def get(self, employee_number: str):
        """A person's competence profile and completion, for their managers (direct or
        indirect) and HR; 404 for anyone else, whether or not the person exists."""
        return person_view(visible_employee(employee_number))


@blp.route("/exports/completions.csv")
class CompletionsExport(MethodView):
    @token_scope("exports:read")
    @role_required("hr")
    @blp.response(
        200,
        content_type="text/csv",
        description="One row per employee x module of each enrolled course",
    )
    def get(self):
        """Stream the completions CSV (HR only; every export is audited)."""
        audit("export_completions", target="completions.csv", format="csv")
        db.session.commit()
        filename = f"learnhub-completions-{utcnow():%Y%m%dT%H%M%SZ}.csv"
        return Response(
            stream_with_context(stream_csv()),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
