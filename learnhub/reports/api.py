"""JSON API: the manager's team skill gaps and HR's completions export."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from learnhub.auth.permissions import HR_ONLY, can_view_team, role_required, token_scope
from learnhub.core.audit import audit
from learnhub.core.errors import Forbidden
from learnhub.core.models import utcnow
from learnhub.reports.completions import stream_csv
from learnhub.reports.people import person_view, visible_employee
from learnhub.reports.schemas import PersonProfileSchema
from learnhub.reports.team import MAX_PER_PAGE, PER_PAGE, team_view

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
            "description": "one page of the people of the subtree (by name): completion and "
            "attained/target per competence; never responses or raw scores"
        },
    )
    people_total = fields.Integer(metadata={"description": "people in the whole subtree"})
    page = fields.Integer()
    per_page = fields.Integer()


class TeamPageArgs(Schema):
    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(
        load_default=PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )


@blp.route("/teams/me/skill-gaps")
class MyTeamSkillGaps(MethodView):
    @login_required
    @blp.arguments(TeamPageArgs, location="query")
    @blp.response(200, TeamSkillGapsSchema)
    def get(self, args: dict):
        """The skill-gap summary of the caller's whole subtree, with one page of its people
        (``?page=&per_page=``; 403 for non-managers)."""
        if not can_view_team(current_user):
            raise Forbidden("Only managers have a team: nobody reports to you.")
        view = team_view(current_user.employee_id, page=args["page"], per_page=args["per_page"])
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
    @role_required(*HR_ONLY)
    @blp.response(
        200,
        content_type="text/csv",
        description="One row per employee x module of each enrolled course",
    )
    def get(self):
        """Stream the completions CSV (HR only; every export is audited)."""
        audit("export_completions", target="completions.csv", format="csv")
        filename = f"learnhub-completions-{utcnow():%Y%m%dT%H%M%SZ}.csv"
        return Response(
            stream_with_context(stream_csv()),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
