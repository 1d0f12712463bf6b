"""Pages of the People directory (learnhub.reports.directory's filters): the count and one
page of people, by OFFSET from the start (``?page=``) or by keyset from an opaque cursor
(``?cursor=``, the "Next" and "Previous" links), which walks the name index from the page's
boundary row however deep the page: bench/people_directory.py measures page 1,000 both ways.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Subquery, func, literal, select, tuple_
from sqlalchemy.orm import aliased

from learnhub.assignments.models import Requirement
from learnhub.core.errors import Issue, ValidationFailed
from learnhub.core.folding import folded
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole
from learnhub.reports.directory import DirectoryFilters, _filtered, late_condition

#: people per page of the directory (the API caps ?page_size at MAX_PAGE_SIZE)
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
#: the most a cursor may hold (three keys of a page's boundary row, JSON)
MAX_CURSOR_BYTES = 4096


@dataclass(frozen=True)
class DirectoryRow:
    """One person of a directory page. ``overdue``: their late requirements (see the module's
    docstring); ``left_at``: when a full HR sync found them missing (None while active, and
    for leavers made by hand)."""

    employee_number: str
    name: str
    email: str
    org_unit_id: int | None
    job_role_code: str | None
    job_role_title: str | None
    job_title: str | None
    manager_number: str | None
    manager_name: str | None
    active: bool
    left_at: datetime | None
    overdue: int


@dataclass(frozen=True)
class DirectoryPage:
    """``rows`` of page ``page`` (from 1) of ``total`` people, ``page_size`` a page.
    ``next_cursor`` / ``previous_cursor``: opaque cursors (:func:`encode_cursor`) of the pages
    after and before this one, None where there is none."""

    rows: list[DirectoryRow]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = None
    previous_cursor: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page starts: the sort key (folded last name, folded first name,
    employee number) of the row just before it (``backward`` False: the rows after the key)
    or just after it (``backward``: the rows before the key, the "Previous" page), and the
    number of the page it leads to (what the page says: "page 7 of 2,000")."""

    key: tuple[str, str, str]
    backward: bool
    page: int


def encode_cursor(cursor: Cursor) -> str:
    """``cursor`` as URL-safe text (base64 of a JSON list, unpadded): opaque to clients, who
    pass it back as it is."""
    data = [1 if cursor.backward else 0, cursor.page, *cursor.key]
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """The cursor :func:`encode_cursor` wrote; ValidationFailed (422, field ``cursor``) for
    anything else (a cursor cut short, edited, or of another list)."""
    try:
        if len(text) > 4 * MAX_CURSOR_BYTES // 3 + 4:
            raise ValueError("too long")
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        backward, page, *key = data
        if backward not in (0, 1) or not isinstance(page, int) or isinstance(page, bool):
            raise ValueError("bad shape")
        if len(key) != 3 or not all(isinstance(k, str) for k in key) or page < 1:
            raise ValueError("bad key")
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise ValidationFailed(
            "the page's cursor is not valid",
            [Issue("cursor", "This link to a page is not valid: start again from page 1.")],
        ) from error
    return Cursor((key[0], key[1], key[2]), bool(backward), page)


def directory_page(
    filters: DirectoryFilters,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    *,
    clamp: bool = True,
    now: datetime | None = None,
    cursor: Cursor | None = None,
) -> DirectoryPage:
    """One page of the people ``filters`` select, by name then employee number. Two
    statements: the count, then the page.

    With a ``cursor`` (from a page's :attr:`DirectoryPage.next_cursor` or
    ``previous_cursor``) the page is the ``page_size`` people after (or before) its key:
    keyset paging, which walks the name index from there (page 1,000 as fast as page 1, and
    nobody skipped or shown twice when people join or leave meanwhile); the page number is
    the cursor's, kept within the pages there are. Without one, ``page`` counts from the start
    (OFFSET: bookmarked ``?page=`` links and API clients keep working); ``page`` past the last
    gives the last page when ``clamp`` (a bookmarked page 40 of a list that shrank), else no
    rows (the API: a client paging on reads an empty page). A "Previous" cursor that finds
    fewer than a page before it (people left since) gives the first page instead, and a
    "Next" cursor that finds nobody after it the last page when ``clamp`` (two more
    statements, only then)."""
    now = now or utcnow()
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    total = db.session.scalar(_filtered(select(func.count(Employee.id)), filters, now)) or 0
    pages = max(1, -(-total // page_size))
    last_name: ColumnElement[str] = folded(Employee.last_name)
    # a search sorts its matches (found through the indexes, bitmap-ORed) rather than walk the
    # name index testing everyone on the way, which the planner prefers and is far slower when
    # the matches sit late in the alphabet (bench/people_directory.py: 1.1 s to 90 ms for
    # "kow" at 100,000 people); ``|| ''`` is an order the index cannot give
    if filters.words:
        last_name = last_name.concat("")
    order = (last_name, folded(Employee.first_name), Employee.employee_number)
    # the page's ids first, then their columns: rows skipped by OFFSET (page 1,000 skips
    # 49,950) never pay for the manager join and the late count; one row more than a page
    # says whether there is another page that way
    ids = _filtered(select(Employee.id), filters, now).limit(page_size + 1)
    if cursor is None:
        page = min(max(1, page), pages) if clamp else max(1, page)
        ids = ids.order_by(*order).offset((page - 1) * page_size)
    else:
        page = min(cursor.page, pages)
        key = tuple_(*order)
        bound = tuple_(*(literal(k, String) for k in cursor.key))
        if cursor.backward:
            ids = ids.where(key < bound).order_by(*(o.desc() for o in order))
        else:
            ids = ids.where(key > bound).order_by(*order)
    rows = db.session.execute(_page_query(ids.subquery(), order, now)).all()
    more = len(rows) > page_size
    if cursor is not None and cursor.backward:
        rows = rows[1:] if more else rows
        if not more and (len(rows) < page_size or page != 1):
            if len(rows) < page_size:
                return directory_page(filters, 1, page_size, clamp=clamp, now=now)
            page = 1
        has_previous, has_next = more, True
    else:
        rows = rows[:page_size]
        has_previous, has_next = page > 1 or cursor is not None, more
        if cursor is not None and not more:
            if not rows and total and clamp:  # everyone after the key left: the last page
                return directory_page(filters, pages, page_size, clamp=clamp, now=now)
            page = pages  # the end reached: the last page, whatever the cursor said
    return DirectoryPage(
        rows=[_row(r) for r in rows],
        total=total,
        page=page,
        page_size=page_size,
        next_cursor=_cursor(rows[-1], False, page + 1) if rows and has_next else None,
        previous_cursor=_cursor(rows[0], True, max(1, page - 1)) if rows and has_previous else None,
    )


def _page_query(ids: Subquery, order: tuple, now: datetime) -> Select:
    manager = aliased(Employee)
    overdue = (
        select(func.count())
        .where(Requirement.employee_id == Employee.id, late_condition(now))
        .correlate(Employee)
        .scalar_subquery()
    )
    return (
        select(
            Employee.employee_number,
            Employee.first_name,
            Employee.last_name,
            Employee.email,
            Employee.org_unit_id,
            JobRole.code,
            JobRole.title,
            Employee.job_title,
            manager.employee_number,
            manager.first_name,
            manager.last_name,
            Employee.active,
            Employee.left_at,
            overdue,
            order[0],
            order[1],
        )
        .select_from(ids)
        .join(Employee, Employee.id == ids.c.id)
        .outerjoin(JobRole, JobRole.id == Employee.job_role_id)
        .outerjoin(manager, manager.id == Employee.manager_id)
        .order_by(*order)
    )


def _cursor(row: Any, backward: bool, page: int) -> str:
    # the row's sort key: its folded names (as the database folds them) and number
    return encode_cursor(Cursor((row[14], row[15], row[0]), backward, page))


def _row(r: Any) -> DirectoryRow:
    (number, first, last, email, unit_id, role_code, role_title, title) = r[:8]
    (manager_number, manager_first, manager_last, active, left_at, overdue) = r[8:14]
    return DirectoryRow(
        employee_number=number,
        name=f"{first} {last}".strip(),
        email=email,
        org_unit_id=unit_id,
        job_role_code=role_code,
        job_role_title=role_title,
        job_title=title,
        manager_number=manager_number,
        manager_name=f"{manager_first} {manager_last}".strip() if manager_number else None,
        active=active,
        left_at=left_at,
        overdue=overdue or 0,
    )
