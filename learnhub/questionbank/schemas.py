"""Marshmallow schemas of the question-bank API (bank summaries, file imports and their
reports). Load schemas reject unknown fields."""

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields


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
