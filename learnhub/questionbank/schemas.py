"""Marshmallow schemas of the question-bank API (bank summaries, file imports and their
reports). Load schemas reject unknown fields."""

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from learnhub.questionbank.gift.common import FORMATS
from learnhub.questionbank.models import QuestionType

#: the text formats of the question-spec contract (GIFT's [html] [moodle] [plain] [markdown])
TEXT_FORMATS = sorted(FORMATS)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class IssueSchema(Schema):
    where = fields.String(metadata={"description": "line N (GIFT) or question N “name” (line M)"})
    message = fields.String()


class BankImportFileArgs(_Strict):
    file = Upload(required=True, metadata={"description": "a .gift or Moodle .xml file"})


class BankImportQueryArgs(_Strict):
    dry_run = fields.Boolean(load_default=False)
    skip_invalid = fields.Boolean(
        load_default=False,
        metadata={"description": "import the valid questions, list the others in `skipped`"},
    )


class WeightNoteSchema(Schema):
    where = fields.String()
    name = fields.String(allow_none=True)
    weights = fields.List(fields.String())


class CategoryImportCountSchema(Schema):
    path = fields.String(metadata={"description": '"" is the top of the bank'})
    added = fields.Integer()
    replaced = fields.Integer(metadata={"description": "the old question is retired"})
    unchanged = fields.Integer()


class ImportReportSchema(Schema):
    bank = fields.String()
    format = fields.String(metadata={"description": "gift | moodle_xml"})
    dry_run = fields.Boolean()
    questions = fields.Integer(metadata={"description": "questions read whole from the file"})
    added = fields.Integer()
    unchanged = fields.Integer()
    replaced = fields.Integer()
    categories = fields.List(fields.String(), metadata={"description": "new categories"})
    errors = fields.List(fields.Nested(IssueSchema))
    skipped = fields.List(fields.Nested(IssueSchema))
    warnings = fields.List(fields.Nested(IssueSchema))
    moodle_rejects = fields.List(
        fields.Nested(WeightNoteSchema),
        metadata={"description": "weights Moodle would refuse; LearnHub scores them as written"},
    )
    by_category = fields.List(fields.Nested(CategoryImportCountSchema))


class CategoryCountSchema(Schema):
    path = fields.String(metadata={"description": '"" is the top of the bank'})
    questions = fields.Integer()


class BankSchema(Schema):
    name = fields.String()
    categories = fields.List(fields.Nested(CategoryCountSchema))


# -- the question-spec contract (what GIFT and Moodle XML imports store, key fixes replace) --

_DECIMAL = validate.Regexp(r"^-?\d+(\.\d+)?$", error="a decimal number written as a string")


class _SpecPart(Schema):
    class Meta:
        unknown = RAISE


class TextSchema(_SpecPart):
    format = fields.String(required=True, validate=validate.OneOf(TEXT_FORMATS))
    text = fields.String(required=True)


class ChoiceSchema(_SpecPart):
    text = fields.Nested(TextSchema, required=True)
    weight = fields.String(
        required=True, validate=_DECIMAL, metadata={"description": "percent of the points"}
    )
    feedback = fields.Nested(TextSchema, allow_none=True)


class AnswerSchema(_SpecPart):
    """A typed answer: short answer (``text``) or numeric (``kind`` tolerance: ``value`` ±
    ``tolerance``; range: ``min``..``max``)."""

    text = fields.String(metadata={"description": "short answer; `*` is a wildcard"})
    kind = fields.String(validate=validate.OneOf(("tolerance", "range")))
    value = fields.String(validate=_DECIMAL)
    tolerance = fields.String(validate=_DECIMAL)
    min = fields.String(validate=_DECIMAL)
    max = fields.String(validate=_DECIMAL)
    weight = fields.String(required=True, validate=_DECIMAL)
    feedback = fields.Nested(TextSchema, allow_none=True)


class PairSchema(_SpecPart):
    left = fields.Nested(TextSchema, required=True, allow_none=True)
    right = fields.String(required=True)


#: the list each question type needs: choices, typed answers or pairs
ITEMS_OF_TYPE = {
    QuestionType.SINGLE_CHOICE: "choices",
    QuestionType.MULTIPLE_CHOICE: "choices",
    QuestionType.TRUE_FALSE: "choices",
    QuestionType.SHORT_ANSWER: "answers",
    QuestionType.NUMERIC: "answers",
    QuestionType.MATCHING: "pairs",
}
#: what each kind of typed answer must carry
_ANSWER_KEYS: dict[str, tuple[str, ...]] = {
    QuestionType.SHORT_ANSWER: ("text",),
    "tolerance": ("value", "tolerance"),
    "range": ("min", "max"),
}


class QuestionSpecSchema(_SpecPart):
    """A whole question spec, answer key included, as ``GET /questions/<id>`` gives it and a key
    fix sends it back (read, modify, write): every key below marked required must be there,
    ``null`` where the question has none. ``line`` and ``category`` belong to the bank and are
    kept from the stored question."""

    type = fields.String(required=True, validate=validate.OneOf([t.value for t in QuestionType]))
    name = fields.String(required=True, allow_none=True)
    idnumber = fields.String(required=True, allow_none=True)
    tags = fields.List(fields.String(), required=True)
    stem = fields.Nested(TextSchema, required=True)
    embedded = fields.Boolean(
        required=True, metadata={"description": "missing word: the stem holds `{gap}`"}
    )
    general_feedback = fields.Nested(TextSchema, required=True, allow_none=True)
    points = fields.String(required=True, validate=_DECIMAL)
    choices = fields.List(
        fields.Nested(ChoiceSchema),
        metadata={"description": "single/multiple choice, true/false (True then False)"},
    )
    answers = fields.List(fields.Nested(AnswerSchema), metadata={"description": "typed answers"})
    case_sensitive = fields.Boolean(metadata={"description": "short answer"})
    pairs = fields.List(fields.Nested(PairSchema), metadata={"description": "matching"})
    competences = fields.List(
        fields.Dict(),
        metadata={"description": "resolved competence tags: framework, competence, level"},
    )
    line = fields.Integer(metadata={"description": "read only: the source line"})
    category = fields.String(allow_none=True, metadata={"description": "read only"})

    @validates_schema
    def _items_of_type(self, data: dict, **kwargs: object) -> None:
        """The type's own list must be there, and each typed answer must carry its keys."""
        kind = str(data.get("type"))
        key = ITEMS_OF_TYPE.get(kind)  # type: ignore[call-overload]
        if key is not None and not data.get(key):
            raise ValidationError(f"a {kind} question needs {key}", key)
        errors: dict = {}
        for n, answer in enumerate(data.get("answers") or []):
            needed: tuple[str, ...] = _ANSWER_KEYS.get(str(answer.get("kind") or kind), ())
            if kind == QuestionType.NUMERIC and "kind" not in answer:
                needed = ("kind",)
            missing = [k for k in needed if k not in answer]
            if missing:
                errors[n] = {k: ["Missing data for required field."] for k in missing}
        if errors:
            raise ValidationError({"answers": errors})
