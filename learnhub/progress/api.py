"""JSON API: the caller's own progress."""

from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from learnhub.progress import services

blp = Blueprint("progress", __name__, description="Enrolments and progress")


class ModuleStatusSchema(Schema):
    module_id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    position = fields.Integer()
    status = fields.String(
        metadata={"description": "not_started | in_progress | completed | waived (tested out)"}
    )
    attempts = fields.Integer()
    passed = fields.Boolean(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)


class CourseProgressSchema(Schema):
    course_id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    enrolled = fields.Boolean()
    completed_at = fields.DateTime(allow_none=True)
    completed_modules = fields.Integer()
    modules = fields.List(fields.Nested(ModuleStatusSchema))


class MyProgressSchema(Schema):
    employee_id = fields.String()
    courses = fields.List(fields.Nested(CourseProgressSchema))


@blp.route("/me/progress")
class MyProgress(MethodView):
    @login_required
    @blp.response(200, MyProgressSchema)
    def get(self):
        """The caller's courses, enrolments and module status."""
        courses = services.progress_for(current_user.employee_id)
        return {
            "employee_id": current_user.employee.employee_number,
            "courses": [asdict(c) | {"completed_modules": c.completed_modules} for c in courses],
        }
