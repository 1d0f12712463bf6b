"""The page of the reminders and digests sent to the signed-in person (issue 10: "people can
see what was sent to them"). Its own module and template: the dashboard and the HR pages of
required learning live elsewhere."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from learnhub.assignments.reminder_history import sent_to
from learnhub.web.views import blp


@blp.get("/reminders")
@login_required
def reminders() -> str:
    """The latest 100 reminder and digest emails sent to me: kind, item, when, due date."""
    return render_template("reminders.html", items=sent_to(current_user.employee_id, limit=100))
