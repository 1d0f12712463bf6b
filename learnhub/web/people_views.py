"""The People directory for HR and L&D (issue 13): ``/hr/people``, a GET form whose filters
stay in the URL (a search can be bookmarked, shared and paged), one page of 50 people a time.
Each name opens the person's page (``web.person``), where HR also sees their record."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from learnhub.auth.permissions import HR_ONLY, role_required
from learnhub.core.errors import Issue, ValidationFailed
from learnhub.reports.directory import (
    MAX_SEARCH_LENGTH,
    STATUSES,
    DirectoryFilters,
    job_roles,
    resolve_filters,
    unit_tree,
)
from learnhub.reports.directory_paging import (
    PAGE_SIZE,
    DirectoryPage,
    decode_cursor,
    directory_page,
)

blp = Blueprint("people", __name__)


#: a ``?page=`` too long to be any page: read as "past the last" (the listing clamps it)
PAGE_DIGITS = 18


def _page_number(raw: str | None) -> int:
    """``?page=`` as a number: any whole number, however large (past the last page the
    directory shows the last one: a tester's page 99999999999999999999 showed page 1);
    anything else counts as 1."""
    raw = raw or "1"
    if not (raw.isdecimal() and raw.isascii()):
        return 1
    return int(raw) if len(raw) <= PAGE_DIGITS else 10**PAGE_DIGITS


@blp.get("/hr/people")
@role_required(*HR_ONLY)
def directory() -> tuple[str, int]:
    """Search and filter everyone (active people by default), a page at a time: ``?page=N``
    from the start, or ``?cursor=`` (the Next and Previous links: keyset paging, as fast deep
    in the list as at its start). Unknown filter values (a unit removed since the link was
    made), a search over MAX_SEARCH_LENGTH characters or a cursor that is not one answer 422 with
    an error summary naming the field, and list nobody rather than everyone (no search runs)."""
    args = request.args
    units, roles = unit_tree(), job_roles()
    issues: list[Issue] = []
    filters: DirectoryFilters | None = None
    page: DirectoryPage | None = None
    try:
        filters = resolve_filters(
            search=args.get("q"),
            org_unit=args.get("org_unit"),
            include_sub_units=args.get("sub_units", "yes") != "no",
            job_role=args.get("job_role"),
            status=args.get("status"),
            overdue_only=bool(args.get("overdue")),
            units=units,
            roles=roles,
        )
        cursor = decode_cursor(args["cursor"]) if args.get("cursor") else None
    except ValidationFailed as error:
        issues = error.errors
    else:
        page = directory_page(filters, _page_number(args.get("page")), PAGE_SIZE, cursor=cursor)
    return render_template(
        "people/directory.html",
        filters=filters,
        page=page,
        issues=issues,
        args=args,
        unit_choices=units.choices(),
        unit_names=units.names,
        unit_paths=units.paths,
        role_choices=[(code, title) for _id, code, title in roles],
        statuses=STATUSES,
        # the input holds at most this, and shows a refused longer search cut to it (sent
        # again whole, it would meet gunicorn's request-line limit: a raw 414 page)
        search_max=MAX_SEARCH_LENGTH,
    ), (422 if issues else 200)
