"""Forms of the required-learning pages (Flask-WTF: the CSRF token comes with them): HR's
assignment form, the change of a due date, and a manager's assignment to their own team.

The forms check shape only (a number is a number); the rules (a course that exists, a date
not in the past, people inside the manager's team) are the service's, whose errors
(:class:`learnhub.core.errors.Issue`, by the service's field name) land on the form's fields
through :data:`FIELD_OF`. Messages say what to do, in the GOV.UK style.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length as TextLength
from wtforms.validators import NumberRange, Optional

from learnhub.assignments.models import AudienceKind, DueKind
from learnhub.assignments.people_keys import split_keys
from learnhub.assignments.services import MAX_DAYS
from learnhub.core.errors import Issue


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """WTForms choices from ``(value, label)`` pairs (values as the form sends them)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def label_of(field: SelectField | RadioField, value: object) -> str:
    """The label of ``field``'s choice whose value is ``value`` ("" if none)."""
    return next((c.label for c in field.choices or [] if c.value == str(value)), "")


AUDIENCES = choices(
    [
        (AudienceKind.EVERYONE.value, "Everyone"),
        (AudienceKind.ORG_UNIT.value, "An org unit"),
        (AudienceKind.JOB_ROLE.value, "A job role"),
        (AudienceKind.PEOPLE.value, "Named people"),
        (AudienceKind.NEW_JOINERS.value, "New joiners"),
    ]
)
DUE_KINDS = choices(
    [
        (DueKind.FIXED.value, "By a fixed date"),
        (DueKind.AFTER_ASSIGNMENT.value, "A number of days after it reaches each person"),
        (DueKind.AFTER_HIRE.value, "A number of days after each person's hire date"),
    ]
)
DAYS = NumberRange(min=0, max=MAX_DAYS, message=f"Enter a number of days from 0 to {MAX_DAYS}")
DATE_MESSAGE = "Enter a date, for example 31 March 2027"


def _id_or_none(value: object) -> int | None:
    """A select's value: an id, or None for the empty choice."""
    if value in ("", None):
        return None
    return int(str(value))


class _Date(DateField):
    """A date field whose error says what to type."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None


class _Days(IntegerField):
    """A whole number of days; its error says what to type."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the number of days as a whole number, like 30") from None


class _Choice(SelectField):
    """A select of ids whose tampered value ("abc") is an error naming the field ("Course:
    choose one from the list"), not WTForms' "Invalid Choice: could not coerce." (a tester's
    finding); ``choose`` says what to choose ("a course")."""

    def __init__(self, label: str, choose: str, **kwargs: object) -> None:
        super().__init__(label, coerce=_id_or_none, validate_choice=False, **kwargs)
        self.choose = choose

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text}: choose {self.choose} from the list") from None


class _Choices(SelectMultipleField):
    """A multiple select of ids whose tampered values are an error naming the field."""

    def __init__(self, label: str, choose: str, **kwargs: object) -> None:
        super().__init__(label, coerce=int, validate_choice=False, **kwargs)
        self.choose = choose
        # the preview sends a multiple select back as one hidden input per value, by this type
        # (assignments/preview.html); the class's own name would send "[...]" in one input
        self.type = "SelectMultipleField"

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data: list[int] = []
            raise ValueError(f"{self.label.text}: choose {self.choose} from the list") from None


#: the service's field names (Issue.where) -> the form's
FIELD_OF = {
    "course_id": "course",
    "module_ids": "modules",
    "org_unit_id": "org_unit",
    "job_role_id": "job_role",
    "employee_ids": "people",
    "employee_numbers": "people",
    "people": "people",
    "due_date": "due_date",
    "due_days": "due_days",
    "renewal_window_days": "renewal_window_days",
    "joiners_since": "joiners_since",
    "note": "note",
}


class _LearningFields(FlaskForm):
    """What to assign and by when (HR's and managers' forms)."""

    course = _Choice("Course", "a course")
    modules = _Choices("Modules", "modules of the course")
    due_kind = RadioField(
        "When is it due?",
        choices=DUE_KINDS,
        default=DueKind.AFTER_ASSIGNMENT.value,
        validate_choice=True,
    )
    due_date = _Date("Due date", validators=[Optional()], format="%Y-%m-%d")
    due_days = _Days("Number of days", validators=[Optional(), DAYS], default=30)
    # one form, one assignment: a double-clicked "Assign" sends it twice
    # (learnhub.assignments.submit_tokens); absent in a form built before it existed
    submit_token = HiddenField(validators=[Optional(), TextLength(max=64)])

    def add_issues(self, issues: list[Issue], fallback: str = "course") -> None:
        """Put the service's ``issues`` on the fields they name (unknown names: ``fallback``)."""
        for issue in issues:
            name = FIELD_OF.get(issue.where.removeprefix("json."), fallback)
            field = getattr(self, name, None) or getattr(self, fallback)
            if not isinstance(field.errors, list):
                field.errors = list(field.errors or [])
            field.errors.append(_sentence(issue.message))

    def due_problems(self) -> bool:
        """Flag a missing date or number for the kind of due date chosen; True if any."""
        if self.due_kind.data == DueKind.FIXED.value and self.due_date.data is None:
            if not self.due_date.errors:
                self.due_date.errors = [DATE_MESSAGE]
            return True
        if self.due_kind.data != DueKind.FIXED.value and self.due_days.data is None:
            if not self.due_days.errors:
                self.due_days.errors = ["Enter a number of days"]
            return True
        return False


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


class AssignmentForm(_LearningFields):
    """HR's new assignment: any audience, any kind of due date, a renewal window, a note."""

    audience = RadioField("Who must do it?", choices=AUDIENCES, default=AudienceKind.EVERYONE.value)
    org_unit = _Choice("Org unit", "an org unit")
    include_sub_units = BooleanField("Include its sub-units", default=True)
    job_role = _Choice("Job role", "a job role")
    people = TextAreaField("Employee numbers or work emails", validators=[TextLength(max=50_000)])
    joiners_since = _Date("Hired on or after", validators=[Optional()], format="%Y-%m-%d")
    renewal_window_days = _Days(
        "Renewal window (days before a completion expires)",
        validators=[Optional(), DAYS],
        default=30,
    )
    note = TextAreaField(
        "Note (optional)",
        validators=[TextLength(max=500, message="Use 500 characters or fewer")],
    )

    def people_keys(self) -> list[str]:
        """The employee numbers or emails typed, separated by commas, semicolons, spaces or
        new lines (:func:`learnhub.assignments.people_keys.split_keys`)."""
        return split_keys(self.people.data or "")


class TeamAssignmentForm(_LearningFields):
    """A manager's assignment to chosen people of their own team (never beyond it)."""

    people = SelectMultipleField("People", coerce=str, validate_choice=False)


class ChangeDueForm(FlaskForm):
    """A new due date (fixed assignments) or number of days (relative ones), and the renewal
    window."""

    due_date = _Date("New due date", validators=[Optional()], format="%Y-%m-%d")
    due_days = _Days("New number of days", validators=[Optional(), DAYS])
    renewal_window_days = _Days(
        "Renewal window (days before a completion expires)", validators=[Optional(), DAYS]
    )
