"""Forms of the L&D pages (issue 13): the audit log's filters, an essay review's points, and a
person's extra time in timed quizzes.

The forms check shape (a date is a date, points are a number with the engine's precision);
the rules stay the services' (:mod:`learnhub.quizzes.essay_review`,
:mod:`learnhub.quizzes.timing`), whose errors the views put back on these fields. Messages
say what to do, in the GOV.UK style, and name the field.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length as TextLength
from wtforms.validators import NumberRange, Optional, StopValidation

from learnhub.quizzes.timing import MAX_EXTRA_PERCENT, REASON_MAX
from learnhub.web.assign_forms import choices

DATE_MESSAGE = "Enter a date, for example 31 March 2027"
#: decimal places a reviewer's points may have: ``Response.points`` is NUMERIC(14, 7)
POINTS_PLACES = 7
#: the longest review comment kept (characters)
COMMENT_MAX = 5000


class _Date(DateField):
    """A date field whose error says what to type and which date it is."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            # only the first word is lowered: "enter a date, for example 31 March 2027"
            message = DATE_MESSAGE[:1].lower() + DATE_MESSAGE[1:]
            raise ValueError(f"{self.label.text}: {message}") from None
        # year 1 or 9999 overflows once turned into the viewer's zone (a tester's 400)
        day = getattr(self, "data", None)
        if isinstance(day, date) and not 1900 <= day.year <= 2999:
            self.data = None
            raise ValueError(f"{self.label.text}: give a year from 1900 to 2999")


class AuditFilterForm(FlaskForm):
    """The audit log's filters, sent by GET (bookmarkable; no CSRF token: it changes
    nothing). Dates are calendar days in the viewer's time zone, both included."""

    class Meta:
        csrf = False

    action = SelectField("Event", validate_choice=False, default="")
    actor = StringField("Done by (employee number or work email)", validators=[TextLength(max=254)])
    person = StringField(
        "About person (employee number or work email)", validators=[TextLength(max=254)]
    )
    date_from = _Date("From", validators=[Optional()], format="%Y-%m-%d")
    date_to = _Date("To", validators=[Optional()], format="%Y-%m-%d")

    def for_actions(self, actions: list[tuple[str, str]]) -> AuditFilterForm:
        """``actions``: (stored name, words) of the events the log holds."""
        self.action.choices = choices([("", "Every event"), *actions])
        return self

    # "To" before "From" is refused by the API's check too (audit_log.filter_issues, applied
    # by learnhub.web.audit_views on the range the dates make)

    @property
    def all_fields(self) -> list:
        return [self.action, self.actor, self.person, self.date_from, self.date_to]


#: a reviewer's points as typed: digits, then maybe a decimal point (or comma) and digits;
#: no sign, exponent ("1e-1"), underscore ("1_0"), "inf" or "nan" (Decimal takes them all),
#: as the API's ``EssayScoreArgs`` (learnhub.quizzes.admin_schemas)
PLAIN_DECIMAL = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


def parse_points(text: str, maximum: Decimal, what: str) -> tuple[Decimal | None, str | None]:
    """A reviewer's points typed as ``text`` ("1.5", "1,5", "2"; spaces around are ignored):
    ``(points, None)`` or ``(None, message)``. ``maximum``: the question's points; ``what``
    names the field in the message ("Points for question 2"). Only plain decimals, with at
    most POINTS_PLACES decimals (what the engine stores), within 0..maximum
    (essay_review.score_essays checks the range again)."""
    value = text.strip()
    top = format(maximum.normalize(), "f")
    if not value:
        return None, f"{what}: enter the points, from 0 to {top}"
    if value.startswith("-") and PLAIN_DECIMAL.fullmatch(value[1:]):
        return None, f"{what} must be from 0 to {top}"
    if not PLAIN_DECIMAL.fullmatch(value):
        return None, f"{what}: enter a plain number, like 1 or 0.5"
    points = Decimal(value.replace(",", "."))
    decimals = value.replace(",", ".").partition(".")[2]
    if len(decimals.rstrip("0")) > POINTS_PLACES:
        return None, f"{what}: use at most {POINTS_PLACES} decimal places"
    if not 0 <= points <= maximum:
        return None, f"{what} must be from 0 to {top}"
    return points, None


class ReviewForm(FlaskForm):
    """The CSRF token of the review form; its points and comments are one pair of fields per
    essay (``points-<question id>``, ``comment-<question id>``), read by the view."""


class _Percent(IntegerField):
    """A whole percentage; its error says what to type."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                f"Extra time (percent): enter a whole number from 1 to {MAX_EXTRA_PERCENT}, like 25"
            ) from None

    def pre_validate(self, form: FlaskForm) -> None:
        """Text that is not a whole number ("12.5") has its one message already: the range
        check would add a second one for the same field."""
        if self.process_errors:
            raise StopValidation()


ADJUSTMENT_KINDS = choices(
    [
        ("none", "No extra time"),
        ("extra", "Extra time: a percentage added to every time limit"),
        ("unlimited", "No time limit at all"),
    ]
)


class ExtraTimeForm(FlaskForm):
    """HR's extra time for one person: none, a percentage (0..900: WCAG 2.2.1 asks for at
    least ten times the default), or no limit; and why."""

    kind = RadioField("Extra time in timed quizzes", choices=ADJUSTMENT_KINDS, default="none")
    extra_percent = _Percent(
        "Extra time (percent)",
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_EXTRA_PERCENT,
                message=f"Extra time (percent) must be a whole number from 1 to "
                f"{MAX_EXTRA_PERCENT}",
            ),
        ],
    )
    reason = TextAreaField(
        "Reason (optional)",
        validators=[
            TextLength(max=REASON_MAX, message=f"Reason: use {REASON_MAX} characters or fewer")
        ],
    )

    def validate(self, extra_validators: dict | None = None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data != "extra":
            # the percentage counts only for the "Extra time" choice: "No extra time" or "No
            # time limit at all" with it empty (or anything in it) is not refused on it (a
            # tester's finding); the view stores 0 for either
            self.extra_percent.errors = []
            return not any(field.errors for field in self)
        if self.extra_percent.data is None:
            if not self.extra_percent.errors:
                self.extra_percent.errors = [
                    f"Extra time (percent): enter a whole number from 1 to {MAX_EXTRA_PERCENT}"
                ]
            return False
        return ok

    @property
    def all_fields(self) -> list:
        return [self.kind, self.extra_percent, self.reason]
