"""Marshmallow schemas of the quiz API (dump and load schemas kept apart)."""

from marshmallow import RAISE, Schema, fields, validate


class QuizSettingsSchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    # an exact decimal sent as a string, like every score and points value of the API
    pass_mark = fields.Decimal(
        as_string=True,
        metadata={"type": "string", "description": 'percent, exact decimal (e.g. "75.000")'},
    )
    max_attempts = fields.Integer(metadata={"description": "0 = unlimited"})
    grading_method = fields.String()
    review_policy = fields.String()
    feedback_after_fail = fields.String(
        metadata={"description": "none | correctness | feedback: shown after a failed attempt"}
    )
    time_limit_seconds = fields.Integer(allow_none=True)
    shuffle_questions = fields.Boolean()
    shuffle_answers = fields.Boolean()
    essays_graded = fields.Boolean(metadata={"description": "a reviewer scores essays"})
    questions = fields.Function(
        lambda q: len(q.questions) + sum(int(r["count"]) for r in q.draw_rules or []),
        metadata={"description": "questions per attempt (own and drawn from banks)"},
    )


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
    """One question's result: all of it when the review policy allows; after a failed attempt
    before that, what the quiz's ``feedback_after_fail`` shows (``questions_detail``), the
    other fields empty (``correct_response`` always null)."""

    question_id = fields.Integer()
    state = fields.String(
        metadata={"description": "correct | partial | incorrect | needs_review | not_scored"}
    )
    points = fields.String(allow_none=True, metadata={"description": "exact decimal"})
    max_points = fields.String()
    feedback = fields.List(fields.String(), metadata={"description": "sanitised HTML"})
    general_feedback = fields.String(allow_none=True, metadata={"description": "sanitised HTML"})
    correct_response = fields.Dict(
        allow_none=True, metadata={"description": "a response earning full marks"}
    )
    comment = fields.String(allow_none=True, metadata={"description": "the reviewer's comment"})


class AttemptResultSchema(Schema):
    """An attempt's result after submit."""

    raw_points = fields.String(allow_none=True)
    max_points = fields.String(allow_none=True)
    grade_percent = fields.String(
        allow_none=True,
        metadata={
            "description": "one decimal, rounded down (89.66% is 89.6); null while an essay "
            "waits for a reviewer"
        },
    )
    pass_mark = fields.String()
    passed = fields.Boolean(allow_none=True, metadata={"description": "null while in review"})
    needs_review = fields.Boolean()
    review_allowed = fields.Boolean()
    questions_detail = fields.String(
        metadata={
            "description": "what `questions` holds: review (results, feedback, correct "
            "answers: the review policy allows), feedback (results and the feedback on the "
            "answers given) or correctness (results only) after a failed attempt, none (empty)"
        }
    )
    questions = fields.List(
        fields.Nested(QuestionResultSchema),
        metadata={"description": "per question, as much as questions_detail says"},
    )


class AttemptSchema(Schema):
    id = fields.Integer()
    quiz_id = fields.Integer()
    number = fields.Integer()
    state = fields.String()
    started_at = fields.DateTime()
    deadline_at = fields.DateTime(allow_none=True)
    seconds_left = fields.Integer(
        allow_none=True,
        metadata={"description": "seconds until the deadline by the server's clock (timed only)"},
    )
    warning_seconds = fields.Integer(
        allow_none=True, metadata={"description": "warn the learner this long before the end"}
    )
    submitted_at = fields.DateTime(allow_none=True)
    answers_revision = fields.Integer(
        metadata={
            "description": "how many times the answers were saved: send it back with a save "
            "or submit, which is refused (409) when another window, tab or client saved since"
        }
    )
    questions = fields.List(
        fields.Nested(LearnerQuestionSchema), metadata={"description": "in the attempt's order"}
    )
    saved = fields.Dict(metadata={"description": "saved responses by question id"})
    result = fields.Nested(
        AttemptResultSchema,
        allow_none=True,
        metadata={"description": "after submit: score, grade, pass/fail, review"},
    )


class ResponsesArgs(Schema):
    """``{"responses": {"<question id>": {...response...}}, "answers_revision": n}``, shapes
    per question type; ``answers_revision`` optional (learnhub.quizzes.revisions)."""

    class Meta:
        unknown = RAISE

    responses = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^\d+$")),
        values=fields.Dict(),
        load_default=dict,
    )
    answers_revision = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0),
        metadata={
            "description": "the attempt's answers_revision these answers were based on; "
            "omitted: not checked"
        },
    )
