"""Pages of the skills picture: the manager's team heat map (people x targeted competences,
each cell the skill gap) and the organisation view for HR and managers (org unit x
competence). The figures come from learnhub.reports.heatmap and learnhub.reports.orgview."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from learnhub.auth.permissions import can_view_team
from learnhub.reports.heatmap import GAP_STEPS, team_heatmap
from learnhub.reports.orgview import organisation_view, scope_of

blp = Blueprint("skillmaps", __name__)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdecimal() and raw.isascii() and len(raw) < 8 else 1


@blp.get("/team/heatmap")
@login_required
def heatmap() -> str:
    """The heat map of the manager's whole subtree, one page of people (``?page=``), by name
    or grouped by the direct report whose team they are in (``?group=team``)."""
    if not can_view_team(current_user):
        abort(403, description="Only managers have a team heat map: nobody reports to you.")
    grouped = request.args.get("group") == "team"
    data = team_heatmap(current_user.employee_id, page=_page_number(), group_by_team=grouped)
    return render_template("skills/heatmap.html", heat=data, steps=GAP_STEPS)


@blp.get("/organisation/skills")
@login_required
def organisation() -> str:
    """Org unit x competence for HR (the whole organisation) and managers (their subtree's
    units); 403 for anyone else."""
    scope = scope_of(current_user)
    return render_template(
        "skills/organisation.html", org=organisation_view(scope), steps=GAP_STEPS
    )
