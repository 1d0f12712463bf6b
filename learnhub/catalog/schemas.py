"""Marshmallow schemas of the catalogue API: courses with their modules, and one module."""

from marshmallow import Schema, fields

from learnhub.catalog.presentation import module_quiz


class ModuleSummarySchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    position = fields.Integer()
    minutes = fields.Integer()
    quiz_id = fields.Integer(allow_none=True)


class CourseSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    modules = fields.List(fields.Nested(ModuleSummarySchema))


class OutcomeSchema(Schema):
    text = fields.String()
    competence = fields.String()
    level = fields.Integer()
    learning_outcome = fields.String(allow_none=True)


class ModuleSchema(Schema):
    id = fields.Integer()
    course_id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    position = fields.Integer()
    minutes = fields.Integer()
    validity_months = fields.Integer(allow_none=True)
    body_html = fields.String()
    outcomes = fields.List(fields.Nested(OutcomeSchema))
    # the quiz's own schema, lent by quizzes (see learnhub.catalog.presentation)
    quiz = fields.Nested(lambda: module_quiz().schema, allow_none=True)
