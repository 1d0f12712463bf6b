"""Marshmallow schemas of the HR / L&D and content-admin quiz API (regrade, key fixes, essay
reviews, settings, extra time). Load schemas reject unknown fields. The question-bank API's
are in ``learnhub.questionbank.schemas``."""

from marshmallow import RAISE, Schema, fields, validate

from learnhub.questionbank.schemas import QuestionSpecSchema
from learnhub.quizzes.models import FEEDBACK_AFTER_FAIL, REVIEW_POLICIES
from learnhub.quizzes.timing import MAX_EXTRA_PERCENT


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class RegradeArgs(_Strict):
    dry_run = fields.Boolean(load_default=False)


class ChangeSchema(Schema):
    attempt_id = fields.Integer()
    employee_id = fields.Integer()
    score_before = fields.String(allow_none=True, metadata={"description": "exact fraction"})
    score_after = fields.String(allow_none=True)
    passed_before = fields.Boolean(allow_none=True)
    passed_after = fields.Boolean(allow_none=True)
    evidence = fields.String(allow_none=True, metadata={"description": "recorded | revoked"})


class RegradeReportSchema(Schema):
    quiz_id = fields.Integer()
    attempts = fields.Integer()
    changed = fields.List(fields.Nested(ChangeSchema))
    dry_run = fields.Boolean()


class QuestionFixArgs(_Strict):
    spec = fields.Nested(
        QuestionSpecSchema,
        required=True,
        metadata={"description": "the whole corrected spec, as GET /questions/<id> gives it"},
    )


class QuestionAdminSchema(Schema):
    id = fields.Integer()
    quiz_id = fields.Integer(allow_none=True)
    bank_id = fields.Integer(allow_none=True)
    qtype = fields.String()
    name = fields.String(allow_none=True)
    spec = fields.Nested(QuestionSpecSchema, metadata={"description": "answer key included"})


class EssayScoreArgs(_Strict):
    points = fields.String(required=True, validate=validate.Regexp(r"^\d+(\.\d+)?$"))
    comment = fields.String(load_default=None, allow_none=True)


class EssayReviewArgs(_Strict):
    marked_at = fields.String(
        allow_none=True,
        metadata={
            "description": "the attempt's `marked_at` as read (null: never marked); when "
            "given, marks made since refuse the save with 409 (send it: without it the last "
            "save wins)"
        },
    )
    scores = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^\d+$")),
        values=fields.Nested(EssayScoreArgs),
        required=True,
    )


class EssayToReviewSchema(Schema):
    question_id = fields.Integer()
    stem_html = fields.String()
    max_points = fields.String()
    text = fields.String(metadata={"description": "the learner's essay"})
    points = fields.String(allow_none=True, metadata={"description": "once scored"})
    comment = fields.String(allow_none=True)


class ReviewItemSchema(Schema):
    attempt_id = fields.Integer()
    quiz_id = fields.Integer()
    quiz_title = fields.String()
    employee = fields.String(
        allow_none=True, metadata={"description": "the learner's name, for HR only"}
    )
    submitted_at = fields.DateTime()
    needs_review = fields.Boolean()
    passed = fields.Boolean(allow_none=True)
    marked_at = fields.String(
        allow_none=True,
        metadata={"description": "when its essays were last marked (null: never); send it back"},
    )
    essays = fields.List(fields.Nested(EssayToReviewSchema))


class DrawRuleSchema(_Strict):
    bank = fields.String(required=True)
    category = fields.String(load_default=None, allow_none=True)
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    subcategories = fields.Boolean(load_default=False)


class QuizSettingsArgs(_Strict):
    # at most a week: a timed quiz longer than that is a mistake (and int32 in PostgreSQL)
    time_limit_seconds = fields.Integer(
        allow_none=True, validate=validate.Range(min=60, max=7 * 24 * 3600)
    )
    shuffle_questions = fields.Boolean()
    shuffle_answers = fields.Boolean()
    review_policy = fields.String(validate=validate.OneOf(REVIEW_POLICIES))
    feedback_after_fail = fields.String(
        validate=validate.OneOf(FEEDBACK_AFTER_FAIL),
        metadata={
            "description": "per question after a failed attempt while the review is withheld: "
            "none (score only), correctness (right or wrong, points), feedback (also the "
            "feedback on the answer given); never the correct answers"
        },
    )
    essays_graded = fields.Boolean()
    draw_rules = fields.List(fields.Nested(DrawRuleSchema))


class TimeAdjustmentArgs(_Strict):
    # strict: 1.5 was stored as 1 (a tester's finding); a whole number or a 422 naming it
    extra_percent = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=MAX_EXTRA_PERCENT)
    )
    no_time_limit = fields.Boolean(load_default=False)


class TimeAdjustmentSchema(Schema):
    employee_id = fields.Integer(metadata={"description": "internal id (kept for old clients)"})
    employee_number = fields.String()
    extra_percent = fields.Integer()
    no_time_limit = fields.Boolean()
    updated_at = fields.DateTime()
