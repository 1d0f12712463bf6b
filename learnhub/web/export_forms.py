"""The Exports page's form (Flask-WTF: the CSRF token comes with it).

It checks shape only (a date is a date, a choice is offered); the report's own rules (a filter
it does not take, a course or org unit that names nothing, a range that ends before it
starts) are :func:`learnhub.reports.jobs.catalogue.prepare`'s, whose issues land on the
fields by name (:meth:`ExportForm.add_issues`). Messages say what to do (GOV.UK style).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, Optional

from learnhub.core.errors import Issue
from learnhub.reports.formats import ExportFormat
from learnhub.reports.jobs.catalogue import TITLES, ExportRequest, Report
from learnhub.reports.requirements import STATUS_LABELS
from learnhub.web.assign_forms import _Date, choices

REPORTS = choices((r.value, TITLES[r]) for r in Report)
FORMATS = choices(
    [
        (ExportFormat.CSV.value, "CSV"),
        (ExportFormat.XLSX.value, "Excel workbook (XLSX)"),
        (ExportFormat.JSONL.value, "JSON Lines (for programs)"),
    ]
)
#: every status a filter may ask for: a module's (completions) and a requirement's
STATUSES = choices(STATUS_LABELS.items())


class ExportForm(FlaskForm):
    """Report, filters and format of an export. ``org_unit`` and ``course`` choices are set by
    the view (a manager is offered the units of their own subtree)."""

    report = RadioField(
        "Report", choices=REPORTS, default=Report.COMPLETIONS.value,
        validators=[InputRequired(message="Choose a report")],
    )  # fmt: skip
    org_unit = SelectField("Org unit", choices=[], validate_choice=False)
    include_sub_units = BooleanField("Include its sub-units", default=True)
    course = SelectField("Course", choices=[], validate_choice=False)
    status = SelectMultipleField("Status", choices=STATUSES, validate_choice=False)
    date_from = _Date("Completed on or after", validators=[Optional()])
    date_to = _Date("Completed on or before", validators=[Optional()])
    assigned_only = BooleanField("Assigned learning only")
    include_unassigned = BooleanField("Also list people nobody assigned anything")
    format = RadioField(
        "Format", choices=FORMATS, default=ExportFormat.CSV.value, validators=[Optional()]
    )  # fmt: skip
    excel = BooleanField("CSV for Excel")

    def fields_in_order(self) -> list:
        """The fields as the page shows them (for the error summary)."""
        return [
            self.report,
            self.org_unit,
            self.course,
            self.status,
            self.date_from,
            self.date_to,
            self.assigned_only,
            self.include_unassigned,
            self.format,
            self.excel,
        ]

    def export_request(self, manager_id: int | None) -> ExportRequest:
        """The :class:`ExportRequest` the form asks for, scoped to ``manager_id``."""
        return ExportRequest(
            report=Report(self.report.data),
            format=ExportFormat(self.format.data or ExportFormat.CSV.value),
            excel=bool(self.excel.data),
            manager_id=manager_id,
            course=self.course.data or None,
            org_unit=self.org_unit.data or None,
            include_sub_units=bool(self.include_sub_units.data),
            statuses=tuple(self.status.data or ()),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            assigned_only=bool(self.assigned_only.data),
            include_unassigned=bool(self.include_unassigned.data),
        )

    def add_issues(self, issues: list[Issue]) -> None:
        """Put each issue on the field it names (the report's field otherwise)."""
        for issue in issues:
            field = getattr(self, issue.where, None) if issue.where else None
            target = field if field is not None and hasattr(field, "errors") else self.report
            if not isinstance(target.errors, list):
                target.errors = list(target.errors)
            message = issue.message[:1].upper() + issue.message[1:]
            target.errors.append(message)
