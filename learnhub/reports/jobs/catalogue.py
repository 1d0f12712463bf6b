"""The reports of the Exports page and the export jobs, the filters each takes, and how one is
prepared and written (issue 13).

- ``completions``: a row per person x module of their courses (learnhub.reports.completions);
- ``requirements`` ("assignments and overdue"): a row per requirement
  (learnhub.reports.requirements);
- ``competence_profiles``: a row per person x competence (learnhub.reports.competence_export);
- ``team_gap_summaries``: a row per team x competence, from the stored summaries (same).

A request (:class:`ExportRequest`) is what someone asked for, in the words of the form and the
API (slugs, codes, days); an export job keeps it as JSON (:meth:`ExportRequest.as_json`) and the
worker prepares it again. :func:`prepare` checks it and gives a :class:`Prepared` export:
its header, its typed records, a row estimate (a COUNT) and its audit details. A filter the
report does not take is an error naming the field, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.extensions import db
from learnhub.reports import competence_export as skills_export
from learnhub.reports.completion_filters import COMPLETION_STATUSES, resolve_completion_filters
from learnhub.reports.completions import completion_records, completions_query, header_for
from learnhub.reports.completions import csv_bytes as completions_csv
from learnhub.reports.formats import ExportFormat, excel_issue
from learnhub.reports.requirements import (
    HEADER as REQUIREMENTS_HEADER,
)
from learnhub.reports.requirements import (
    STATUSES as REQUIREMENT_STATUSES,
)
from learnhub.reports.requirements import (
    requirement_records,
    requirements_query,
    resolve_course_and_units,
    resolve_filters,
)
from learnhub.reports.requirements_sql import csv_bytes as requirements_csv
from learnhub.reports.sql_export import Tally


class Report(StrEnum):
    """The reports one can export."""

    COMPLETIONS = "completions"
    REQUIREMENTS = "requirements"
    COMPETENCE_PROFILES = "competence_profiles"
    TEAM_GAP_SUMMARIES = "team_gap_summaries"


#: what the pages call each report
TITLES = {
    Report.COMPLETIONS: "Completions",
    Report.REQUIREMENTS: "Assignments and overdue",
    Report.COMPETENCE_PROFILES: "Competence profiles",
    Report.TEAM_GAP_SUMMARIES: "Team gap summaries",
}
#: the filters each report takes besides the org unit (every report takes that one)
FILTERS = {
    Report.COMPLETIONS: {"course", "status", "date_from", "date_to", "assigned_only"},
    Report.REQUIREMENTS: {"course", "status", "include_unassigned"},
    Report.COMPETENCE_PROFILES: set(),
    Report.TEAM_GAP_SUMMARIES: set(),
}
#: the words of each filter in an error message
FILTER_NAMES = {
    "course": "A course",
    "status": "A status",
    "date_from": "A date range",
    "date_to": "A date range",
    "assigned_only": "Assigned learning only",
    "include_unassigned": "Listing people nobody assigned anything",
}


@dataclass(frozen=True)
class ExportRequest:
    """What was asked for. ``manager_id``: the subtree the caller may export (None: everyone,
    HR's or an ``exports:read`` token's); ``course`` a slug, ``org_unit`` a code (with its
    sub-units unless ``include_sub_units`` is False), ``statuses`` status values,
    ``date_from`` / ``date_to`` UTC days (inclusive), ``excel``: a CSV with a byte order mark."""

    report: Report
    format: ExportFormat = ExportFormat.CSV
    excel: bool = False
    manager_id: int | None = None
    course: str | None = None
    org_unit: str | None = None
    include_sub_units: bool = True
    statuses: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    assigned_only: bool = False
    include_unassigned: bool = False

    def as_json(self) -> dict[str, Any]:
        """The filters as an export job stores them (report, format and scope are columns)."""
        return {
            "course": self.course,
            "org_unit": self.org_unit,
            "include_sub_units": self.include_sub_units,
            "status": list(self.statuses),
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "assigned_only": self.assigned_only,
            "include_unassigned": self.include_unassigned,
        }

    @classmethod
    def from_json(
        cls, report: str, fmt: str, excel: bool, manager_id: int | None, data: dict[str, Any]
    ) -> ExportRequest:
        """The request an export job stored (:meth:`as_json`)."""
        return cls(
            report=Report(report),
            format=ExportFormat(fmt),
            excel=excel,
            manager_id=manager_id,
            course=data.get("course"),
            org_unit=data.get("org_unit"),
            include_sub_units=data.get("include_sub_units", True),
            statuses=tuple(data.get("status") or ()),
            date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
            date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
            assigned_only=bool(data.get("assigned_only")),
            include_unassigned=bool(data.get("include_unassigned")),
        )

    def given(self) -> set[str]:
        """The filters given a value (besides the org unit)."""
        values = {
            "course": self.course,
            "status": self.statuses,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "assigned_only": self.assigned_only,
            "include_unassigned": self.include_unassigned,
        }
        return {name for name, value in values.items() if value}


@dataclass
class Prepared:
    """An export ready to write: ``header``; ``records()`` yields the header then typed rows
    (learnhub.reports.formats); ``count()`` the rows it will write (an estimate for the
    requirements and team summaries: a COUNT before folding); ``audit`` the filters as
    recorded; ``filters`` the resolved filters (the completions CSV path uses them)."""

    request: ExportRequest
    header: list[str]
    records: Callable[[], Iterator[list]]
    count: Callable[[], int]
    audit: dict[str, Any]
    filters: Any = None
    title: str = field(default="")
    #: the CSV's bytes (no byte order mark) counted into a Tally, for the reports whose CSV
    #: PostgreSQL can write (learnhub.reports.sql_export); None: written from ``records()``
    csv: Callable[[Tally], Iterator[bytes]] | None = None

    @property
    def excel(self) -> bool:
        """A byte order mark is written: asked for, and the format is CSV."""
        return self.request.excel and self.request.format == ExportFormat.CSV


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _statuses_issue(request: ExportRequest, known: tuple[str, ...]) -> Issue | None:
    unknown = sorted(set(request.statuses) - set(known))
    if not unknown:
        return None
    title = TITLES[request.report].lower()
    return Issue(
        "status",
        f"{', '.join(unknown)} is not a status of {title}; choose from {', '.join(known)}",
    )


def check_filters(request: ExportRequest) -> list[Issue]:
    """The issues of ``request``'s filters that need no reading: each field the report does
    not take, a status it does not know, a date range that ends before it starts, CSV for
    Excel asked for another format (refused rather than ignored: the file would not be what
    was ticked)."""
    issues = []
    title = TITLES[request.report].lower()
    for name in sorted(request.given() - FILTERS[request.report]):
        if name == "date_to" and "date_from" in request.given():
            continue  # one message for the range
        issues.append(
            Issue(name, f"{FILTER_NAMES[name]} does not apply to {title}: leave it empty")
        )
    if "status" in FILTERS[request.report]:
        known = (
            COMPLETION_STATUSES if request.report == Report.COMPLETIONS else REQUIREMENT_STATUSES
        )
        problem = _statuses_issue(request, known)
        if problem:
            issues.append(problem)
    excel = excel_issue(request.format, request.excel)
    if excel:
        issues.append(excel)
    if request.date_from and request.date_to and request.date_to < request.date_from:
        issues.append(
            Issue("date_to", f"the end {request.date_to} is before the start {request.date_from}")
        )
    return issues


def prepare(request: ExportRequest, now: datetime) -> Prepared:
    """Check ``request`` (:func:`check_filters`), resolve its names (a course slug or an org
    unit code that names nothing: an issue naming ``course`` / ``org_unit``) and give the
    :class:`Prepared` export; ValidationFailed (422) with every issue found. ``now``: the
    instant statuses and expiries are computed at."""
    issues = check_filters(request)
    course = request.course if "course" in FILTERS[request.report] else None
    resolve_course_and_units(course, request.org_unit, request.include_sub_units, issues)
    if issues:
        raise ValidationFailed("the export's filters are not valid", issues)
    if request.report == Report.COMPLETIONS:
        return _completions(request)
    if request.report == Report.REQUIREMENTS:
        return _requirements(request, now)
    _course, units = resolve_course_and_units(
        None, request.org_unit, request.include_sub_units, issues
    )
    filters = skills_export.SkillsFilters(request.manager_id, units)
    if request.report == Report.COMPETENCE_PROFILES:
        return Prepared(
            request,
            skills_export.profile_header(filters),
            lambda: skills_export.profile_records(filters, now),
            lambda: skills_export.count_profiles(filters, now),
            filters.as_audit(),
            filters,
            "Competence profiles",
        )
    return Prepared(
        request,
        skills_export.TEAM_HEADER,
        lambda: skills_export.summary_records(filters),
        lambda: skills_export.count_summary_rows(filters),
        filters.as_audit(),
        filters,
        "Team gap summaries",
    )


def _completions(request: ExportRequest) -> Prepared:
    try:
        filters = resolve_completion_filters(
            manager_id=request.manager_id,
            course=request.course,
            org_unit=request.org_unit,
            include_sub_units=request.include_sub_units,
            statuses=request.statuses,
            completed_from=request.date_from,
            completed_to=request.date_to,
            assigned_only=request.assigned_only,
        )
    except ValidationFailed as error:  # the range's fields are named as the form names them
        names = {"completed_from": "date_from", "completed_to": "date_to"}
        issues = [replace(i, where=names.get(i.where, i.where)) for i in error.errors]
        raise ValidationFailed(error.message, issues) from None
    return Prepared(
        request,
        header_for(filters),
        lambda: completion_records(filters),
        lambda: _count(completions_query(filters)),
        filters.as_audit(),
        filters,
        "Completions",
        lambda tally: completions_csv(filters, tally),
    )


def _requirements(request: ExportRequest, now: datetime) -> Prepared:
    filters = replace(
        resolve_filters(
            course=request.course,
            org_unit=request.org_unit,
            include_sub_units=request.include_sub_units,
            statuses=request.statuses,
            include_unassigned=request.include_unassigned,
        ),
        manager_id=request.manager_id,
    )
    return Prepared(
        request,
        REQUIREMENTS_HEADER,
        lambda: requirement_records(filters, now),
        lambda: _count(requirements_query(filters, now)),
        filters.as_audit(),
        filters,
        "Required learning",
        lambda tally: requirements_csv(filters, now, tally),
    )
