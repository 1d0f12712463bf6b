"""Schemas of ``GET /api/v1/team/trends`` (:func:`learnhub.reports.trends.team_trends`)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from learnhub.reports.trends import MAX_WEEKS, WEEKS

SHARE = {"description": "meeting / with_target in [0, 1]; null without targets or data"}


class TeamTrendArgs(Schema):
    class Meta:
        unknown = RAISE

    framework = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "a framework slug (default: the first with target profiles)"},
    )
    weeks = fields.Integer(
        load_default=WEEKS,
        validate=validate.Range(min=1, max=MAX_WEEKS),
        metadata={"description": "weekly points ending today (UTC)"},
    )
    manager = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "HR only: the employee number of the manager whose trend"},
    )


class TrendFrameworkSchema(Schema):
    slug = fields.String()
    name = fields.String()


class OverallPointSchema(Schema):
    day = fields.Date()
    targets = fields.Integer(metadata={"description": "(person, competence) targets"})
    targets_met = fields.Integer()
    share_met = fields.Float(allow_none=True, metadata=SHARE)


class CompetencePointSchema(Schema):
    day = fields.Date()
    with_target = fields.Integer(metadata={"description": "people with a target"})
    meeting = fields.Integer(metadata={"description": "people meeting it"})
    share_met = fields.Float(allow_none=True, metadata=SHARE)
    mean_gap = fields.Float(allow_none=True, metadata={"description": "levels; null: no target"})


class CompetenceTrendSchema(Schema):
    competence_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    points = fields.List(fields.Nested(CompetencePointSchema))


class SharesSchema(Schema):
    with_target = fields.Integer()
    meeting = fields.Integer()
    share_met = fields.Float(allow_none=True, metadata=SHARE)


class AssignmentCompetenceSchema(Schema):
    competence_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    then = fields.Nested(SharesSchema, allow_none=True)
    now = fields.Nested(SharesSchema)
    met_through = fields.Integer(
        metadata={
            "description": "people it reaches who now meet the target with a quiz of its own "
            "modules passed since it was made (then/now count every kind of evidence)"
        }
    )


class AssignmentTrendSchema(Schema):
    id = fields.Integer(metadata={"description": "the assignment's id"})
    course = fields.String(metadata={"description": "the course's title"})
    created_at = fields.DateTime()
    baseline_day = fields.Date(
        metadata={"description": "the day before the assignment: its snapshot is 'then'"}
    )
    then = fields.Nested(
        SharesSchema, allow_none=True, metadata={"description": "null: no snapshot by then"}
    )
    now = fields.Nested(SharesSchema, metadata={"description": "from the stored summary"})
    competences = fields.List(fields.Nested(AssignmentCompetenceSchema))


class TeamTrendSchema(Schema):
    manager_employee_id = fields.String(metadata={"description": "the manager's number"})
    framework = fields.Nested(TrendFrameworkSchema)
    weeks = fields.Integer()
    days = fields.List(fields.Date(), metadata={"description": "the weekly points, oldest first"})
    overall = fields.List(fields.Nested(OverallPointSchema))
    competences = fields.List(fields.Nested(CompetenceTrendSchema))
    assignments = fields.List(
        fields.Nested(AssignmentTrendSchema),
        metadata={"description": "the most recent live assignments reaching the team"},
    )
