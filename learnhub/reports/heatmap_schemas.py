"""Dump schemas of the heat map and organisation view API (learnhub.reports.heatmap_api)."""

from __future__ import annotations

from marshmallow import Schema, fields

from learnhub.reports.schemas import TeamFrameworkSchema


class HeatmapCompetenceSchema(Schema):
    competence_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    anchor = fields.String(metadata={"description": "the column's id on the heat map page"})
    with_target = fields.Integer(
        metadata={"description": "people of the whole subtree with a target (stored summary)"}
    )
    meeting = fields.Integer(metadata={"description": "of them, people at or above it"})
    gaps = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": 'people of the whole subtree by gap in levels, "0" = met'},
    )


class HeatmapCellSchema(Schema):
    target = fields.Integer()
    attained = fields.Integer(metadata={"description": "0 = no evidence"})
    gap = fields.Integer(metadata={"description": "max(0, target - attained), in levels"})
    step = fields.Integer(metadata={"description": "colour step, the gap capped at 3"})


class HeatmapRowSchema(Schema):
    employee_id = fields.String(metadata={"description": "the employee number"})
    name = fields.String()
    job_title = fields.String(allow_none=True)
    team = fields.String(
        allow_none=True,
        metadata={"description": "grouped: the employee number of the team's direct report"},
    )
    cells = fields.List(
        fields.Nested(HeatmapCellSchema, allow_none=True),
        metadata={"description": "lined up with competences; null: no target"},
    )


class HeatmapFrameworkSchema(Schema):
    framework = fields.Nested(TeamFrameworkSchema)
    computed_at = fields.DateTime(
        allow_none=True, metadata={"description": "of the stored summary the totals come from"}
    )
    competences = fields.List(fields.Nested(HeatmapCompetenceSchema))
    rows = fields.List(fields.Nested(HeatmapRowSchema))


class HeatmapTeamSchema(Schema):
    employee_id = fields.String(metadata={"description": "the direct report heading the team"})
    name = fields.String()
    people = fields.Integer(metadata={"description": "active people in the team, head included"})


class TeamHeatmapSchema(Schema):
    """People x targeted competences of the caller's whole subtree, one page of people."""

    people_total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    grouped = fields.Boolean()
    teams = fields.List(fields.Nested(HeatmapTeamSchema))
    frameworks = fields.List(fields.Nested(HeatmapFrameworkSchema))


class OrgUnitRowSchema(Schema):
    code = fields.String(allow_none=True, metadata={"description": "null: the whole scope"})
    name = fields.String()
    depth = fields.Integer()
    parent = fields.String(allow_none=True, metadata={"description": "the listed parent's code"})
    people = fields.Integer(metadata={"description": "active people, sub-units included"})
    folded_units = fields.Integer(
        metadata={"description": "sub-units too small to list, counted in this unit's figures"}
    )


class OrgCellSchema(Schema):
    shown = fields.Boolean(metadata={"description": "false: hidden to protect a small group"})
    with_target = fields.Integer()
    meeting = fields.Integer()
    share_met = fields.Float(metadata={"description": "in [0, 1]"})
    mean_gap = fields.Float(metadata={"description": "in levels"})
    step = fields.Integer()


class OrgCompetenceSchema(Schema):
    competence_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    anchor = fields.String()


class OrgFrameworkSchema(Schema):
    framework = fields.Nested(TeamFrameworkSchema)
    competences = fields.List(fields.Nested(OrgCompetenceSchema))
    cells = fields.List(
        fields.List(fields.Nested(OrgCellSchema, allow_none=True)),
        metadata={"description": "per unit (as units), per competence; null: nobody targeted"},
    )


class OrganisationViewSchema(Schema):
    """Org unit x competence: share of targets met and mean gap, sub-units rolled up; groups
    under min_group_size people are folded into their parent, never shown."""

    min_group_size = fields.Integer()
    scope = fields.String(metadata={"description": "organisation (HR) | subtree (a manager)"})
    units = fields.List(fields.Nested(OrgUnitRowSchema))
    frameworks = fields.List(fields.Nested(OrgFrameworkSchema))
