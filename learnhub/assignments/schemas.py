"""Marshmallow schemas of the assignments API: load schemas (unknown fields refused, strings
stripped) check the shape of what comes in; the services check the rules (a course that
exists, a date not in the past, people inside a manager's team) and answer 422 or 403 naming
the field. Dump schemas say what goes out."""

from __future__ import annotations

from datetime import date

from marshmallow import RAISE, Schema, fields, post_load, validate, validates_schema
from marshmallow.exceptions import ValidationError

from learnhub.assignments.models import AudienceKind, DueKind
from learnhub.assignments.services import MAX_DAYS
from learnhub.assignments.status import RequirementStatus

#: database ids are 32-bit signed integers (PostgreSQL's ``integer``)
MAX_ID = 2**31 - 1
#: dates outside these are typing mistakes (and past what the zone arithmetic can count)
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _id(**kwargs) -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"minimum": 1, "maximum": MAX_ID, **kwargs.pop("metadata", {})},
        **kwargs,
    )


def _days(**kwargs) -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(min=0, max=MAX_DAYS),
        metadata={"minimum": 0, "maximum": MAX_DAYS, **kwargs.pop("metadata", {})},
        **kwargs,
    )


def _day(**kwargs) -> fields.Date:
    return fields.Date(validate=validate.Range(min=EARLIEST, max=LATEST), **kwargs)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class AssignmentCreateArgs(_Strict):
    """A new assignment (``POST /assignments`` and ``/assignments/preview``)."""

    course_id = _id(required=True, metadata={"description": "a published course (GET /courses)"})
    module_ids = fields.List(
        _id(),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "modules of that course; none: the whole course"},
    )
    audience = fields.Enum(
        AudienceKind,
        by_value=True,
        required=True,
        metadata={
            "description": "everyone | org_unit (org_unit_id) | job_role (job_role_id) | "
            "people (employee_numbers; a manager's assignment is always this, to people of "
            "their own team) | new_joiners (joiners_since)"
        },
    )
    org_unit_id = _id(load_default=None)
    include_sub_units = fields.Boolean(load_default=True)
    job_role_id = _id(load_default=None)
    employee_numbers = fields.List(
        fields.String(validate=validate.Length(min=1, max=60)),
        load_default=list,
        validate=validate.Length(max=5000),
    )
    joiners_since = _day(
        load_default=None,
        metadata={"description": "new joiners: hired on or after this day (default: today)"},
    )
    due_kind = fields.Enum(
        DueKind,
        by_value=True,
        required=True,
        metadata={
            "description": "fixed (due_date) | after_assignment (due_days after it reaches "
            "each person) | after_hire (due_days after each person's hire date); the end of "
            "that day in each person's time zone"
        },
    )
    due_date = _day(load_default=None)
    due_days = _days(load_default=None)
    renewal_window_days = _days(
        load_default=30,
        metadata={
            "description": "for items with a validity: renewal opens this many days "
            "before the completion expires"
        },
    )
    note = fields.String(load_default="", validate=validate.Length(max=500))

    @post_load
    def _strip(self, data: dict, **_: object) -> dict:
        data["note"] = data["note"].strip()
        data["employee_numbers"] = [n.strip() for n in data["employee_numbers"]]
        return data


class AssignmentChangeArgs(_Strict):
    """A changed due date (fixed assignments), number of days (relative ones) or renewal
    window; at least one."""

    due_date = _day()
    due_days = _days()
    renewal_window_days = _days()

    @validates_schema
    def _something(self, data: dict, **_: object) -> None:
        if not data:
            raise ValidationError("give due_date, due_days or renewal_window_days", "_schema")


class AssignmentListArgs(_Strict):
    course_id = _id()
    include_removed = fields.Boolean(load_default=False)


class CourseRefSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String()


class ModuleRefSchema(Schema):
    id = fields.Integer()
    title = fields.String()


class OrgUnitRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class JobRoleRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.String()


class AssignmentSchema(Schema):
    """An assignment, with whom it reaches now."""

    id = fields.Integer()
    course = fields.Nested(CourseRefSchema)
    modules = fields.List(
        fields.Nested(ModuleRefSchema), metadata={"description": "none: the whole course"}
    )
    audience = fields.Enum(AudienceKind, by_value=True)
    audience_words = fields.String(metadata={"description": "the audience for a person"})
    org_unit = fields.Nested(OrgUnitRefSchema, allow_none=True)
    include_sub_units = fields.Boolean()
    job_role = fields.Nested(JobRoleRefSchema, allow_none=True)
    employee_numbers = fields.List(fields.String(), metadata={"description": "audience people"})
    joiners_since = fields.Date(allow_none=True)
    due_kind = fields.Enum(DueKind, by_value=True)
    due_date = fields.Date(allow_none=True)
    due_days = fields.Integer(allow_none=True)
    due_words = fields.String()
    renewal_window_days = fields.Integer()
    note = fields.String()
    created_by = fields.String(allow_none=True, metadata={"description": "employee number"})
    created_at = fields.DateTime()
    removed_at = fields.DateTime(allow_none=True)
    people = fields.Integer(metadata={"description": "people it reaches now"})
    open = fields.Integer(metadata={"description": "of them, people with an item still to do"})
    late = fields.Integer(metadata={"description": "people with an item overdue or expired"})


class PreviewSchema(Schema):
    """What creating the assignment would do; nothing was changed."""

    people = fields.Integer(metadata={"description": "active people it would reach"})
    already_completed = fields.Integer(
        metadata={"description": "of them, people whose valid completion already counts"}
    )
    already_required = fields.Integer(
        metadata={"description": "people another assignment already requires it of"}
    )
    to_do = fields.Integer(metadata={"description": "people - already_completed"})
    minutes_each = fields.Integer(metadata={"description": "reading time of the item, minutes"})
    learning_hours = fields.Float(metadata={"description": "to_do x minutes_each / 60"})
    due_from_assignment = fields.Integer(
        metadata={
            "description": "due after hire: people whose hire date + due_days has passed, "
            "due due_days after the assignment instead"
        }
    )


class RequirementSchema(Schema):
    """One requirement of a person."""

    id = fields.Integer()
    course = fields.Nested(CourseRefSchema)
    module = fields.Nested(
        ModuleRefSchema, allow_none=True, metadata={"description": "null: the whole course"}
    )
    title = fields.String(metadata={"description": "the item, for a person"})
    status = fields.Enum(RequirementStatus, by_value=True)
    assigned_at = fields.DateTime()
    due_at = fields.DateTime(
        metadata={
            "description": "when it is (next) due, UTC: the end of the due day in the "
            "person's time zone, or the completion's expiry"
        }
    )
    due_date = fields.Date(metadata={"description": "the due day in the person's time zone"})
    time_zone = fields.String(metadata={"description": "the person's IANA time zone"})
    completed_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    renewal_opens_at = fields.DateTime(allow_none=True)
    continue_url = fields.String(
        allow_none=True, metadata={"description": "the page of the module to continue with"}
    )
    waiver_reason = fields.String(
        allow_none=True,
        metadata={
            "description": "HR's reason for exempting the person (status waived), shown to HR "
            "and tokens only; null otherwise, and for a test-out's waiver"
        },
    )


class WaiverArgs(_Strict):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=3, max=500),
        metadata={"description": "why (kept in the audit log); 3-500 characters"},
    )


class PersonRequirementsSchema(Schema):
    employee_number = fields.String()
    name = fields.String()
    time_zone = fields.String()
    requirements = fields.List(fields.Nested(RequirementSchema))
