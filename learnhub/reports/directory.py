"""The People directory of HR and L&D (issue 13): everyone in the organisation, searched,
filtered and listed a page at a time, with how much of each person's required learning is late.

Built for 100,000 people (DESIGN.md "Runtime and scale"): a page
(learnhub.reports.directory_paging) is a fixed number of
statements whatever the page size or the organisation's size: the org units and the job roles
(both few; they fill the filters, resolve the chosen ones and name each row's unit), the
count, and the page itself, one SELECT with the manager joined and each person's late
requirements counted by a correlated subquery over the ``requirements`` unique index
(employee first). On PostgreSQL the search and the order use the expression indexes of
migration 0025_people (``learnhub.core.folding``).

Choices where the issue is silent:

- **Search** finds people whose first name, last name, work email or employee number *starts
  with* each word typed (all words must match, in any field), ignoring letter case and Latin
  accents: "zolk" finds Żółkiewski, "maria oka" Maria Okafor, "e10" every number starting so.
  A word may also start a later word of the last name (2nd to 4th, split at spaces and
  hyphens) or the first name's 2nd: "briain" and "Anna Ó Briain" find Anna Ó Briain.
  Prefixes, not substrings, because a prefix is an index range at 100,000 people and a
  substring is a scan; the hint under the search box says so.
- **Status**: active people by default (a directory is for the people who work here);
  "left" lists leavers (their records are kept), "all" both.
- **Overdue** counts requirements that are late: overdue (never completed, past due) or
  expired (a completion that lapsed and was not renewed), the same pair as
  :data:`learnhub.assignments.listing.LATE_STATUSES`; waived ones never count.
- **Order**: last name, first name (folded: "de Vries" among the Ds, "Ávila" among the As),
  then employee number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select

from learnhub.assignments.models import Requirement
from learnhub.core.errors import Issue, ValidationFailed
from learnhub.core.folding import fold, folded, folded_word, like_prefix
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit

#: the expression indexes of migration 0025_people (PostgreSQL) that serve the search and the order
FOLDED_INDEXES = (
    "ix_employees_folded_name",
    "ix_employees_folded_first_name",
    "ix_employees_folded_email",
    "ix_employees_folded_number",
    # migration 0030_privfix: the later words of multi-word names (tester's finding 11)
    *(f"ix_employees_last_name_word{n}" for n in range(2, 5)),
    "ix_employees_first_name_word2",
)
#: the words of a name after its first that a search word may start: (column, word number)
LATER_WORDS = (
    *((Employee.last_name, n) for n in range(2, 5)),
    (Employee.first_name, 2),
)
#: between the names of an org unit's path, a single right-pointing angle quotation mark
PATH_SEPARATOR = " \u203a "
#: what a search may hold
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 6
#: the status filter's values and the words the page shows for them
STATUSES = {"active": "Active", "left": "Left", "all": "Active and left"}


@dataclass(frozen=True)
class UnitTree:
    """Every org unit: ``names`` {id: name}, ``codes`` {code: id}, ``children``
    {parent id: [child ids]}, ``paths`` {id: the names from the top unit down, joined by
    :data:`PATH_SEPARATOR`}."""

    names: dict[int, str]
    codes: dict[str, int]
    children: dict[int | None, list[int]]
    paths: dict[int, str]

    def with_sub_units(self, unit_id: int) -> list[int]:
        """``unit_id`` and every unit below it (a cycle in the HR data never loops)."""
        found: list[int] = []
        seen: set[int] = set()
        stack = [unit_id]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            found.append(current)
            stack.extend(self.children.get(current, []))
        return found

    def choices(self) -> list[tuple[str, str]]:
        """``[(code, path)]`` sorted by path, for a filter's select."""
        by_id = {ident: code for code, ident in self.codes.items()}
        return sorted(((by_id[i], p) for i, p in self.paths.items()), key=lambda c: c[1].lower())


def unit_tree() -> UnitTree:
    """Every org unit, read once (org units are few: hundreds, not people's thousands)."""
    rows = db.session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.parent_id))
    names: dict[int, str] = {}
    codes: dict[str, int] = {}
    parents: dict[int, int | None] = {}
    children: dict[int | None, list[int]] = {}
    for ident, code, name, parent in rows:
        names[ident], codes[code], parents[ident] = name, ident, parent
        children.setdefault(parent, []).append(ident)
    paths = {}
    for ident in names:
        chain: list[str] = []
        current: int | None = ident
        seen: set[int] = set()
        while current is not None and current not in seen and current in names:
            seen.add(current)
            chain.append(names[current])
            current = parents[current]
        paths[ident] = PATH_SEPARATOR.join(reversed(chain))
    return UnitTree(names, codes, children, paths)


def job_roles() -> list[tuple[int, str, str]]:
    """``[(id, code, title)]`` of every job role, by title."""
    rows = db.session.execute(select(JobRole.id, JobRole.code, JobRole.title))
    return sorted(((i, c, t) for i, c, t in rows), key=lambda r: (r[2].lower(), r[1]))


@dataclass(frozen=True)
class DirectoryFilters:
    """What the directory lists, resolved: ``words`` folded search words (all must match);
    ``unit_ids`` None: every unit; ``job_role_id`` None: every role; ``status`` a key of
    :data:`STATUSES`; ``overdue_only``: only people with a late requirement. ``asked``: the
    filters as given (strings), for links that keep them."""

    words: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] | None = None
    job_role_id: int | None = None
    status: str = "active"
    overdue_only: bool = False
    asked: dict[str, str] = field(default_factory=dict)

    @property
    def narrowed(self) -> bool:
        """True when anything beyond the default (active people) is asked."""
        return bool(
            self.words
            or self.unit_ids is not None
            or self.job_role_id is not None
            or self.status != "active"
            or self.overdue_only
        )


def resolve_filters(
    *,
    search: str | None = None,
    org_unit: str | None = None,
    include_sub_units: bool = True,
    job_role: str | None = None,
    status: str | None = None,
    overdue_only: bool = False,
    units: UnitTree,
    roles: list[tuple[int, str, str]],
) -> DirectoryFilters:
    """The filters from what was asked: ``search`` free text, ``org_unit`` an org unit code
    (with its sub-units unless ``include_sub_units`` is False), ``job_role`` a job role code,
    ``status`` "active" (default), "left" or "all". Blank strings are absent. ValidationFailed
    (422) with one Issue per field (``q``, ``org_unit``, ``job_role``, ``status``) that names
    nothing known, is too long or holds a NUL character; no statement (``units`` and
    ``roles`` are read already)."""
    issues: list[Issue] = []
    search = (search or "").strip()
    words: tuple[str, ...] = ()
    if "\x00" in search:
        # PostgreSQL text holds no NUL: the database refused it as a bare 400 page (a tester's
        # "?q=%00"); SQLite would search for it and find no one
        issues.append(Issue("q", "Search for text without the NUL character (%00)."))
    elif len(search) > MAX_SEARCH_LENGTH:
        # (the page's input has this maxlength: a pasted 5,000 characters met gunicorn's
        # request-line limit, a raw 414 page; a link can still bring more)
        issues.append(
            Issue(
                "q",
                f"Search for at most {MAX_SEARCH_LENGTH} characters: this search has "
                f"{len(search):,}.",
            )
        )
    else:
        words = tuple(dict.fromkeys(fold(w) or "" for w in search.split()))
        if len(words) > MAX_SEARCH_WORDS:
            issues.append(Issue("q", f"Search for at most {MAX_SEARCH_WORDS} words."))
    unit_ids = None
    org_unit = (org_unit or "").strip()
    if org_unit:
        unit_id = units.codes.get(org_unit)
        if unit_id is None:
            issues.append(Issue("org_unit", f"No org unit has the code {org_unit!r}."))
        else:
            unit_ids = tuple(units.with_sub_units(unit_id) if include_sub_units else [unit_id])
    role_id = None
    job_role = (job_role or "").strip()
    if job_role:
        role_id = next((i for i, code, _title in roles if code == job_role), None)
        if role_id is None:
            issues.append(Issue("job_role", f"No job role has the code {job_role!r}."))
    status = (status or "").strip() or "active"
    if status not in STATUSES:
        issues.append(Issue("status", f"Choose a status: {', '.join(STATUSES)}."))
    if issues:
        raise ValidationFailed("the directory's filters are not valid", issues)
    asked = {
        "q": search,
        "org_unit": org_unit,
        "sub_units": "" if include_sub_units else "no",
        "job_role": job_role,
        "status": "" if status == "active" else status,
        "overdue": "yes" if overdue_only else "",
    }
    return DirectoryFilters(
        words=words,
        unit_ids=unit_ids,
        job_role_id=role_id,
        status=status,
        overdue_only=overdue_only,
        asked={k: v for k, v in asked.items() if v},
    )


def late_condition(now: datetime) -> ColumnElement[bool]:
    """SQL: a row of ``requirements`` is late at ``now`` (overdue or expired, never waived:
    the same rule as :func:`learnhub.assignments.status.status_expression`)."""
    return and_(
        Requirement.waived_at.is_(None),
        or_(
            and_(Requirement.completed_at.is_(None), Requirement.due_at < now),
            and_(Requirement.completed_at.is_not(None), Requirement.expires_at <= now),
        ),
    )


def _word_matches(word: str) -> ColumnElement[bool]:
    """SQL: ``word`` starts the last name, the first name, the email, the number, or a later
    word of the last name (up to the 4th) or of the first name (the 2nd), split at spaces and
    hyphens: "briain" finds Ó Briain, "berg" van der Berg, "cruz" de la Cruz."""
    pattern = like_prefix(word)
    return or_(
        *(
            folded(column).like(pattern, escape="\\")
            for column in (
                Employee.last_name,
                Employee.first_name,
                Employee.email,
                Employee.employee_number,
            )
        ),
        *(folded_word(column, n).like(pattern, escape="\\") for column, n in LATER_WORDS),
    )


def _filtered(query: Select, filters: DirectoryFilters, now: datetime) -> Select:
    conditions: list[ColumnElement[bool]] = [_word_matches(w) for w in filters.words]
    if filters.status == "active":
        conditions.append(Employee.active.is_(True))
    elif filters.status == "left":
        conditions.append(Employee.active.is_(False))
    if filters.unit_ids is not None:
        conditions.append(Employee.org_unit_id.in_(filters.unit_ids))
    if filters.job_role_id is not None:
        conditions.append(Employee.job_role_id == filters.job_role_id)
    if filters.overdue_only:
        conditions.append(
            exists().where(Requirement.employee_id == Employee.id, late_condition(now))
        )
    return query.where(*conditions)
