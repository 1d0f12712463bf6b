"""Forms of the content pages (Flask-WTF: the CSRF token comes with them): the question-bank
import (a file, its bank, its format), its confirmation, and a quiz's settings.

The forms check shape only; the rules are the services' (:mod:`learnhub.questionbank.services`,
:mod:`learnhub.quizzes.quiz_settings`), whose issues land on the fields they name. Messages
say what to do, in the GOV.UK style.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, HiddenField, IntegerField, RadioField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
)

from learnhub.assignments import submit_tokens
from learnhub.core.errors import Issue
from learnhub.questionbank.services import BANK_NAME
from learnhub.quizzes.models import FEEDBACK_AFTER_FAIL, REVIEW_POLICIES
from learnhub.web.assign_forms import choices

FORMAT_CHOICES = choices(
    [
        ("auto", "Work it out from the file (.xml or <quiz> is Moodle XML, else GIFT)"),
        ("gift", "GIFT"),
        ("moodle_xml", "Moodle XML"),
    ]
)
#: LearnHub's words for each review policy and feedback level (models.ReviewPolicy's values)
REVIEW_WORDS = {
    "after_pass_or_last_attempt": "After a pass, or after the last attempt allowed",
    "after_submit": "As soon as an attempt is submitted",
    "after_pass": "Only after a pass",
    "after_last_attempt": "Only after the last attempt allowed",
    "never": "Never (score only)",
}
FEEDBACK_WORDS = {
    "none": "The score only",
    "correctness": "Which questions were right or wrong, with their points",
    "feedback": "Right or wrong, points, and the feedback on the answer given",
}


class BankImportForm(FlaskForm):
    """A GIFT or Moodle XML file for a bank (created when new)."""

    bank = StringField(
        "Question bank",
        validators=[
            DataRequired("Enter the name of the question bank"),
            Length(max=120, message="Enter a bank name of 120 characters or fewer"),
            Regexp(
                BANK_NAME.pattern + "$",
                message="Enter a bank name of letters, digits, spaces, '.', '_' or '-' "
                "(starting with a letter or digit)",
            ),
        ],
    )
    file = FileField("File", validators=[FileRequired("Choose a GIFT or Moodle XML file")])
    fmt = RadioField("Format", choices=FORMAT_CHOICES, default="auto")
    skip_invalid = BooleanField("Leave out the questions with errors and import the others")

    def add_issues(self, issues: list[Issue]) -> None:
        """Put the importer's issues on the fields: "bank" on the bank, the rest on the file."""
        for issue in issues:
            field = self.bank if issue.where == "bank" else self.file
            field.errors = [*list(field.errors or []), issue.message]


class ConfirmImportForm(FlaskForm):
    """The confirmation of a staged import: only its one-time token."""

    submit_token = HiddenField(validators=[InputRequired(), Length(max=submit_tokens.TOKEN_LENGTH)])


class WholeNumber(IntegerField):
    """A whole number whose text that is not one ("2.5", "ten") gets one message, ``invalid``,
    and no range check (a tester saw "Not a valid integer value." and the range message
    together). A blank field is left to the validators (Optional, InputRequired)."""

    def __init__(self, label: str, validators: list, *, invalid: str, **kwargs: object) -> None:
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid) from None

    def pre_validate(self, form: FlaskForm) -> None:
        if self.process_errors and self.raw_data and str(self.raw_data[0]).strip():
            raise StopValidation()


class QuizSettingsForm(FlaskForm):
    """What :func:`learnhub.quizzes.quiz_settings.update_quiz_settings` changes, in the words
    of the page: the time limit in minutes (blank: none), shuffling, the review policy, the
    feedback after a failed attempt, essay grading and the questions drawn per bank rule."""

    time_limit_minutes = WholeNumber(
        "Time limit in minutes",
        [
            Optional(),
            NumberRange(
                min=1, max=7 * 24 * 60, message="Enter a time limit from 1 to 10080 minutes"
            ),
        ],
        invalid="Enter the time limit as a whole number of minutes, like 30",
    )
    shuffle_questions = BooleanField("Shuffle the order of the questions for each attempt")
    shuffle_answers = BooleanField("Shuffle the order of the options of choice questions")
    review_policy = RadioField(
        "When may learners review their answers and the correct answers?",
        choices=choices((p, REVIEW_WORDS.get(p, p)) for p in REVIEW_POLICIES),
        validators=[InputRequired("Choose when learners may review")],
    )
    feedback_after_fail = RadioField(
        "What does a failed attempt show before the review opens?",
        choices=choices((f, FEEDBACK_WORDS.get(f, f)) for f in FEEDBACK_AFTER_FAIL),
        validators=[InputRequired("Choose what a failed attempt shows")],
    )
    essays_graded = BooleanField("A reviewer scores essays (else an answered essay scores nothing)")
    draw_counts = FieldList(
        WholeNumber(
            "Questions drawn",
            [
                InputRequired("Enter how many questions to draw"),
                NumberRange(min=1, max=100, message="Enter a number of questions from 1 to 100"),
            ],
            invalid="Enter how many questions to draw as a whole number, like 5",
        )
    )

    def add_issues(self, issues: list[Issue]) -> None:
        """Put the settings service's issues on their fields: ``draw_rules[n]`` on the n-th
        count (from 1), anything else on the time limit (the form's first field)."""
        for issue in issues:
            field = self.time_limit_minutes
            if issue.where.startswith("draw_rules["):
                n = int(issue.where.removeprefix("draw_rules[").rstrip("]")) - 1
                if 0 <= n < len(self.draw_counts.entries):
                    field = self.draw_counts.entries[n]
            field.errors = [*list(field.errors or []), issue.message]

    def all_fields(self) -> list:
        """The fields in page order, for the error summary."""
        return [
            self.time_limit_minutes,
            *self.draw_counts.entries,
            self.review_policy,
            self.feedback_after_fail,
        ]


class RegradeForm(FlaskForm):
    """The confirmation of a regrade: its one-time token."""

    submit_token = HiddenField(validators=[InputRequired(), Length(max=submit_tokens.TOKEN_LENGTH)])
