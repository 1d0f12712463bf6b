"""The required-learning CSV written by PostgreSQL (issue 13): each line built in SQL, every cell
formatted and neutralised as the Python writer (:func:`learnhub.reports.formats.csv_text` of
:func:`learnhub.reports.requirements.requirement_records`) writes it, streamed through a
server-side cursor (learnhub.reports.sql_export), so the bytes are the same whichever path
wrote them; tests/reports/test_requirements_sql.py compares both.

What moves into SQL besides the cells (learnhub.reports.sql_cells):

- **the assignments of a requirement**, folded in Python from consecutive rows there, are
  aggregated per (person, course, module key) before the join: ``string_agg`` of the ids in
  order ("4;9"); their descriptions, which Python words once per export
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
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import (
    Date,
    Select,
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
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.time_zones import zone_named
from learnhub.reports.formats import csv_text
from learnhub.reports.requirements import (
    CHUNK_ROWS,
    HEADER,
    RequirementFilters,
    assignment_sources,
    order_keys,
    requirement_records,
    rows_query,
)
from learnhub.reports.sql_cells import name_cell, text_cell, utc_cell
from learnhub.reports.sql_export import BOM, Tally, sql_export_available, stream_csv_lines

logger = logging.getLogger(__name__)

_EMPTY = literal_column("''", Text)
_SEPARATOR = literal_column("';'", Text)
_DESCRIPTION_SEPARATOR = literal_column("'; '", Text)
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
            _ZONE_IS_SAFE[name] = name in known and (
                name == "UTC" or name.lower() not in abbreviations
            )
    return all(_ZONE_IS_SAFE[name] for name in names)


def zone_case(stored: ColumnElement) -> ColumnElement[str] | None:
    """SQL giving, for a stored ``Employee.timezone`` value, the name of the zone Python shows
    that person's times in (``str(zone_named(value))``); None when one of those zones would
    not be read the same by PostgreSQL (see the module's docstring). One query for the
    distinct stored values (a few), plus the zone check the first time a name is met."""
    values = set(db.session.scalars(select(Employee.timezone).distinct()))
    default = str(zone_named(None))
    chosen = {value: str(zone_named(value)) for value in values if value}
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


def _described(ids: ColumnElement[str], words: ColumnElement) -> ColumnElement[str]:
    # "; " between the descriptions of the ids ("4;9") in their order: worded after the sort,
    # so the sort handles the narrow ids, not the long words (an external sort at 1M rows)
    each = (
        func.unnest(func.string_to_array(ids, _SEPARATOR))
        .table_valued("ident", with_ordinality="n")
        .render_derived()
    )
    word = func.coalesce(words.op("->>")(each.c.ident), literal_column("'#'", Text) + each.c.ident)
    return (
        select(func.string_agg(word, aggregate_order_by(_DESCRIPTION_SEPARATOR, each.c.n)))
        .select_from(each)
        .scalar_subquery()
    )


def requirements_cells_query(filters: RequirementFilters, now: datetime) -> Select | None:
    """The export's rows with each cell finished in SQL, in the Python path's order, or None
    when the zones do not allow it (then the Python writer writes the file)."""
    sources = assignment_sources().subquery("sources")
    described = bindparam(
        "descriptions", json.dumps({str(k): v for k, v in descriptions().items()}), type_=Text
    )
    # parsed once: an InitPlan, not a cast per row
    words = select(cast(described, JSONB)).scalar_subquery()
    ident = cast(sources.c.assignment_id, Text)
    folded = (
        select(
            sources.c.employee_id,
            sources.c.course_id,
            sources.c.module_key,
            # string_agg(x, separator ORDER BY id)
            func.string_agg(
                ident, aggregate_order_by(_SEPARATOR, sources.c.assignment_id), type_=Text
            ).label("assignment_ids"),
        )
        .group_by(sources.c.employee_id, sources.c.course_id, sources.c.module_key)
        .subquery("folded")
    )
    raw = rows_query(
        filters,
        now,
        folded,
        [
            folded.c.assignment_ids.label("assignment_ids"),
        ],
    )
    # sorted first, narrow, then each cell computed in that order (as the completions export)
    raw = select(raw).order_by(*order_keys(raw)).subquery("sorted")
    zone = zone_case(raw.c.timezone)
    if zone is None:
        logger.info("requirements export in Python: a zone name PostgreSQL reads otherwise")
        return None
    one_second: ColumnElement = literal_column("interval '1 second'")
    return select(
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
        # a closed set of words (the statuses and not_assigned): never formula-like
        cast(raw.c.status, Text),
        _day_cell(zone, raw.c.assigned_at),
        _day_cell(zone, raw.c.due_at - one_second),
        utc_cell(raw.c.due_at),
        zone,
        utc_cell(raw.c.completed_at),
        utc_cell(raw.c.expires_at),
        # ids and "#7 …" descriptions: digits and "#" first, never formula-like
        func.coalesce(raw.c.assignment_ids, _EMPTY),
        func.coalesce(_described(raw.c.assignment_ids, words), _EMPTY),
    ).order_by(*order_keys(raw))


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
    cells = requirements_cells_query(filters, now) if sql_export_available() else None
    if cells is not None:
        yield from stream_csv_lines(cells, HEADER, tally)
        return

    def counted() -> Iterator[list]:
        for n, record in enumerate(requirement_records(filters, now)):
            tally.rows = n  # the header is record 0
            yield record

    for chunk in csv_text(counted(), CHUNK_ROWS):
        yield chunk.encode()
