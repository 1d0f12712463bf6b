"""The required-learning CSV written by PostgreSQL (issue 13): each line built in SQL, every cell
formatted and neutralised as the Python writer (:func:`learnhub.reports.formats.csv_text` of
:func:`learnhub.reports.requirements.requirement_records`) writes it, streamed by ``COPY …
TO STDOUT`` (learnhub.reports.copy_lines: unlike a cursor's, a COPY's query may run in
parallel), so the bytes are the same whichever path wrote them;
tests/reports/test_requirements_sql.py compares both.

What moves into SQL besides the cells (learnhub.reports.sql_cells):

- **the assignments of a requirement**, folded in Python from consecutive rows there, are
  counted per (person, course, module key) before the join, with the first and last id: one
  or two ids (nearly every requirement) are written from those ("4;9"), three or more looked
  up by a subquery; ``string_agg(… ORDER BY id)`` there sorted every group by itself. Their
  descriptions, which Python words once per export
  (:func:`learnhub.assignments.describe.descriptions`: hundreds, not one per row) and hands
  to the statement as one JSON parameter, are looked up after the sort, so the sort carries
  the narrow ids rather than the long words (at 1M rows they made it spill to disk);
- **local days** (assigned on, due date): ``timezone(zone, instant)::date`` in the zone Python
  would use (:func:`learnhub.org.time_zones.zone_named`: the person's, else the
  organisation's, else UTC), chosen per stored ``Employee.timezone`` value by a CASE built from
  the few distinct values. PostgreSQL reads a zone argument as an abbreviation first ("CET",
  "EST": fixed offsets, where Python's zones of those names keep daylight saving), so a name
  that is also an abbreviation (UTC aside), or one PostgreSQL does not know, sends the export
  to the Python writer instead: same bytes, slower. Both read the system's tz database, so
  they agree where it is the same one (the usual setup: one machine's tzdata).

PostgreSQL with psycopg 3 only (:func:`learnhub.reports.sql_export.sql_export_available`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from sqlalchemy import (
    Date,
    Select,
    Subquery,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

from learnhub.assignments.describe import descriptions
from learnhub.assignments.models import Requirement
from learnhub.assignments.status import status_expression
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.time_zones import zone_named
from learnhub.reports.copy_lines import copy_lines
from learnhub.reports.formats import csv_text
from learnhub.reports.requirements import (
    CHUNK_ROWS,
    HEADER,
    NOT_ASSIGNED,
    RequirementFilters,
    assignment_sources,
    order_keys,
    requirement_records,
    rows_query,
)
from learnhub.reports.sql_cells import name_cell, text_cell, utc_cell
from learnhub.reports.sql_export import (
    BOM,
    Tally,
    csv_fields,
    sql_export_available,
)

logger = logging.getLogger(__name__)

_EMPTY = literal_column("''", Text)
_SEPARATOR = literal_column("';'", Text)
_DESCRIPTION_SEPARATOR = literal_column("'; '", Text)
_QUOTE = literal_column("'\"'", Text)
_TWO_QUOTES = literal_column("'\"\"'", Text)
_QUOTE_LINE_END = literal_column("E'\"\\r\\n'", Text)
#: zone names PostgreSQL reads as the same zone Python does (True) or not (False), by name:
#: the tz database does not change while the process runs
_ZONE_IS_SAFE: dict[str, bool] = {}


def _zones_safe(names: set[str]) -> bool:
    """Whether PostgreSQL reads each zone name as Python's zone of that name: a name in its
    ``pg_timezone_names`` and not one of its abbreviations ("UTC" is both, and the same)."""
    unknown = sorted(names - _ZONE_IS_SAFE.keys())
    if unknown:
        known = set(
            db.session.scalars(
                text("SELECT name FROM pg_timezone_names WHERE name = ANY(:names)"),
                {"names": unknown},
            )
        )
        abbreviations = {
            a.lower()
            for a in db.session.scalars(
                text("SELECT abbrev FROM pg_timezone_abbrevs WHERE lower(abbrev) = ANY(:names)"),
                {"names": [n.lower() for n in unknown]},
            )
        }
        for name in unknown:
            # a '"' never: the time_zone cell is written without doubling quotes (QUOTE_FREE)
            _ZONE_IS_SAFE[name] = (
                name in known
                and '"' not in name
                and (name == "UTC" or name.lower() not in abbreviations)
            )
    return all(_ZONE_IS_SAFE[name] for name in names)


def zone_case(stored: ColumnElement) -> ColumnElement[str] | None:
    """SQL giving, for a stored ``Employee.timezone`` value, the name of the zone Python shows
    that person's times in (``str(zone_named(value))``); None when one of those zones would
    not be read the same by PostgreSQL (see the module's docstring). One query for the
    distinct stored values (a few), plus the zone check the first time a name is met."""
    values = set(db.session.scalars(select(Employee.timezone).distinct()))
    default = str(zone_named(None))
    chosen = {value: str(zone_named(value)) for value in sorted(v for v in values if v)}
    if not _zones_safe({default, *chosen.values()}):
        return None
    given = {value: name for value, name in chosen.items() if name != default}
    fallback = literal(default, Text)
    if not given:
        return fallback
    return case(
        *((stored == value, literal(name, Text)) for value, name in given.items()), else_=fallback
    )


def _day_cell(zone: ColumnElement[str], instant: ColumnElement) -> ColumnElement[str]:
    # the calendar day in the zone, as date.isoformat() (DateStyle ISO); NULL: empty
    return func.coalesce(cast(cast(func.timezone(zone, instant), Date), Text), _EMPTY)


def _word(ident: ColumnElement[str], words: ColumnElement) -> ColumnElement[str]:
    # an assignment's description ("#7" if it has none: removed since the export began)
    return func.coalesce(words.op("->>")(ident), literal_column("'#'", Text) + ident)


def _all_of(raw: Subquery, cell: Callable[[ColumnElement[str]], ColumnElement[str]], between):
    # ``cell`` of each live assignment behind a requirement, ``between`` them in id order:
    # asked only of the rare requirement three or more reach (an index look-up each)
    sources = assignment_sources().subquery("reach")
    ident = cast(sources.c.assignment_id, Text)
    return (
        select(func.string_agg(cell(ident), aggregate_order_by(between, sources.c.assignment_id)))
        .where(
            sources.c.employee_id == raw.c.employee_id,
            sources.c.course_id == raw.c.source_course,
            sources.c.module_key == raw.c.source_module,
        )
        .correlate(raw)
        .scalar_subquery()
    )


def _assignment_ids(raw: Subquery) -> ColumnElement[str]:
    """The assignment_ids cell ("4;9") from the folded count, first and last id: one or two
    ids (nearly every requirement) written from those, three or more looked up; no
    assignment (a not-assigned row): empty."""
    count = raw.c.assignment_count
    first = cast(raw.c.first_assignment, Text)
    return case(
        (count == 1, first),
        (count == 2, first + _SEPARATOR + cast(raw.c.last_assignment, Text)),
        (count > 2, _all_of(raw, lambda ident: ident, _SEPARATOR)),
        else_=_EMPTY,
    )


def _descriptions(raw: Subquery, words: ColumnElement) -> ColumnElement[str]:
    """The assignments cell ("#4 …; #9 …"), as :func:`_assignment_ids`: after the sort, so
    the sort carries ids rather than the long words."""
    count = raw.c.assignment_count
    first = cast(raw.c.first_assignment, Text)
    last = cast(raw.c.last_assignment, Text)
    return case(
        (count == 1, _word(first, words)),
        (count == 2, _word(first, words) + _DESCRIPTION_SEPARATOR + _word(last, words)),
        (count > 2, _all_of(raw, lambda ident: _word(ident, words), _DESCRIPTION_SEPARATOR)),
        else_=_EMPTY,
    )


#: the cells (positions in HEADER) that never hold a '"': status (a closed set of words),
#: dates, UTC timestamps, the zone (a tz database name: letters, digits, "/_-+"), the ids
QUOTE_FREE = frozenset(
    HEADER.index(name)
    for name in (
        "status",
        "assigned_on",
        "due_date",
        "due_at",
        "time_zone",
        "completed_at",
        "expires_at",
        "assignment_ids",
    )
)


#: HEADER's cells built before the sort (in the plan's parallel workers), around the status
_BEFORE_STATUS = HEADER.index("status")
_AFTER_STATUS = HEADER.index("assignment_ids")


def _quote_free(first: int, count: int) -> frozenset[int]:
    # QUOTE_FREE's positions among HEADER[first:first + count], counted from 0
    return frozenset(n - first for n in QUOTE_FREE if first <= n < first + count)


def requirements_lines_query(
    filters: RequirementFilters, now: datetime, *, line_end: bool = True
) -> Select | None:
    """The export's CSV lines (one text column, each a whole line as
    :func:`learnhub.reports.sql_export.csv_fields` writes it) in the Python path's order, or
    None when the zones do not allow it (then the Python writer writes the file).
    ``line_end`` False: each line without its CRLF (for learnhub.reports.copy_lines).

    Where the time went (EXPLAIN ANALYZE at 100k and 1M rows, bench/requirements_export.py):
    the folding of each requirement's assignments (``string_agg(… ORDER BY id)`` sorts every
    group by itself), a subquery per row for the descriptions, JIT compiling (seconds, see
    learnhub.reports.sql_export.stream_lines), and the cells, all built by the leader after
    the parallel sort. Now the folding is a count, the first and the last id, the words of one
    or two ids are looked up directly, and the cells are built in two parts before the sort
    (in the parallel workers: HEADER up to the status, and from due day to expiry) and three
    after it by the leader (the status, the assignment ids and their words). Those three are
    the ones with a correlated subquery (the status's "started", three or more assignments):
    PostgreSQL 15 evaluates an expression holding one above the Gather, so with them before
    the sort the whole line was built by the leader alone (EXPLAIN VERBOSE: the cells were
    the Gather Merge's output, not the Sort's). And the server-side cursor that read the
    lines never ran in parallel at all (PostgreSQL plans a cursor's query without workers;
    EXPLAIN, not being a cursor, showed a parallel plan): :func:`csv_bytes` reads them by COPY
    (learnhub.reports.copy_lines), whose query may run in parallel."""
    sources = assignment_sources().subquery("sources")
    described = bindparam(
        "descriptions", json.dumps({str(k): v for k, v in descriptions().items()}), type_=Text
    )
    # parsed once: an InitPlan, not a cast per row
    words = select(cast(described, JSONB)).scalar_subquery()
    folded = (
        select(
            sources.c.employee_id,
            sources.c.course_id,
            sources.c.module_key,
            func.count().label("assignment_count"),
            func.min(sources.c.assignment_id).label("first_assignment"),
            func.max(sources.c.assignment_id).label("last_assignment"),
        )
        .group_by(sources.c.employee_id, sources.c.course_id, sources.c.module_key)
        .subquery("folded")
    )
    raw = rows_query(
        filters,
        now,
        folded,
        [
            folded.c.assignment_count.label("assignment_count"),
            folded.c.first_assignment.label("first_assignment"),
            folded.c.last_assignment.label("last_assignment"),
            folded.c.course_id.label("source_course"),
            folded.c.module_key.label("source_module"),
            # what the status is computed from after the sort (NULL: a not-assigned row)
            Requirement.id.label("requirement_id"),
            Requirement.course_id.label("requirement_course"),
            Requirement.module_key.label("requirement_module"),
            Requirement.waived_at.label("waived_at"),
            Requirement.renewal_opens_at.label("renewal_opens_at"),
            Requirement.due_at.label("requirement_due_at"),
        ],
    )
    zone = zone_case(raw.c.timezone)
    if zone is None:
        logger.info("requirements export in Python: a zone name PostgreSQL reads otherwise")
        return None
    one_second: ColumnElement = literal_column("interval '1 second'")
    # the cells up to the status and from the due day to the expiry, finished before the
    # sort, where the parallel workers build them: no correlated subquery in either
    head = csv_fields(
        [
            text_cell(raw.c.employee_number),
            name_cell(raw.c.first_name, raw.c.last_name),
            text_cell(raw.c.email),
            text_cell(raw.c.org_unit),
            text_cell(raw.c.job_role),
            text_cell(raw.c.job_title),
            text_cell(raw.c.manager_number),
            case(
                (raw.c.manager_number != "", name_cell(raw.c.manager_first, raw.c.manager_last)),
                else_=_EMPTY,
            ),
            text_cell(raw.c.course),
            text_cell(raw.c.module),
        ],
        _quote_free(0, _BEFORE_STATUS),
        last=False,
    )
    middle = csv_fields(
        [
            _day_cell(zone, raw.c.assigned_at),
            _day_cell(zone, raw.c.due_at - one_second),
            utc_cell(raw.c.due_at),
            zone,
            utc_cell(raw.c.completed_at),
            utc_cell(raw.c.expires_at),
        ],
        _quote_free(_BEFORE_STATUS + 1, _AFTER_STATUS - _BEFORE_STATUS - 1),
        first=False,
        last=False,
    )
    keys = order_keys(raw)
    sorted_rows = (
        select(
            head.label("head"),
            middle.label("middle"),
            *(key.label(f"key{n}") for n, key in enumerate(keys)),
            raw.c.employee_id,
            raw.c.source_course,
            raw.c.source_module,
            raw.c.assignment_count,
            raw.c.first_assignment,
            raw.c.last_assignment,
            # under the requirement's own names, for status_expression
            raw.c.requirement_id,
            raw.c.requirement_course.label("course_id"),
            raw.c.requirement_module.label("module_key"),
            raw.c.waived_at,
            raw.c.completed_at,
            raw.c.expires_at,
            raw.c.renewal_opens_at,
            raw.c.requirement_due_at.label("due_at"),
        )
        .order_by(*keys)
        .subquery("sorted")
    )
    # a closed set of words (the statuses and not_assigned): never formula-like, never a '"'
    status = case(
        (sorted_rows.c.requirement_id.is_(None), literal(NOT_ASSIGNED, Text)),
        else_=cast(status_expression(now, sorted_rows), Text),
    )
    # digits and ";" (never formula-like), then "#7 …" descriptions ("#" first)
    tail = csv_fields(
        [_assignment_ids(sorted_rows)], _quote_free(_AFTER_STATUS, 1), first=False, last=False
    ) + func.replace(_descriptions(sorted_rows, words), _QUOTE, _TWO_QUOTES, type_=Text)
    tail = tail + (_QUOTE_LINE_END if line_end else _QUOTE)
    line = (
        sorted_rows.c.head
        + csv_fields([status], {0}, first=False, last=False)
        + sorted_rows.c.middle
        + tail
    )
    return select(line).order_by(*(sorted_rows.c[f"key{n}"] for n in range(len(keys))))


def csv_bytes(
    filters: RequirementFilters,
    now: datetime,
    tally: Tally | None = None,
    *,
    excel: bool = False,
) -> Iterator[bytes]:
    """The required-learning CSV as UTF-8 bytes in chunks of whole rows: lines built by
    PostgreSQL when it can (:func:`learnhub.reports.sql_export.sql_export_available` and
    :func:`zone_case`), else the Python writer's; the same bytes either way. ``excel``: a UTF-8
    byte order mark first. ``tally`` counts the data rows as they go."""
    tally = tally if tally is not None else Tally()
    if excel:
        yield BOM
    available = sql_export_available()
    lines = requirements_lines_query(filters, now, line_end=False) if available else None
    if lines is not None:
        # COPY, not a cursor: a cursor's query never runs in parallel (copy_lines)
        yield from copy_lines(lines, HEADER, tally)
        return

    def counted() -> Iterator[list]:
        for n, record in enumerate(requirement_records(filters, now)):
            tally.rows = n  # the header is record 0
            yield record

    for chunk in csv_text(counted(), CHUNK_ROWS):
        yield chunk.encode()
