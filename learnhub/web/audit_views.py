"""The audit log page (issue 13) for the roles that read the log through the API (HR and
platform admins, :data:`learnhub.auth.permissions.ADMINS`): filters, newest first, paged, each
event's details in words, and "Download CSV" with the same filters.

Built on :mod:`learnhub.auth.audit_log` (the API's query and CSV writer), never a copy of them.
Choices where the issue is silent:

- viewing the page is not audited (as ``GET /api/v1/audit-events`` is not): reading the log
  would otherwise fill it with its own reading; every CSV download is (``export_audit_events``
  with its filters), as the API's is;
- dates are calendar days in the viewer's own time zone, both included ("1 to 3 March" ends at
  midnight after 3 March there), turned into the API's UTC range [since, until);
- "About person" matches events about that person or anything of theirs: their record
  (``employee:<id>``: sign-ins, role changes, password sets, extra time, credentials, erasure),
  their work email (failed sign-ins), their attempts (essays marked), their evidence and their
  API tokens (:func:`learnhub.privacy.audit_about.about_person`, the subject access export's
  rule too); the CSV has the same events;
- an employee number is matched in any letter case ("e1010" finds E1010), as the People
  directory's search does; an exact match wins when two numbers differ only in case;
- an unknown person in "Done by" or "About person" is an error on that field, never an empty
  page that looks like "nothing happened".
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from werkzeug.wrappers import Response

from learnhub.auth import audit_log
from learnhub.auth.permissions import ADMINS, role_required
from learnhub.core.audit import AuditEvent
from learnhub.core.folding import fold, folded
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.time_zones import end_of_day, time_zone_of
from learnhub.privacy.audit_about import about_person
from learnhub.web.lnd_forms import AuditFilterForm

blp = Blueprint("audit_pages", __name__)

PAGE_SIZE = 50
#: the query-string names of the filters (the form's fields), kept in paging and CSV links
FILTER_NAMES = ("action", "actor", "person", "date_from", "date_to")


def find_person(key: str) -> Employee | None:
    """The employee whose employee number is ``key``, or whose work email it is, in any
    letter case (the People directory's search folds case too); leavers and erased people
    included (the log outlives them). An exact number wins over one differing in case; None
    when no one, or several people, match. At most two statements (the second, on the
    folded number, uses migration 0025's index on PostgreSQL)."""
    key = key.strip()
    exact = db.session.scalar(
        select(Employee).where(or_(Employee.employee_number == key, Employee.email == key.lower()))
    )
    if exact is not None:
        return exact
    found = db.session.scalars(
        select(Employee).where(folded(Employee.employee_number) == fold(key)).limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def _filtered(form: AuditFilterForm) -> tuple[Select | None, dict[str, Any]]:
    """The query of the form's filters and those filters as recorded in the audit event of a
    download; ``(None, …)`` when a field is wrong (its error is set)."""
    where = time_zone_of(current_user.employee)
    since = until = None
    if form.date_from.data:
        since = datetime.combine(form.date_from.data, time(0), tzinfo=where).astimezone(UTC)
    if form.date_to.data:
        until = end_of_day(form.date_to.data, where)
    # the API's check (audit_log.filter_issues): an unknown event is an error on its field, as
    # an unknown person is (a tester's "?action=bogus" showed "No events"); a known one the log
    # holds none of lists none; "To" before "From" makes a range that holds no time
    for issue in audit_log.filter_issues(form.action.data or None, since, until):
        if issue.where == "action":
            form.action.errors = [f"Event: {issue.message}; choose one from the list"]
        else:
            form.date_to.errors = ["To: the date must be the same as or after “From”"]
    people: dict[str, Employee | None] = {}
    for field in (form.actor, form.person):
        label = field.label.text.split(" (")[0]
        if field.data and "\x00" in field.data:
            # PostgreSQL text holds no NUL: the database refused it as a bare 400 page
            field.errors = [
                f"{label}: give an employee number or work email without the NUL character (%00)"
            ]
        elif field.data and field.data.strip():
            people[field.name] = found = find_person(field.data)
            if found is None:
                field.errors = [
                    f"{field.label.text.split(' (')[0]}: no one has the employee number or "
                    f"work email “{field.data.strip()}”"
                ]
    if form.action.errors or form.actor.errors or form.person.errors or form.date_to.errors:
        return None, {}
    actor, person = people.get("actor"), people.get("person")
    query = audit_log.events_query(
        form.action.data or None,
        since,
        until,
        actor_id=actor.id if actor else None,
        about=about_person(person.id, person.email) if person else None,
    )
    recorded = {
        "action": form.action.data or None,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "actor": actor.employee_number if actor else None,
        "person": person.employee_number if person else None,
    }
    return query, {k: v for k, v in recorded.items() if v is not None}


def action_words(action: str) -> str:
    """An event's name in words: "Essay marked" for ``quizzes.essay_scored``."""
    return audit_log.ACTION_WORDS.get(action) or _words(action)


def _words(key: str) -> str:
    return key.replace("_", " ").replace(".", " ").strip().capitalize()


def readable(value: object) -> str:
    """A detail's value as people read it: yes/no, lists joined, a small mapping as
    "key: value" pairs, nothing as "—". Never a JSON dump."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        shown = ", ".join(readable(v) for v in value[:20])
        return shown + (f" and {len(value) - 20} more" if len(value) > 20 else "")
    if isinstance(value, dict):
        return "; ".join(f"{_words(str(k)).lower()}: {readable(v)}" for k, v in value.items())
    return str(value)


def event_view(
    event: AuditEvent, people: dict[int, Employee], owners: dict[str, int] | None = None
) -> dict:
    """One row of the page: when, what, who did it, what it is about (a thing of someone's
    names them: "Attempt reference 13 of Evan Price (E1007)"), from where, details."""
    target, _person = audit_log.about(event, people, owners or {})
    details = event.details or {}
    return {
        "id": event.id,
        "at": event.at,
        "action": event.action,
        "action_words": action_words(event.action),
        "actor": audit_log.actor_words(event, people),
        "target": target,
        "ip": event.ip or "—",
        # details without a value (a blank filter, no module) are left out
        "details": [
            (_words(str(k)), readable(v)) for k, v in sorted(details.items()) if readable(v) != "—"
        ],
    }


def _action_choices() -> list[tuple[str, str]]:
    return sorted(
        ((a, f"{action_words(a)} ({a})") for a in audit_log.actions()), key=lambda c: c[1]
    )


@blp.get("/audit")
@role_required(*ADMINS)
def audit_page() -> tuple[str, int]:
    """The audit log, newest first, 50 events a page, with filters (not audited: reading the
    log is not an action on anyone's data; a CSV download is). Wrong filters: the page with
    their errors and no events, 422 (as the Exports page's form)."""
    form = AuditFilterForm(request.args).for_actions(_action_choices())
    filtering = any(request.args.get(n) for n in FILTER_NAMES)
    query = None
    if not filtering or form.validate():
        query, _recorded = _filtered(form)
    raw = request.args.get("page", "1")
    # any whole number; past the last page (however large) the last page is shown
    page = (int(raw) if len(raw) < 19 else 10**18) if raw.isdecimal() and raw.isascii() else 1
    events: list[dict] = []
    total = 0
    if query is not None:
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        total = db.session.scalar(counted) or 0
        page = max(1, min(page, max(1, math.ceil(total / PAGE_SIZE))))
        rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
        owners = audit_log.owners(rows)
        people = audit_log.people(rows, owners)
        events = [event_view(e, people, owners) for e in rows]
    pages = max(1, math.ceil(total / PAGE_SIZE))
    kept: dict[str, Any] = {n: request.args[n] for n in FILTER_NAMES if request.args.get(n)}
    page_html = render_template(
        "audit/log.html",
        form=form,
        events=events,
        total=total,
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE + 1,
        previous_url=url_for("audit_pages.audit_page", **kept, page=page - 1) if page > 1 else None,
        next_url=url_for("audit_pages.audit_page", **kept, page=page + 1) if page < pages else None,
        csv_url=url_for("audit_pages.audit_csv", **kept),
        zone=time_zone_of(current_user.employee),
        failed=query is None,
    )
    return page_html, 422 if query is None else 200


@blp.get("/audit.csv")
@role_required(*ADMINS)
def audit_csv() -> Response | tuple[str, int]:
    """The events the page's filters select, all of them (not one page), as the API's CSV;
    audited with the filters. Wrong filters show the page with their errors instead (422)."""
    form = AuditFilterForm(request.args).for_actions(_action_choices())
    if any(request.args.get(n) for n in FILTER_NAMES) and not form.validate():
        return audit_page()
    query, recorded = _filtered(form)
    if query is None:
        return audit_page()
    return audit_log.csv_download(query, recorded)
