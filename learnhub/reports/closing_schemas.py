"""Marshmallow schemas of the gap-closing API (issue 11): the proposal (dump) and its
confirmation (load: unknown fields refused; dump: the assignments made)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from learnhub.assignments.models import DueKind
from learnhub.assignments.schemas import AssignmentSchema
from learnhub.assignments.services import MAX_DAYS
from learnhub.assignments.submit_tokens import TOKEN_LENGTH


class GapArgs(Schema):
    """Which gap: the framework (default: the first with target profiles that has the
    competence) and whose team (default: the caller's)."""

    class Meta:
        unknown = RAISE

    framework = fields.String(
        load_default=None, validate=validate.Length(max=80), metadata={"description": "slug"}
    )
    manager = fields.String(
        load_default=None,
        validate=validate.Length(max=60),
        metadata={"description": "the manager's employee number (HR, tokens: anyone)"},
    )


class GapConfirmArgs(GapArgs):
    """The due date of the proposal's assignments, and an optional idempotency key: a repeat
    with the same key answers with the first call's assignments instead of creating more."""

    due_kind = fields.Enum(
        DueKind,
        by_value=True,
        required=True,
        validate=validate.OneOf([DueKind.FIXED, DueKind.AFTER_ASSIGNMENT]),
    )
    due_date = fields.Date(load_default=None, metadata={"description": "for due_kind fixed"})
    due_days = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=MAX_DAYS),
        metadata={"description": "for due_kind after_assignment"},
    )
    idempotency_key = fields.String(
        load_default=None, validate=validate.Length(min=8, max=TOKEN_LENGTH)
    )

    @validates_schema
    def _due(self, data: dict, **_: object) -> None:
        if data.get("due_kind") == DueKind.FIXED and data.get("due_date") is None:
            raise ValidationError("a fixed due date is required", "due_date")
        if data.get("due_kind") == DueKind.AFTER_ASSIGNMENT and data.get("due_days") is None:
            raise ValidationError("give a number of days", "due_days")


class GapModuleSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    course_id = fields.Integer()
    course_title = fields.String()
    level = fields.Integer()
    minutes = fields.Integer(metadata={"description": "estimated learning time"})


class GapPersonSchema(Schema):
    employee_number = fields.String()
    name = fields.String()


class GapGroupSchema(Schema):
    """People who need the same modules (usually: one attained level)."""

    attained = fields.Integer(metadata={"description": "0 = no evidence"})
    target = fields.Integer()
    modules = fields.List(fields.Nested(GapModuleSchema), metadata={"description": "to assign"})
    in_hand = fields.List(
        fields.Nested(GapModuleSchema),
        metadata={"description": "levels already covered: completed or already required"},
    )
    missing_levels = fields.List(
        fields.Integer(), metadata={"description": "levels no module gives evidence of"}
    )
    minutes_each = fields.Integer()
    hours_each = fields.Float(metadata={"description": "minutes_each / 60, 2 places"})
    minutes = fields.Integer(metadata={"description": "minutes_each x people"})
    hours = fields.Float()
    people = fields.List(fields.Nested(GapPersonSchema))


class GapProposalSchema(Schema):
    framework = fields.Dict(metadata={"description": "slug, name, levels (names from 1)"})
    competence = fields.Dict(metadata={"description": "id, code, name"})
    manager = fields.Nested(GapPersonSchema)
    people = fields.Integer(metadata={"description": "people with the gap"})
    minutes = fields.Integer(metadata={"description": "learning minutes of everything proposed"})
    hours = fields.Float()
    groups = fields.List(fields.Nested(GapGroupSchema))


class GapAssignedSchema(Schema):
    """What a confirmation assigned: one assignment per course and module set."""

    assignments = fields.List(fields.Nested(AssignmentSchema))
    replayed = fields.Boolean(
        metadata={"description": "true: an earlier call with the same idempotency key made them"}
    )
