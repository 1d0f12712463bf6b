"""Forms of the HR import pages (Flask-WTF: the CSRF token comes with them): the upload, the
confirmation, and a saved import profile.

The forms check shape (a file was chosen, it is not larger than the upload limit, a name has
the profile name's form); the import's rules (columns, rows, encodings, the work limits of
:class:`learnhub.org.hr_import.tables.Limits`) are the import's, whose errors the preview lists
by row.
"""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DecimalField, Field, RadioField, SelectField, StringField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from learnhub.org.hr_import import FIELDS, REQUIRED
from learnhub.org.hr_import.mapping import FIELD_WORDS, shared_headers
from learnhub.org.models import ImportMode
from learnhub.org.profiles import NAME_RE
from learnhub.web.assign_forms import choices

#: what the page calls each field of an HR file: the words the import's messages use
#: (:data:`learnhub.org.hr_import.mapping.FIELD_WORDS`), two with the form's hint
FIELD_LABELS = FIELD_WORDS | {
    "department": "Org unit (department)",
    "hire_date": "Hire date (YYYY-MM-DD)",
}
NAME_MESSAGE = (
    "Enter a name of lower-case letters, digits, '_', '.' or '-', starting with a letter or "
    "digit (at most 60)"
)


def _not_too_large(_form: FlaskForm, field: Field) -> None:
    """The file's size against the upload limit (MAX_CONTENT_LENGTH; a larger request is
    refused with 413 before it is read)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    data = field.data
    if limit and data is not None and hasattr(data, "stream"):
        stream = data.stream
        position = stream.tell()
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(position)
        if size > limit:
            raise ValidationError(f"The file must be smaller than {limit // 2**20} MB")


class UploadForm(FlaskForm):
    """An HR file and how to read it: a saved profile (or the source and the preset the
    header shows), the sync mode, the encoding, the mass-leavers limit."""

    file = FileField(
        "HR file",
        validators=[
            FileRequired("Choose the HR file (CSV or XLSX)"),
            FileAllowed(["csv", "txt", "xlsx", "xlsm"], "Choose a CSV or XLSX file"),
            _not_too_large,
        ],
    )
    profile = SelectField(
        "Import profile",
        validate_choice=True,
        invalid_choice_message="Import profile: choose one of the saved profiles, or none",
    )
    source = StringField(
        "Source",
        default="hr",
        validators=[Optional(), Regexp(NAME_RE, message=NAME_MESSAGE)],
    )
    mode = RadioField(
        "Which people change?",
        choices=choices(
            [
                ("", "As the profile says (only the people in the file without a profile)"),
                (ImportMode.DELTA.value, "Only the people in the file (delta)"),
                (
                    ImportMode.FULL.value,
                    "Full sync: people of this source missing from the file become leavers",
                ),
            ]
        ),
        default="",
        # a post without the radio named no field (tester's finding F21, issue 13)
        invalid_choice_message="Import mode: choose which people change (as the profile says, "
        "only the people in the file, or a full sync)",
    )
    encoding = StringField(
        "Encoding (optional)",
        validators=[Optional(), Length(max=40, message="Use 40 characters or fewer")],
    )
    max_leavers = DecimalField(
        "Most leavers allowed in a full sync (percent of the source's people)",
        default=20,
        places=None,
        validators=[
            InputRequired("Enter a percentage from 0 to 100"),
            NumberRange(min=0, max=100, message="Enter a percentage from 0 to 100"),
        ],
    )

    def fields_in_order(self) -> list[Field]:
        return [self.file, self.profile, self.source, self.mode, self.encoding, self.max_leavers]


class ProfileForm(FlaskForm):
    """A new (or replaced) import profile: name, description, mode, encoding, and the column
    header of each field (the required ones must be given)."""

    name = StringField(
        "Profile name",
        validators=[InputRequired(NAME_MESSAGE), Regexp(NAME_RE, message=NAME_MESSAGE)],
    )
    description = StringField(
        "Description (optional)",
        validators=[Optional(), Length(max=255, message="Use 255 characters or fewer")],
    )
    mode = RadioField(
        "Sync mode",
        choices=choices(
            [
                (ImportMode.DELTA.value, "Only the people in the file (delta)"),
                (ImportMode.FULL.value, "Full sync: people missing from the file become leavers"),
            ]
        ),
        default=ImportMode.DELTA.value,
        invalid_choice_message="Sync mode: choose only the people in the file (delta) or a "
        "full sync",
    )
    encoding = StringField(
        "Encoding of the source's CSV files (optional)",
        validators=[Optional(), Length(max=40, message="Use 40 characters or fewer")],
    )

    def validate(self, extra_validators: dict | None = None) -> bool:
        """The fields' own checks, then one header given for several fields: refused on each
        of those fields, naming the header and the fields (the service refuses it too)."""
        ok = super().validate(extra_validators)
        given = {fld: field.data.strip() for fld, field in column_fields(self) if field.data}
        for fld, field in column_fields(self):
            header = given.get(fld)
            sharing = [f for f in FIELDS if header and given.get(f) == header]
            if len(sharing) > 1:
                message = shared_headers({f: given[f] for f in sharing})[0]
                field.errors = [*field.errors, message[:1].upper() + message[1:]]
                ok = False
        return ok


def _column_field(fld: str) -> StringField:
    message = f"Enter the column header that holds the {FIELD_LABELS[fld].lower()}"
    required = [InputRequired(message)] if fld in REQUIRED else [Optional()]
    return StringField(
        FIELD_LABELS[fld],
        validators=[*required, Length(max=200, message="Use 200 characters or fewer")],
    )


# one text field per field of an HR file, named column_<field>
for _fld in FIELDS:
    setattr(ProfileForm, f"column_{_fld}", _column_field(_fld))


def column_fields(form: ProfileForm) -> list[tuple[str, Field]]:
    """(field name, its form field) in FIELDS order."""
    return [(fld, getattr(form, f"column_{fld}")) for fld in FIELDS]
