"""Dump schemas of the reports API (what managers and HR see of a person)."""

from __future__ import annotations

from marshmallow import Schema, fields


class PersonSchema(Schema):
    employee_number = fields.String()
    name = fields.String()
    job_title = fields.String(allow_none=True)
    job_role = fields.String(allow_none=True, metadata={"description": "HR job code"})
    org_unit = fields.String(allow_none=True)
    manager_employee_number = fields.String(allow_none=True)
    active = fields.Boolean()


class CompletionSchema(Schema):
    enrolled = fields.Integer()
    completed_courses = fields.Integer()
    modules_completed = fields.Integer()


class CompetenceLevelSchema(Schema):
    code = fields.String()
    name = fields.String()
    target = fields.Integer(allow_none=True)
    attained = fields.Integer(metadata={"description": "0 = no evidence"})
    gap = fields.Integer(allow_none=True)


class FrameworkLevelsSchema(Schema):
    framework = fields.String()
    name = fields.String()
    levels = fields.List(fields.String())
    competences = fields.List(fields.Nested(CompetenceLevelSchema))


class ModuleCompletionSchema(Schema):
    title = fields.String()
    status = fields.String(
        metadata={"description": "not_started | in_progress | completed | waived (tested out)"}
    )
    completed_at = fields.DateTime(allow_none=True)


class CourseCompletionSchema(Schema):
    course_id = fields.Integer()
    title = fields.String()
    completed_at = fields.DateTime(allow_none=True)
    modules = fields.List(fields.Nested(ModuleCompletionSchema))


class PersonProfileSchema(Schema):
    """A person's competence profile and completion; never responses, grades or scores."""

    employee = fields.Nested(PersonSchema)
    completion = fields.Nested(CompletionSchema)
    frameworks = fields.List(fields.Nested(FrameworkLevelsSchema))
    courses = fields.List(fields.Nested(CourseCompletionSchema))


class TeamFrameworkSchema(Schema):
    slug = fields.String()
    name = fields.String()
    levels = fields.List(fields.String(), metadata={"description": "level names from level 1"})


class CompetenceGapSchema(Schema):
    competence_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    with_target = fields.Integer(metadata={"description": "people with a target for it"})
    meeting = fields.Integer(metadata={"description": "of them, people at or above it"})
    mean_gap = fields.Float(metadata={"description": "in levels, rounded to 2 places"})
    max_gap = fields.Integer()
    attained_distribution = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": 'people by attained level, "0" (no evidence) to the top level'},
    )


class TeamSummarySchema(Schema):
    """The stored summary of the whole subtree (its internal buckets are not sent)."""

    headcount = fields.Integer(metadata={"description": "active people in the subtree"})
    people_with_targets = fields.Integer()
    targets = fields.Integer(metadata={"description": "(person, competence) targets"})
    targets_met = fields.Integer()
    share_met = fields.Float(
        allow_none=True, metadata={"description": "in [0, 1]; null without targets"}
    )
    competences = fields.List(fields.Nested(CompetenceGapSchema))


class JobRoleSchema(Schema):
    code = fields.String()
    title = fields.String()


class BenchmarkCompetenceSchema(Schema):
    competence_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    organisation_share_met = fields.Float(
        allow_none=True, metadata={"description": "in [0, 1]; null when the group is too small"}
    )
    team_share_met = fields.Float(allow_none=True)


class BenchmarkGroupSchema(Schema):
    label = fields.String()
    job_roles = fields.List(fields.Nested(JobRoleSchema))
    people = fields.Integer(metadata={"description": "in the organisation, team included"})
    team_people = fields.Integer(metadata={"description": "of them in the manager's subtree"})
    competences = fields.List(fields.Nested(BenchmarkCompetenceSchema))


class BenchmarkSchema(Schema):
    """The organisation's share of targets met for the team's job roles; groups with fewer
    than LEARNHUB_MIN_GROUP_SIZE people outside the team are merged or hidden."""

    min_group_size = fields.Integer()
    groups = fields.List(fields.Nested(BenchmarkGroupSchema))
    hidden_job_roles = fields.List(fields.Nested(JobRoleSchema))


class ClosingModuleSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    course = fields.String(metadata={"description": "the course's title"})


class GapCostSchema(Schema):
    """What closing a competence's gaps takes (learnhub.reports.gap_cost: one module per level
    from each person's attained level to the target, the cheapest of each level)."""

    people = fields.Integer(metadata={"description": "people with a gap in it"})
    minutes = fields.Integer(metadata={"description": "learning minutes for all of them"})
    hours = fields.Float(metadata={"description": "minutes / 60, to 2 places"})
    min_hours_each = fields.Float(metadata={"description": "fewest hours one person needs"})
    max_hours_each = fields.Float(metadata={"description": "most hours one person needs"})
    people_not_closable = fields.Integer(
        metadata={"description": "people whose target has a level no module teaches"}
    )


class TeamFrameworkGapsSchema(Schema):
    framework = fields.Nested(TeamFrameworkSchema)
    computed_at = fields.DateTime(
        allow_none=True, metadata={"description": "when the summary was computed; null: not yet"}
    )
    summary = fields.Nested(TeamSummarySchema, allow_none=True)
    benchmark = fields.Nested(BenchmarkSchema)
    closing_modules = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(ClosingModuleSchema)),
        metadata={"description": "modules that close a gap, by competence id"},
    )
    gap_costs = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(GapCostSchema),
        metadata={"description": "learning hours to close the gaps, by competence id"},
    )


class LevelTargetSchema(Schema):
    attained = fields.Integer(metadata={"description": "0 = no evidence"})
    target = fields.Integer()


class TeamMemberSchema(Schema):
    """What a manager sees of a person: never responses or raw scores."""

    employee_id = fields.String(metadata={"description": "the employee number"})
    id = fields.Integer()
    name = fields.String()
    job_title = fields.String(allow_none=True)
    manager_employee_id = fields.String(
        allow_none=True, metadata={"description": "the manager's employee number"}
    )
    completion = fields.Nested(CompletionSchema)
    levels = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(LevelTargetSchema),
        metadata={"description": "by competence code, where the person has a target"},
    )


class TeamSkillGapsSchema(Schema):
    frameworks = fields.List(fields.Nested(TeamFrameworkGapsSchema))
    people = fields.List(
        fields.Nested(TeamMemberSchema),
        metadata={"description": "one page of the people of the subtree, by name"},
    )
    people_total = fields.Integer(metadata={"description": "people in the whole subtree"})
    page = fields.Integer()
    per_page = fields.Integer()
