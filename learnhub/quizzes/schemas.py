"""Marshmallow schemas of the quiz and catalogue API (dump and load schemas kept apart)."""

from marshmallow import RAISE, Schema, fields, validate


class QuizSettingsSchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    pass_mark = fields.Decimal(as_string=True)
    max_attempts = fields.Integer(metadata={"description": "0 = unlimited"})
    grading_method = fields.String()
    review_policy = fields.String()
    time_limit_seconds = fields.Integer(allow_none=True)
    questions = fields.Function(lambda q: len(q.questions))


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
    quiz = fields.Nested(QuizSettingsSchema, allow_none=True)


class OptionSchema(Schema):
    id = fields.Integer()
    html = fields.String()


class LearnerQuestionSchema(Schema):
    """A question as the learner sees it before review: no key, weight or feedback."""

    id = fields.Integer()
    type = fields.String()
    name = fields.String(allow_none=True)
    stem_html = fields.String()
    points = fields.String()
    options = fields.List(fields.Nested(OptionSchema))
    left = fields.List(fields.Nested(OptionSchema))
    right = fields.List(fields.String())


class QuestionResultSchema(Schema):
    question_id = fields.Integer()
    state = fields.String()
    points = fields.String(allow_none=True)
    max_points = fields.String()
    feedback = fields.List(fields.Dict(), metadata={"description": "only when review is allowed"})
    general_feedback = fields.String(allow_none=True)
    correct_response = fields.Dict(allow_none=True)


class AttemptSchema(Schema):
    id = fields.Integer()
    quiz_id = fields.Integer()
    number = fields.Integer()
    state = fields.String()
    started_at = fields.DateTime()
    deadline_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    questions = fields.List(fields.Nested(LearnerQuestionSchema))
    saved = fields.Dict(metadata={"description": "saved responses by question id"})
    result = fields.Dict(
        allow_none=True,
        metadata={
            "description": "after submit: score, grade "
            "(one decimal, rounded down), passed, and per-question results when "
            "the review policy allows"
        },
    )


class ResponsesArgs(Schema):
    """``{"responses": {"<question id>": {...response...}}}``, shapes per question type."""

    class Meta:
        unknown = RAISE

    responses = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^\d+$")),
        values=fields.Dict(),
        load_default=dict,
    )
