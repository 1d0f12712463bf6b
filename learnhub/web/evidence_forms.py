"""Forms of the evidence pages (Flask-WTF: the CSRF token comes with them): a manager's (or
HR's) validation of a level, HR's recognised prior learning, and a withdrawal with its reason.

The forms check shape only; the rules (a level of the framework's scale, a person inside the
manager's team, dates that make sense) are :mod:`learnhub.skills.recorded`'s, whose issues
land on the fields of the same names (:meth:`_EvidenceForm.add_issues`).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional
from wtforms.validators import Length as TextLength

from learnhub.core.errors import Issue
from learnhub.skills.models import Framework
from learnhub.skills.recorded import NOTE_MAX, REASON_MAX, REFERENCE_MAX
from learnhub.skills.services import competences_by_code
from learnhub.web.assign_forms import choices

DATE_MESSAGE = "Enter a date, for example 31 March 2027"


def one_break(text: str | None) -> str | None:
    """``text`` with each CRLF line break as one LF: a browser sends a line break as two
    characters but counts it as one against a textarea's ``maxlength`` (HTML: the "API value"
    normalises to LF), so a note the browser let through must pass the same limit here."""
    return text.replace("\r\n", "\n") if text else text


class _Date(DateField):
    """A date field whose error says what to type."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None


class _EvidenceForm(FlaskForm):
    """A competence of one framework and a level of its scale."""

    framework = HiddenField()
    competence = SelectField(
        "Competence", validate_choice=False, validators=[DataRequired("Choose a competence")]
    )
    level = RadioField("Level", validate_choice=False, validators=[DataRequired("Choose a level")])

    def for_framework(self, framework: Framework) -> _EvidenceForm:
        """Fill the choices from ``framework`` (its competences by code, its levels)."""
        codes = competences_by_code(framework.id)
        ordered = sorted(codes.values(), key=lambda c: [int(p) for p in c.code.split(".")])
        self.framework.data = framework.slug
        self.competence.choices = choices(
            [("", "Choose a competence")] + [(c.code, f"{c.code} {c.name}") for c in ordered]
        )
        self.level.choices = choices(
            (lvl.number, f"{lvl.number} {lvl.name}") for lvl in framework.levels
        )
        return self

    def add_issues(self, issues: list[Issue], fallback: str = "competence") -> None:
        """Put the service's ``issues`` on the fields they name (others: ``fallback``)."""
        for issue in issues:
            field = getattr(self, issue.where.removeprefix("json."), None)
            if field is None or issue.where == "framework":
                field = getattr(self, fallback)
            field.errors = [*list(field.errors or []), issue.message]


class ValidateForm(_EvidenceForm):
    note = TextAreaField(
        "Note (optional)",
        filters=[one_break],
        validators=[TextLength(max=NOTE_MAX, message=f"Use {NOTE_MAX} characters or fewer")],
    )


class PriorLearningForm(_EvidenceForm):
    reference = StringField(
        "Certificate or course",
        validators=[
            DataRequired("Enter the certificate or course name"),
            TextLength(max=REFERENCE_MAX, message=f"Use {REFERENCE_MAX} characters or fewer"),
        ],
    )
    achieved_on = _Date("Date achieved", validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    expires_on = _Date("Expiry date (optional)", validators=[Optional()], format="%Y-%m-%d")


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why is it withdrawn?",
        filters=[one_break],
        validators=[
            DataRequired("Enter why it is withdrawn"),
            TextLength(max=REASON_MAX, message=f"Use {REASON_MAX} characters or fewer"),
        ],
    )
