"""JSON API of the caller's record of learning (``GET /api/v1/me/record``): the twin of the
``/my/record`` page, from the same service (:mod:`learnhub.reports.learning_record`). The
caller's own only, as ``/api/v1/me/progress``; an API token is refused (no person behind it)."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from learnhub.assignments.listing import RequirementRow
from learnhub.assignments.status import RequirementStatus
from learnhub.reports.learning_record import (
    CourseEntry,
    LearningRecord,
    ModuleEntry,
    course_status,
    learning_record,
)

blp = Blueprint("record", __name__, description="The caller's record of learning")


class RecordRequirementSchema(Schema):
    """The person's requirement of a course or module."""

    id = fields.Integer()
    status = fields.Enum(RequirementStatus, by_value=True)
    due_at = fields.DateTime(
        metadata={
            "description": "when it is (next) due, UTC: the end of the due day in the "
            "person's time zone, or the completion's expiry"
        }
    )
    due_date = fields.Date(metadata={"description": "the due day in the person's time zone"})
    completed_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)


class RecordModuleSchema(Schema):
    id = fields.Integer()
    slug = fields.String(metadata={"description": "empty for a required module never opened"})
    title = fields.String()
    status = fields.String(
        metadata={
            "description": "completed | waived (tested out) | in_progress or not_started (a "
            "required module not done yet)"
        }
    )
    completed_at = fields.DateTime(
        allow_none=True, metadata={"description": "completed or tested out, UTC"}
    )
    completed_date = fields.Date(
        allow_none=True, metadata={"description": "that day in the person's time zone"}
    )
    grade_percent = fields.String(
        allow_none=True,
        metadata={
            "description": "the quiz grade under grading_method, percent of the maximum "
            "rounded down to one decimal ('89.6'); null before a final grade and for a test-out"
        },
    )
    grading_method = fields.String(
        allow_none=True, metadata={"description": "highest | last | first | average"}
    )
    passed = fields.Boolean(
        allow_none=True, metadata={"description": "an attempt passed; null: none submitted"}
    )
    attempts = fields.Integer(metadata={"description": "submitted attempts"})
    requirement = fields.Nested(RecordRequirementSchema, allow_none=True)


class RecordCourseSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    status = fields.String(metadata={"description": "completed | enrolled | not_enrolled"})
    completed_at = fields.DateTime(allow_none=True)
    completed_date = fields.Date(
        allow_none=True, metadata={"description": "the day in the person's time zone"}
    )
    active_modules = fields.Integer()
    completed_modules = fields.Integer(metadata={"description": "of the active modules"})
    tested_out_modules = fields.Integer(metadata={"description": "of the active modules"})
    requirement = fields.Nested(
        RecordRequirementSchema,
        allow_none=True,
        metadata={"description": "the whole-course requirement; null: none"},
    )
    modules = fields.List(
        fields.Nested(RecordModuleSchema),
        metadata={"description": "completed or tested out, then required and not done yet"},
    )


class LearningRecordSchema(Schema):
    employee_number = fields.String()
    time_zone = fields.String(metadata={"description": "the IANA zone of every date"})
    courses = fields.List(fields.Nested(RecordCourseSchema))


@blp.route("/me/record")
class MyRecord(MethodView):
    @login_required
    @blp.response(200, LearningRecordSchema)
    def get(self):
        """The caller's record of learning: every course enrolled in or required, its
        completion, the modules completed or tested out of (date, grade under the quiz's
        grading method, pass, attempts) and required ones, with the requirements' status.
        Never an answer or a per-question result."""
        return record_json(learning_record(current_user.employee))


def record_json(record: LearningRecord) -> dict:
    """A :class:`LearningRecordSchema` dict of ``record``."""
    return {
        "employee_number": record.employee_number,
        "time_zone": str(record.time_zone),
        "courses": [_course(c) for c in record.courses],
    }


def _course(c: CourseEntry) -> dict:
    return {
        "id": c.course_id,
        "slug": c.slug,
        "title": c.title,
        "status": course_status(c),
        "completed_at": c.completed_at,
        "completed_date": c.completed_on,
        "active_modules": c.active_modules,
        "completed_modules": c.completed_modules,
        "tested_out_modules": c.tested_out_modules,
        "requirement": _requirement(c.requirement),
        "modules": [_module(m) for m in c.modules],
    }


def _module(m: ModuleEntry) -> dict:
    return {
        "id": m.module_id,
        "slug": m.slug,
        "title": m.title,
        "status": m.status.value,
        "completed_at": m.done_at,
        "completed_date": m.done_on,
        "grade_percent": None if m.grade_percent is None else str(m.grade_percent),
        "grading_method": m.grading_method,
        "passed": m.passed,
        "attempts": m.attempts,
        "requirement": _requirement(m.requirement),
    }


def _requirement(r: RequirementRow | None) -> dict | None:
    if r is None:
        return None
    return {
        "id": r.id,
        "status": r.status,
        "due_at": r.due_at,
        "due_date": r.due_date,
        "completed_at": r.completed_at,
        "expires_at": r.expires_at,
    }
