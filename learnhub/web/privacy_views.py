"""HR's pages of personal data on request (issue 15; :mod:`learnhub.privacy`):

- ``/privacy/requests``: the subject access requests (newest first, with their state and a
  download while ready) and three forms: ask for a person's export, erase a leaver (confirmed
  by typing their employee number again) and set or lift a legal hold;
- ``/privacy/requests/<id>/file``: the ZIP (each download audited);
- on a person's page, HR sees that person's requests and can ask for an export
  (``privacy/_person.html``, fed by the template global :func:`privacy_requests_for`).

The services check the rules (a reason, a leaver, no legal hold); their refusals come back
as messages on the fields (GOV.UK pattern: an error summary, each message by its field).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from learnhub.auth.permissions import HR_ONLY, role_required
from learnhub.core.errors import DomainError
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.privacy import erasure, subject_access
from learnhub.privacy.models import SubjectAccessRequest
from learnhub.web.assign_forms import choices

blp = Blueprint("privacy_pages", __name__)

_NUMBER = [DataRequired("Enter the employee number"), Length(max=60)]
_REASON = [
    DataRequired("Enter the reason"),
    Length(max=500, message="Use 500 characters or fewer"),
]


class ExportForm(FlaskForm):
    """Ask for a person's subject access export."""

    employee_number = StringField("Employee number", validators=_NUMBER)
    reason = TextAreaField("Reason", validators=_REASON)


class ErasureForm(FlaskForm):
    """Erase a leaver; ``confirm`` repeats the employee number (nothing is undone after)."""

    employee_number = StringField("Employee number", validators=_NUMBER)
    reason = TextAreaField("Reason", validators=_REASON)
    confirm = StringField(
        "Type the employee number again to confirm", validators=[DataRequired("Confirm it")]
    )

    def validate_confirm(self, field: StringField) -> None:
        if (field.data or "").strip() != (self.employee_number.data or "").strip():
            raise ValidationError("The employee numbers do not match: nothing was erased")


class HoldForm(FlaskForm):
    """Set or lift a legal hold."""

    employee_number = StringField("Employee number", validators=_NUMBER)
    action = RadioField(
        "Legal hold",
        choices=choices([("set", "Set a legal hold"), ("lift", "Lift the legal hold")]),
        validators=[DataRequired("Choose to set or lift the hold")],
    )
    reason = TextAreaField("Reason", validators=_REASON)


def _forms(**given: FlaskForm) -> dict[str, FlaskForm]:
    """The page's three forms (the posted one as given, with its errors; the others empty)."""
    return {
        "export_form": given.get("export_form") or ExportForm(prefix="export", formdata=None),
        "erase_form": given.get("erase_form") or ErasureForm(prefix="erase", formdata=None),
        "hold_form": given.get("hold_form") or HoldForm(prefix="hold", formdata=None),
    }


def _page(status: int = 200, **given: FlaskForm) -> tuple[str, int]:
    posted = next(iter(given.values()), None)
    return (
        render_template(
            "privacy/requests.html",
            requests=subject_access.recent_requests(),
            posted=posted,
            **_forms(**given),
        ),
        status,
    )


def _refused(form: FlaskForm, error: DomainError) -> None:
    """A service's refusal as a message on the form's employee number."""
    end_after_error(error)
    field = form.employee_number
    field.errors = [*list(field.errors or []), error.message]


@blp.get("/privacy/requests")
@role_required(*HR_ONLY)
def requests_page() -> tuple[str, int]:
    """Subject access requests, and the forms to ask for one, erase a leaver or hold."""
    return _page()


@blp.post("/privacy/requests")
@role_required(*HR_ONLY)
def ask_export() -> tuple[str, int] | Response:
    """Ask for a person's export (a background job makes the ZIP)."""
    form = ExportForm(prefix="export")
    if form.validate():
        try:
            person = erasure.find_person(form.employee_number.data.strip())
            row = subject_access.request_export(
                person, form.reason.data or "", actor_id=current_user.employee_id
            )
        except DomainError as error:
            _refused(form, error)
        else:
            flash(
                f"Asked for {person.full_name}'s data (request {row.id}). The file is ready "
                "below in a moment; reload this page to see it.",
                "info",
            )
            return redirect(url_for("privacy_pages.requests_page") + "#requests")
    return _page(422, export_form=form)


@blp.post("/privacy/erasures")
@role_required(*HR_ONLY)
def erase() -> tuple[str, int] | Response:
    """Erase a leaver's personal data after the confirmation (refusals say why)."""
    form = ErasureForm(prefix="erase")
    if form.validate():
        try:
            person = erasure.find_person(form.employee_number.data.strip())
            erasure.erase_person(person, form.reason.data or "", actor_id=current_user.employee_id)
        except DomainError as error:
            _refused(form, error)
        else:
            flash(
                f"Erased: {form.employee_number.data.strip()} is now {person.employee_number}. "
                "Their figures stay without their name; the erasure is in the audit log.",
                "info",
            )
            return redirect(url_for("privacy_pages.requests_page"))
    return _page(422, erase_form=form)


@blp.post("/privacy/legal-holds")
@role_required(*HR_ONLY)
def hold() -> tuple[str, int] | Response:
    """Set or lift a legal hold (audited with the reason)."""
    form = HoldForm(prefix="hold")
    if form.validate():
        on = form.action.data == "set"
        try:
            person = erasure.find_person(form.employee_number.data.strip())
            erasure.set_legal_hold(
                person, on, form.reason.data or "", actor_id=current_user.employee_id
            )
        except DomainError as error:
            _refused(form, error)
        else:
            flash(
                f"Legal hold {'set on' if on else 'lifted from'} {person.employee_number}.",
                "info",
            )
            return redirect(url_for("privacy_pages.requests_page"))
    return _page(422, hold_form=form)


@blp.get("/privacy/requests/<int:request_id>/file")
@role_required(*HR_ONLY)
def download(request_id: int) -> Response:
    """The ZIP of a ready request (audited); 409 while not ready or after it expired."""
    row = subject_access.get_request(request_id)
    return subject_access.file_response(row, subject_access.record_download(row))


@blp.app_template_global()
def privacy_requests_for(employee_number: str) -> list[SubjectAccessRequest]:
    """The subject access requests about the person (the person page's HR section)."""
    person_id = db.session.scalar(
        db.select(Employee.id).where(Employee.employee_number == employee_number)
    )
    return subject_access.requests_of(person_id) if person_id is not None else []


@blp.app_template_global()
def privacy_export_form(employee_number: str) -> ExportForm:
    """An empty export form for the person (the person page's HR section)."""
    form = ExportForm(prefix="export", formdata=None)
    form.employee_number.data = employee_number
    return form
