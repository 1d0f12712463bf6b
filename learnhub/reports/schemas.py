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
    status = fields.String(metadata={"description": "not_started | in_progress | completed"})
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
