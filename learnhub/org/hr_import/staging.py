"""The staged plan of an HR import (PostgreSQL): the file is COPY'd into a temporary table and
validated and compared with LearnHub in SQL, so that Python never handles a row.

A 100,000-row file cost about a second of Python per step (reading the CSV, checking each
row, comparing each person with what the database sent back) against 0.2 s for PostgreSQL to
``COPY`` the same bytes. Here Python decodes the file and reads its header (as
:mod:`learnhub.org.hr_import.tables` does); PostgreSQL reads the rows.

It is a fast path, never a second set of rules: it is taken only when it must give what
:func:`learnhub.org.hr_import.plan.plan_import`'s row-by-row path would, and every check in SQL
only decides "nothing to report". A file the row path might refuse or read otherwise falls back
to it, which words the errors (so the messages and row numbers are the row path's own):

- CSV whose text has no quote character, no carriage return but in CRLF line ends, no blank
  line, no ``\\.`` (COPY's end marker), every row as wide as the header (else COPY fails, in a
  savepoint);
- cells stripped as ``str.strip`` does (WHITESPACE), emails lower-cased only when ASCII;
- no control character, NEL, U+2028 or U+2029 anywhere in the text (CR and LF only end lines:
  a cell holding one needs quotes, ruled out above);
- no required field empty, no value too long or holding a control character, every email of
  the rule's shape, every hire date YYYY-MM-DD and real, no repeated number or email, nobody
  their own manager, every manager outside the file active in LearnHub and staying, no email
  held by someone else outside the file, no cycle through a changed reporting line, org units
  consistent, and a full sync within its leavers limit.

The tables live until the transaction ends (``ON COMMIT DROP``): :mod:`.staged_apply` writes
from them in the same transaction. tests/org/test_hr_import_paths.py runs files through this and
the row path and compares the plans, the messages and the tables.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import text

from learnhub.extensions import db
from learnhub.org.hr_import.checks import HRRow, check_units
from learnhub.org.hr_import.lookups import is_postgresql
from learnhub.org.hr_import.mapping import FIELDS, MAX_LENGTHS
from learnhub.org.hr_import.tables import Limits, Table

#: the characters ``str.strip()`` removes (``str.isspace``); a test keeps it in step
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: between the values of one string_agg (a control character: never in a value that passed)
SEP = "\x1f"
#: the csv module's default longest cell: a longer one is the row path's error
FIELD_LIMIT = 131072
#: at most this many changing rows are "a few": their writes look people up by index
SMALL = 20_000
#: the import transaction's work_mem (the server's default, 4 MB, sorted on disk)
WORK_MEM = "64MB"
HIRE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: a plan per transaction may stage several files (tests do): each gets its own tables
_numbers = itertools.count(1)


def _literal(value: str) -> str:
    """``value`` as a PostgreSQL escape-string literal (every character as \\uXXXX)."""
    return "E'" + "".join(f"\\u{ord(c):04x}" for c in value) + "'"


WS = _literal(WHITESPACE)


@dataclass
class Stage:
    """The temporary tables of a staged plan: ``rows`` (one per file row, ``ord`` in file
    order, a text column per field, normalised) and ``changes`` (the rows that add or change
    a person, with their fields: ``id`` None for a new one, ``old_manager_id``, ``moved``)."""

    rows: str
    changes: str


def enabled() -> bool:
    """Whether plans may be staged: on PostgreSQL (tests turn it off to run the row path)."""
    return is_postgresql()


def copy_text(table: Table, limits: Limits) -> str | None:
    """The text COPY would read exactly as the csv module does, or None (see the module's
    docstring). Line ends become line feeds."""
    body = table.text
    if table.kind != "csv" or not body or body[0] in "\r\n" or table.delimiter is None:
        return None
    if '"' in body or "\\." in body or "\x00" in body:
        return None
    if "\r" in body:
        if body.count("\r") != body.count("\r\n"):
            return None
        body = body.replace("\r\n", "\n")
    if "\n\n" in body:
        return None
    count = body.count("\n") + (0 if body.endswith("\n") else 1) - 1
    if not 0 < count <= limits.rows:
        return None
    if _has_long_line(body, FIELD_LIMIT):
        return None  # a cell may be longer than the csv module reads
    return body


def _has_long_line(body: str, limit: int) -> bool:
    """Whether a line of ``body`` holds ``limit`` characters or more: from each line's start,
    a window of ``limit`` characters without a line feed is such a line, else the next
    start is after the window's last line feed (a few searches where splitting every line
    cost 0.05 s at 100,000 rows)."""
    start = 0
    while len(body) - start >= limit:
        last = body.rfind("\n", start, start + limit)
        if last < 0:
            return True
        start = last + 1
    return False


def _driver() -> Any:
    return db.session.connection().connection.driver_connection


def _run(sql: str, params: dict | None = None) -> Any:
    return db.session.execute(text(sql), params or {})


def _needs_strip(body: str, delimiter: str) -> bool:
    """Whether a cell of ``body`` (no quotes: cells lie between delimiters and line ends)
    starts or ends with a character ``str.strip`` removes (substring searches: a regular
    expression over the whole text cost 0.4 s at 100,000 rows)."""
    for c in WHITESPACE:
        if c in "\n" + delimiter or c not in body:
            continue
        if body.startswith(c) or body.endswith(c) or body.endswith(c + "\n"):
            return True
        for edge in ("\n", delimiter):
            if c + edge in body or edge + c in body:
                return True
    return False


#: the control characters the row path refuses (CONTROL_RE), each looked for by itself, and
#: the line breaks it refuses inside a cell (LINE_BREAK_RE) that an unquoted CSV cell can hold
#: (NEL, U+2028, U+2029: COPY and the csv module end lines only at CR and LF); a file holding
#: one goes row by row, which finds whether it sits inside a cell and words the error
CONTROLS = [chr(i) for i in (*range(0, 9), 11, 12, *range(14, 32), 127)]
BREAKS = ["\x85", "\u2028", "\u2029"]


def stage_file(table: Table, used: dict[str, str], limits: Limits) -> Stage | None:
    """COPY the file into ``hr_rows_<n>`` (a text column per field, normalised; ``x<i>`` for
    the columns no field reads); None when the row path must read it (nothing is left)."""
    body = copy_text(table, limits)
    delimiter = table.delimiter or ","
    if body is None or any(c in body for c in CONTROLS) or any(c in body for c in BREAKS):
        return None
    position = {fld: table.headers.index(header) for fld, header in used.items()}
    if len(set(position.values())) != len(position):  # two fields read one column
        return None
    n = next(_numbers)
    rows = f"hr_rows_{n}"
    field_of = {pos: fld for fld, pos in position.items()}
    cells = [field_of.get(i, f"x{i}") for i in range(len(table.headers))]
    absent = [fld for fld in FIELDS if fld not in position]
    columns = [f"{c} text" for c in cells] + [f"{fld} text DEFAULT ''" for fld in absent]
    statement = (
        f"COPY {rows} ({', '.join(cells)}) FROM STDIN (FORMAT csv, HEADER, DELIMITER "
        f"{_literal(delimiter)}, FORCE_NOT_NULL ({', '.join(cells)}))"
    )
    driver = _driver()
    # for the rest of the import's transaction: no JIT (it compiled for 0.5 s to save
    # nothing on these statements), and hash joins and sorts of 100,000 rows in memory
    driver.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '{WORK_MEM}'")
    driver.execute("SAVEPOINT hr_stage")
    try:
        driver.execute(
            f"CREATE TEMP TABLE {rows} (ord bigint GENERATED ALWAYS AS IDENTITY, "
            f"{', '.join(columns)}) ON COMMIT DROP"
        )
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(body)
        if _needs_strip(body, delimiter):
            trimmed = ", ".join(f"{fld} = btrim({fld}, {WS})" for fld in position)
            driver.execute(f"UPDATE {rows} SET {trimmed}")
        if "email" in position:
            # lower() in the "C" collation lower-cases ASCII letters only, as the row path
            # does when an email is ASCII (translate() and a regular expression cost more)
            driver.execute(
                f'UPDATE {rows} SET email = lower(email COLLATE "C") '
                'WHERE email <> lower(email COLLATE "C")'
            )
        # unique indexes: a repeated number or email (after lower-casing) fails here
        driver.execute(f"CREATE UNIQUE INDEX ON {rows} (employee_number)")
        driver.execute(f"CREATE UNIQUE INDEX ON {rows} (email)")
    except psycopg.Error:
        # a row wider or narrower than the header, a repeated key: the row path says which
        driver.execute("ROLLBACK TO SAVEPOINT hr_stage")
        return None
    driver.execute("RELEASE SAVEPOINT hr_stage")
    return Stage(rows, f"hr_changes_{n}")


@dataclass
class FileFacts:
    """What one pass over a clean staged file found: ``count`` rows; ``unit_names`` every org
    unit it names (people's units and stated parents); ``unit_parents`` {unit: parent} it
    states (with an org_unit_parent column); ``job_codes`` the job codes it names."""

    count: int
    unit_names: set[str]
    unit_parents: dict[str, str]
    job_codes: set[str]


#: GROUPING(department, org_unit_parent, job_code, hire_date) of each grouping set: a bit per
#: column left out of the set (PostgreSQL manual, "Grouping Operations")
UNITS, CODES, DATES, WHOLE = 0b0011, 0b1101, 0b1110, 0b1111


def file_facts(stage: Stage, given: frozenset[str]) -> FileFacts | None:
    """The facts of the file when the row path's file checks (:func:`..checks.check_rows`)
    and unit checks (:func:`..checks.check_units`) would find nothing, else None. (Control
    characters, repeated numbers and emails were ruled out while staging.)

    One scan of the file's table with grouping sets: the whole file (its count and whether a
    row breaks a rule), its units with their parents (first row of each pair), its job codes
    and its hire dates, where four scans cost about 0.3 s at 100,000 rows."""
    lengths = " OR ".join(f"length({fld}) > {most}" for fld, most in MAX_LENGTHS.items())
    bad = (
        f"employee_number = '' OR first_name = '' OR last_name = '' OR email = '' OR {lengths} "
        "OR email !~ '^[!-?A-~]+@[!-?A-~]+[.][!-?A-~]+$' "
        "OR manager_employee_number = employee_number"
    )
    groups = _run(
        "SELECT GROUPING(department, org_unit_parent, job_code, hire_date), department, "
        "org_unit_parent, job_code, hire_date, min(ord), count(*), coalesce(bool_or(bad), "
        f"false) FROM (SELECT *, ({bad}) AS bad FROM {stage.rows}) f GROUP BY GROUPING SETS "
        "((department, org_unit_parent), (job_code), (hire_date), ())"
    ).all()
    count, pairs, codes, dates = 0, [], set(), []
    for grouping, unit, parent, code, hire_date, first, rows, broken in groups:
        if grouping == WHOLE:
            if broken:
                return None
            count = int(rows)
        elif grouping == UNITS and (unit or parent):
            pairs.append((unit, parent, int(first)))
        elif grouping == CODES and code:
            codes.add(code)
        elif grouping == DATES and hire_date:
            dates.append(hire_date)
    if "hire_date" in given:
        for value in dates:
            if not HIRE_DATE.fullmatch(value):
                return None
            try:
                date.fromisoformat(value)
            except ValueError:
                return None
    placed = _units(sorted(pairs, key=itemgetter(2)), given)
    if placed is None:
        return None
    named, stated = placed
    return FileFacts(count, named, stated, codes if "job_code" in given else set())


def active_count(source: str) -> int:
    return int(
        _run(
            "SELECT count(*) FROM employees WHERE source = :source AND active IS true",
            {"source": source},
        ).scalar_one()
    )


#: the text LearnHub holds for each compared field, as the file would write it
HELD = {
    "employee_number": "e.employee_number",
    "first_name": "e.first_name",
    "last_name": "e.last_name",
    "email": "e.email",
    "job_code": "r.code",
    "job_title": "e.job_title",
    "department": "u.name",
    "manager_employee_number": "m.employee_number",
    "hire_date": "to_char(e.hire_date, 'YYYY-MM-DD')",
}


def compare(stage: Stage, source: str, given: frozenset[str]) -> dict[str, Any]:
    """Write ``stage.changes`` (the rows that add or change someone) and return, in file
    order, ``added``, ``updated`` and ``unchanged`` numbers, ``moves`` ([number, old
    source] of updated people of another source) and ``relinked`` (how many rows give
    someone a manager they did not have)."""
    same = " AND ".join(f"coalesce({HELD[fld]}, '') = s.{fld}" for fld in HELD if fld in given)
    _run(
        f"CREATE TEMP TABLE {stage.changes} ON COMMIT DROP AS SELECT s.ord, "
        f"{', '.join(f's.{fld}' for fld in FIELDS)}, e.id, e.source, "
        "e.manager_id AS old_manager_id, "
        "coalesce(m.employee_number, '') <> s.manager_employee_number AS moved "
        f"FROM {stage.rows} s LEFT JOIN employees e ON e.employee_number = s.employee_number "
        "LEFT JOIN job_roles r ON r.id = e.job_role_id LEFT JOIN org_units u "
        "ON u.id = e.org_unit_id LEFT JOIN employees m ON m.id = e.manager_id "
        f"WHERE e.id IS NULL OR NOT (e.active IS true AND e.source = :source AND {same})",
        {"source": source},
    )
    added, updated, moves, relinked = _run(
        "SELECT string_agg(employee_number, chr(31) ORDER BY ord) FILTER (WHERE id IS NULL), "
        "string_agg(employee_number, chr(31) ORDER BY ord) FILTER (WHERE id IS NOT NULL), "
        "string_agg(employee_number || chr(31) || source, chr(31) ORDER BY ord) "
        "FILTER (WHERE id IS NOT NULL AND source <> :source), "
        "count(*) FILTER (WHERE (id IS NULL OR moved) AND manager_employee_number <> '') "
        f"FROM {stage.changes}",
        {"source": source},
    ).one()
    if len(_split(added)) + len(_split(updated)) <= SMALL:
        _run(f"ANALYZE {stage.changes}")  # a few rows: index look-ups, not hash joins
    # every number in file order, less those (a set difference in Python: cheaper than an
    # anti-join of 100,000 rows)
    every = _run(f"SELECT string_agg(employee_number, chr(31) ORDER BY ord) FROM {stage.rows}")
    changing = set(_split(added)) | set(_split(updated))
    unchanged = [n for n in _split(every.scalar_one()) if n not in changing]
    pairs = _split(moves)
    return {
        "added": _split(added),
        "updated": _split(updated),
        "unchanged": unchanged,
        "moves": list(zip(pairs[::2], pairs[1::2], strict=True)),
        "relinked": relinked,
    }


def _split(joined: str | None) -> list[str]:
    return joined.split(SEP) if joined else []


def _units(
    pairs: list[tuple[str, str, int]], given: frozenset[str]
) -> tuple[set[str], dict[str, str]] | None:
    """(every unit name the file names, {unit: parent} it states) from its (unit, parent,
    first row) pairs in first-row order; None when the row path's unit checks would find a
    problem."""
    if "department" not in given:
        return set(), {}
    if "org_unit_parent" not in given:
        return {unit for unit, _parent, _first in pairs if unit}, {}
    fake = [
        HRRow(first, {"department": unit, "org_unit_parent": parent})
        for unit, parent, first in pairs
    ]
    issues, stated = check_units(fake)
    if issues:
        return None
    named = {unit for unit, _parent, _first in pairs if unit}
    return named | {p for p in stated.values() if p}, stated
