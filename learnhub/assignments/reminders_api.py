"""JSON API: the reminders and digests sent to the caller (issue 10: people can see what was
sent to them)."""

from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from learnhub.assignments.reminder_history import sent_to

blp = Blueprint("reminders", __name__, description="Reminders sent to the caller")


class SentArgs(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class SentItemSchema(Schema):
    kind = fields.String(
        metadata={"description": "before | due_today | overdue | manager | digest"}
    )
    label = fields.String(metadata={"description": "the kind in words"})
    title = fields.String(metadata={"description": "the course or module (or the digest's week)"})
    course_id = fields.Integer(allow_none=True)
    module_id = fields.Integer(allow_none=True)
    about = fields.String(
        allow_none=True, metadata={"description": "the person concerned, when not the caller"}
    )
    sent_at = fields.DateTime(metadata={"description": "when the email was queued (UTC)"})
    due_at = fields.DateTime(
        allow_none=True, metadata={"description": "the due instant it reminded of (UTC)"}
    )
    due_on = fields.Date(
        allow_none=True,
        metadata={"description": "that due date, a day in the concerned person's time zone"},
    )
    week_of = fields.Date(
        allow_none=True, metadata={"description": "a digest's ISO week (its Monday)"}
    )


@blp.route("/me/reminders")
class MyReminders(MethodView):
    @login_required
    @blp.arguments(SentArgs, location="query")
    @blp.response(200, SentItemSchema(many=True))
    def get(self, args: dict):
        """The latest reminder and digest emails sent to the caller, newest first
        (``?limit=``, 100 by default)."""
        return [asdict(item) for item in sent_to(current_user.employee_id, limit=args["limit"])]
