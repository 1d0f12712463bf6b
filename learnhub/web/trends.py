"""The trend section of the team page (``team_trends.html``, included by ``team.html``): a
template function that reads the signed-in manager's trend for one framework."""

from __future__ import annotations

from collections.abc import Mapping

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from learnhub.auth.permissions import can_view_team
from learnhub.extensions import db
from learnhub.reports.trends import team_trends
from learnhub.skills.models import Framework
from learnhub.web.views import blp

#: the bars of a sparkline: width and gap of a bar, height of the chart (SVG user units)
BAR, GAP, HEIGHT = 8, 2, 32


@blp.app_template_global("team_trend")
def team_trend(framework_slug: str, summary: Mapping | None = None) -> dict | None:
    """The signed-in manager's trend of the framework ``framework_slug``
    (:func:`learnhub.reports.trends.team_trends`, ``summary``: the summary data the page
    already has); None for anyone without a team or an unknown slug."""
    if not current_user.is_authenticated or not can_view_team(current_user):
        return None
    framework = db.session.scalar(  # its levels are not needed here (no selectin query)
        select(Framework)
        .where(Framework.slug == framework_slug)
        .options(lazyload(Framework.levels))
    )
    if framework is None:
        return None
    return team_trends(current_user.employee_id, framework, current=summary)


@blp.app_template_global("trend_bars")
def trend_bars(shares: list[float | None]) -> list[dict]:
    """One bar ``{"x", "y", "height"}`` per share (in [0, 1]; None: no bar, nothing known),
    for an SVG of width ``len(shares) * (BAR + GAP)`` and height HEIGHT; a share of 0 still
    draws a 1-unit bar so that "none met" differs from "no data"."""
    bars = []
    for n, share in enumerate(shares):
        if share is None:
            continue
        height = max(1, round(share * (HEIGHT - 1)))
        bars.append({"x": n * (BAR + GAP), "y": HEIGHT - height, "height": height})
    return bars
