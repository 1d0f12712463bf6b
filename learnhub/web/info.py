"""The public information pages every page's footer links to: the accessibility statement
(Directive (EU) 2016/2102, in the headings of the Commission's model statement, Implementing
Decision (EU) 2018/1523), the privacy notice (GDPR Articles 13 and 14) and help. Open without
signing in; the organisation's name and contacts come from settings (``LEARNHUB_*``)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template

from learnhub.core.dates import day_words
from learnhub.privacy.erasure import retention_years

blp = Blueprint("info", __name__, template_folder="templates")


def _day(setting: str) -> str:
    """An ISO date setting as people read it ("6 December 2026"); as written if not a date."""
    value = current_app.config[setting]
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return day_words(day)


@blp.get("/accessibility")
def accessibility() -> str:
    """The accessibility statement."""
    return render_template(
        "accessibility.html",
        prepared_on=_day("LEARNHUB_ACCESSIBILITY_PREPARED_ON"),
        reviewed_on=_day("LEARNHUB_ACCESSIBILITY_REVIEWED_ON"),
    )


@blp.get("/privacy")
def privacy() -> str:
    """The privacy notice: what LearnHub records, why, for how long, who sees it, rights. How
    long comes from the settings the deleting code reads (``retention_years``: the one the
    retention run uses)."""
    return render_template("privacy.html", retention_years=retention_years())


@blp.get("/help")
def help_page() -> str:
    """Help for learners: courses, quizzes, results, keyboard use, contacts."""
    return render_template("help.html")
