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
- no control character, NEL, U+2028, U+2029 or bidirectional formatting character anywhere in
  the text (CR and LF only end lines: a cell holding one needs quotes, ruled out above);
- no required field empty, no value too long or holding a control character, every email of
  the rule's shape, every hire date YYYY-MM-DD and real, no repeated number or email, nobody
  their own manager, every manager outside the file active in LearnHub and staying, no email
  held by someone else outside the file, no cycle through a changed reporting line, org units
  consistent, and a full sync within its leavers limit.

The order of the passes over the file's table (bench/hr_import.py, "same file again"): COPY;
one grouping-sets scan for the file's facts and rule checks (:func:`file_facts`, which also
says whether any email needs lower-casing, so the lower-casing UPDATE, a whole pass, runs only
then); the numbers' unique index (:func:`index_file`); the comparison with LearnHub
(:func:`compare`); the emails' unique index only when someone is added or changed
(:func:`index_emails`). The text checks before COPY are in :mod:`.staged_text`.

The tables live until the transaction ends (``ON COMMIT DROP``): :mod:`.staged_apply` writes
from them in the same transaction. tests/org/test_hr_import_paths.py and
tests/org/test_hr_import_staged.py run files through this and the row path and compare the
plans, the messages and the tables.
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
from learnhub.org.hr_import.staged_text import (
    BIDI,
    BREAKS,
    CONTROLS,
    WHITESPACE,
    copy_text,
    needs_strip,
)
from learnhub.org.hr_import.tables import Limits, Table

#: between the values of one string_agg (a control character: never in a value that passed)
SEP = "\x1f"
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
    a person, with their fields: ``id`` None for a new one, ``old_manager_id``, ``moved``,
    ``held_active``: the person is active)."""

    rows: str
    changes: str
    #: every cell is ASCII and none holds a tab (the text has none, or tabs delimit it)
    plain: bool = False


def enabled() -> bool:
    """Whether plans may be staged: on PostgreSQL (tests turn it off to run the row path)."""
    return is_postgresql()


def _driver() -> Any:
    return db.session.connection().connection.driver_connection


def _run(sql: str, params: dict | None = None) -> Any:
    return db.session.execute(text(sql), params or {})


def stage_file(table: Table, used: dict[str, str], limits: Limits) -> Stage | None:
    """COPY the file into ``hr_rows_<n>`` (a text column per field, normalised; ``x<i>`` for
    the columns no field reads); None when the row path must read it (nothing is left)."""
    body = copy_text(table, limits)
    delimiter = table.delimiter or ","
    if body is None or any(c in body for c in (*CONTROLS, *BREAKS, *BIDI)):
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
    # nothing on these statements), hash joins and sorts of 100,000 rows in memory, and dates
    # written YYYY-MM-DD (PostgreSQL's default output style, made sure of: compare reads it)
    driver.execute(
        f"SET LOCAL jit = off; SET LOCAL work_mem = '{WORK_MEM}'; SET LOCAL DateStyle = 'ISO'"
    )
    driver.execute("SAVEPOINT hr_stage")
    try:
        driver.execute(
            f"CREATE TEMP TABLE {rows} (ord bigint GENERATED ALWAYS AS IDENTITY, "
            f"{', '.join(columns)}) ON COMMIT DROP"
        )
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(body)
        if needs_strip(body, delimiter):
            trimmed = ", ".join(f"{fld} = btrim({fld}, {WS})" for fld in position)
            driver.execute(f"UPDATE {rows} SET {trimmed}")
    except psycopg.Error:
        # a row wider or narrower than the header: the row path says which
        driver.execute("ROLLBACK TO SAVEPOINT hr_stage")
        return None
    driver.execute("RELEASE SAVEPOINT hr_stage")
    plain = body.isascii() and ("\t" not in body or delimiter == "\t")
    return Stage(rows, f"hr_changes_{n}", plain)


def index_file(stage: Stage, lower_emails: bool) -> bool:
    """Lower-case the staged emails (``lower_emails``: :func:`file_facts` found one to
    lower) and index the file's numbers; False when a number repeats (nothing is left but
    the table: the row path words the error)."""
    return _in_savepoint(
        (
            [
                f'UPDATE {stage.rows} SET email = lower(email COLLATE "C") WHERE email <> '
                'lower(email COLLATE "C")'
            ]
            if lower_emails
            else []
        )
        + [f"CREATE UNIQUE INDEX ON {stage.rows} (employee_number)"]
    )


def index_emails(stage: Stage) -> bool:
    """Index the file's emails (after :func:`compare`, when a row adds or changes someone);
    False when an email repeats.

    Only then: an email of a row that changes no one is its person's own, and LearnHub holds
    each email once, so two such rows never share one, nor does someone outside the file
    hold one (the daily sync's file, in which no one changes, skips the index: 0.05 s at
    100,000 rows). The index is in the "C" collation (byte order: equality is the same in
    every deterministic collation, and building it cost a third less than in the database's
    C.UTF-8, whose comparisons go through strcoll); a look-up by it says ``COLLATE "C"``."""
    return _in_savepoint([f'CREATE UNIQUE INDEX ON {stage.rows} ((email COLLATE "C"))'])


def _in_savepoint(statements: list[str]) -> bool:
    """Run ``statements`` in a savepoint; False (rolled back to it) when one fails."""
    driver = _driver()
    driver.execute("SAVEPOINT hr_index")
    try:
        for statement in statements:
            # lower() in the "C" collation lower-cases ASCII letters only, as the row path
            # does when an email is ASCII (translate() and a regular expression cost more)
            driver.execute(statement)
    except psycopg.Error:
        driver.execute("ROLLBACK TO SAVEPOINT hr_index")
        return False
    driver.execute("RELEASE SAVEPOINT hr_index")
    return True


@dataclass
class FileFacts:
    """What one pass over a clean staged file found: ``count`` rows; ``unit_names`` every org
    unit it names (people's units and stated parents); ``unit_parents`` {unit: parent} it
    states (with an org_unit_parent column); ``job_codes`` the job codes it names."""

    count: int
    unit_names: set[str]
    unit_parents: dict[str, str]
    job_codes: set[str]
    #: an email has an ASCII capital (the staged emails are lower-cased before indexing)
    lower_emails: bool = False


#: GROUPING(department, org_unit_parent, job_code, hire_date) of each grouping set: a bit per
#: column left out of the set (PostgreSQL manual, "Grouping Operations")
UNITS, CODES, DATES, WHOLE = 0b0011, 0b1101, 0b1110, 0b1111


def file_facts(stage: Stage, given: frozenset[str]) -> FileFacts | None:
    """The facts of the file when the row path's file checks (:func:`..checks.check_rows`)
    and unit checks (:func:`..checks.check_units`) would find nothing, else None. (Control
    characters were ruled out while staging; repeated numbers and emails are by
    :func:`index_file` and :func:`index_emails`.)

    One scan of the file's table with grouping sets: the whole file (its count, whether a
    row breaks a rule, whether an email needs lower-casing), its units with their parents
    (first row of each pair), its job codes and its hire dates, where four scans cost about
    0.3 s at 100,000 rows (and a fifth, for the capitals in emails, 0.05 s)."""
    bad = f"{' OR '.join(_empty_or_long())} OR {_not_an_email(stage)} OR "
    bad += "manager_employee_number = employee_number"
    groups = _run(
        "SELECT GROUPING(department, org_unit_parent, job_code, hire_date), department, "
        "org_unit_parent, job_code, hire_date, min(ord), count(*), coalesce(bool_or(bad), "
        "false), coalesce(bool_or(upper), false) FROM (SELECT *, "
        f'({bad}) AS bad, email <> lower(email COLLATE "C") AS upper FROM {stage.rows}) f '
        "GROUP BY GROUPING SETS ((department, org_unit_parent), (job_code), (hire_date), ())"
    ).all()
    count, pairs, codes, dates, upper = 0, [], set(), [], False
    for grouping, unit, parent, code, hire_date, first, rows, broken, capitals in groups:
        if grouping == WHOLE:
            if broken:
                return None
            count, upper = int(rows), bool(capitals)
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
    return FileFacts(count, named, stated, codes if "job_code" in given else set(), upper)


def _empty_or_long() -> list[str]:
    """SQL conditions, true of a row missing a required field or holding a value over its
    longest. ``octet_length`` first: it reads the value's header, where ``length`` counts
    its characters (0.03 s of 0.08 s at 100,000 rows), and no text is longer in characters
    than in bytes."""
    required = [f"{fld} = ''" for fld in ("employee_number", "first_name", "last_name", "email")]
    return required + [
        f"(octet_length({fld}) > {most} AND length({fld}) > {most})"
        for fld, most in MAX_LENGTHS.items()
    ]


def _not_an_email(stage: Stage) -> str:
    """SQL, true of a row whose email is not of the shape the row path's EMAIL_RE takes
    (or holds a character beyond ASCII, which the row path reads itself).

    A file of ASCII cells without a tab (``stage.plain``; control characters, CR and LF
    were ruled out while staging) can only hold a space among what EMAIL_RE's ``\\s``
    refuses: then three LIKE patterns say it (exactly one "@", a character before it, a
    character, a dot and a character after it; no space) for about a third of the regular
    expression's cost."""
    if stage.plain:
        return "NOT (email LIKE '_%@_%._%' AND email NOT LIKE '%@%@%' AND email NOT LIKE '% %')"
    return "email !~ '^[!-?A-~]+@[!-?A-~]+[.][!-?A-~]+$'"


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
    # a date's own text output: YYYY-MM-DD in the ISO DateStyle, which stage_file sets for
    # the import's transaction (to_char cost 0.1 to 0.3 s at 100,000 rows, reading the file's
    # dates as dates a third of that, this a tenth)
    "hire_date": "CAST(e.hire_date AS text)",
}


def compare(stage: Stage, source: str, given: frozenset[str]) -> dict[str, Any]:
    """Write ``stage.changes`` (the rows that add or change someone) and return, in file
    order, ``added`` and ``updated`` numbers, ``moves`` ([number, old source] of updated
    people of another source) and ``relinked`` (how many rows give someone a manager they
    did not have). The other rows are unchanged: only their count is needed (the file's
    less these), where reading their numbers cost 0.03 s of the server and 0.02 s of
    Python at 100,000 rows. ``changing_held`` counts the changing rows of active people of
    ``source``: with the unchanged rows, the source's active people the file holds (see
    :func:`..staged_checks.people_outside`)."""
    same = " AND ".join(f"coalesce({HELD[fld]}, '') = s.{fld}" for fld in HELD if fld in given)
    _run(
        f"CREATE TEMP TABLE {stage.changes} ON COMMIT DROP AS SELECT s.ord, "
        f"{', '.join(f's.{fld}' for fld in FIELDS)}, e.id, e.source, "
        "e.manager_id AS old_manager_id, e.active IS true AS held_active, "
        "coalesce(m.employee_number, '') <> s.manager_employee_number AS moved "
        f"FROM {stage.rows} s LEFT JOIN employees e ON e.employee_number = s.employee_number "
        "LEFT JOIN job_roles r ON r.id = e.job_role_id LEFT JOIN org_units u "
        "ON u.id = e.org_unit_id LEFT JOIN employees m ON m.id = e.manager_id "
        f"WHERE e.id IS NULL OR NOT (e.active IS true AND e.source = :source AND {same})",
        {"source": source},
    )
    added, updated, moves, relinked, changing_held = _run(
        "SELECT string_agg(employee_number, chr(31) ORDER BY ord) FILTER (WHERE id IS NULL), "
        "string_agg(employee_number, chr(31) ORDER BY ord) FILTER (WHERE id IS NOT NULL), "
        "string_agg(employee_number || chr(31) || source, chr(31) ORDER BY ord) "
        "FILTER (WHERE id IS NOT NULL AND source <> :source), "
        "count(*) FILTER (WHERE (id IS NULL OR moved) AND manager_employee_number <> ''), "
        "count(*) FILTER (WHERE held_active AND source = :source) "
        f"FROM {stage.changes}",
        {"source": source},
    ).one()
    if len(_split(added)) + len(_split(updated)) <= SMALL:
        _run(f"ANALYZE {stage.changes}")  # a few rows: index look-ups, not hash joins
    pairs = _split(moves)
    return {
        "added": _split(added),
        "updated": _split(updated),
        "moves": list(zip(pairs[::2], pairs[1::2], strict=True)),
        "relinked": relinked,
        "changing_held": changing_held,
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
