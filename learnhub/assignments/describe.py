"""Assignments in a few words, for exports, the command line and pages: whom ("org unit
Benefits with sub-units") and by when ("due 30 days after hire")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select

from learnhub.assignments.models import Assignment, AssignmentPerson, AudienceKind, DueKind
from learnhub.extensions import db
from learnhub.org.models import JobRole, OrgUnit


def audience_words(
    audience: AudienceKind,
    *,
    org_unit: str | None = None,
    include_sub_units: bool = True,
    job_role: str | None = None,
    people: int = 0,
    joiners_since: date | None = None,
) -> str:
    """Whom an assignment reaches: "everyone", "org unit Benefits with sub-units", "job role
    CASE_OFF", "3 named people", "new joiners hired from 2027-01-04"."""
    if audience == AudienceKind.ORG_UNIT:
        return f"org unit {org_unit}" + (" with sub-units" if include_sub_units else " only")
    if audience == AudienceKind.JOB_ROLE:
        return f"job role {job_role}"
    if audience == AudienceKind.PEOPLE:
        return "1 named person" if people == 1 else f"{people} named people"
    if audience == AudienceKind.NEW_JOINERS:
        return f"new joiners hired from {joiners_since}" if joiners_since else "new joiners"
    return "everyone"


def due_words(due_kind: DueKind, due_date: date | None, due_days: int | None) -> str:
    """By when: "due 2027-03-31" (each person's own end of that day), "due 30 days after
    assignment", "due 30 days after hire"."""
    if due_kind == DueKind.FIXED:
        return f"due {due_date}"
    unit = "day" if due_days == 1 else "days"
    after = "hire" if due_kind == DueKind.AFTER_HIRE else "assignment"
    return f"due {due_days} {unit} after {after}"


def descriptions(
    assignment_ids: Iterable[int] | None = None, *, numbered: bool = True
) -> dict[int, str]:
    """``{assignment id: "#7 org unit Benefits with sub-units, due 30 days after hire
    (note)"}`` for the given assignments (None: every assignment, removed ones too; without
    the "#7 " when not ``numbered``), read in one query (assignments are few: hundreds, not
    one per person)."""
    people = (
        select(func.count())
        .where(AssignmentPerson.assignment_id == Assignment.id)
        .correlate(Assignment)
        .scalar_subquery()
    )
    query = (
        select(
            Assignment.id,
            Assignment.audience,
            OrgUnit.name,
            Assignment.include_sub_units,
            JobRole.code,
            people,
            Assignment.joiners_since,
            Assignment.due_kind,
            Assignment.due_date,
            Assignment.due_days,
            Assignment.note,
        )
        .outerjoin(OrgUnit, OrgUnit.id == Assignment.org_unit_id)
        .outerjoin(JobRole, JobRole.id == Assignment.job_role_id)
    )
    if assignment_ids is not None:
        query = query.where(Assignment.id.in_(list(assignment_ids)))
    found = {}
    for (
        ident,
        audience,
        unit,
        subs,
        role,
        count,
        since,
        kind,
        day,
        days,
        note,
    ) in db.session.execute(query):
        text = (
            (f"#{ident} " if numbered else "")
            + audience_words(
                audience,
                org_unit=unit,
                include_sub_units=subs,
                job_role=role,
                people=count or 0,
                joiners_since=since,
            )
            + ", "
            + due_words(kind, day, days)
        )
        found[ident] = f"{text} ({note})" if note else text
    return found
