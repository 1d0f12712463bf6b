"""JSON API of the team heat map and the organisation view (scoped like the team API: a
manager sees their own subtree, HR the whole organisation, anyone else 403)."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from learnhub.auth.permissions import can_view_team
from learnhub.core.errors import Forbidden
from learnhub.core.openapi import ErrorSchema
from learnhub.reports.heatmap import MAX_PER_PAGE, PER_PAGE, team_heatmap
from learnhub.reports.heatmap_schemas import OrganisationViewSchema, TeamHeatmapSchema
from learnhub.reports.orgview import organisation_view, scope_of

blp = Blueprint("heatmap", __name__, description="Team heat map and organisation view")


class HeatmapArgs(Schema):
    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(
        load_default=PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )
    group = fields.String(
        load_default=None,
        validate=validate.OneOf(["team"]),
        metadata={"description": "team: people grouped by their direct report's team"},
    )


@blp.route("/teams/me/heatmap")
class MyTeamHeatmap(MethodView):
    @login_required
    @blp.arguments(HeatmapArgs, location="query")
    @blp.response(200, TeamHeatmapSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Nobody reports to the caller")
    def get(self, args: dict):
        """The skill gap of every person of the caller's subtree in every competence they are
        targeted on, one page of people (``?page=&per_page=&group=team``); 403 for
        non-managers."""
        if not can_view_team(current_user):
            raise Forbidden("Only managers have a team: nobody reports to you.")
        return team_heatmap(
            current_user.employee_id,
            page=args["page"],
            per_page=args["per_page"],
            group_by_team=args["group"] == "team",
        )


@blp.route("/organisation/skills")
class OrganisationSkills(MethodView):
    @login_required
    @blp.response(200, OrganisationViewSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Neither HR nor a manager")
    def get(self):
        """Org unit x competence (share of targets met, mean gap, sub-units rolled up): the
        whole organisation for HR, the units of their own subtree for a manager; groups under
        LEARNHUB_MIN_GROUP_SIZE people are folded into their parent."""
        return organisation_view(scope_of(current_user))
