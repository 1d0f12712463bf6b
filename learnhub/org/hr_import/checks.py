"""Validation of an HR import: every problem of the file, each with its row number.

Rules (README "HR import"): required fields; well-formed emails and dates; duplicate employee
numbers; two people whose emails differ only in letter case; a manager who is neither in the
file nor in LearnHub (or has left, or would leave in this full sync); someone as their own
manager; cycles in the reporting lines, counting the lines LearnHub already holds for people
not in the file; an email another person in LearnHub holds; org units with two parents or in a
cycle of parents; a control character, a line break or a bidirectional formatting character
in a text field.

Line breaks (CR, LF, NEL U+0085, LINE SEPARATOR U+2028, PARAGRAPH SEPARATOR U+2029) are refused
in every text field: names, employee and manager numbers, email, job code and title, org unit
and parent unit. A quoted CSV cell or an XLSX cell may hold one, but none of these is ever
several lines: the pages, the exports and other systems show one line per name (a fresh
tester's finding). A break at a cell's edge is whitespace, stripped like any other. The hire
date needs no rule of its own: it must read YYYY-MM-DD.

Bidirectional formatting characters (:data:`BIDI_CHARACTERS`) are refused in the same fields,
each named ("U+202E RIGHT-TO-LEFT OVERRIDE"): invisible, they make a name show in another order
than it is stored, so a last name "Zoë \u202eevil" showed as "Zoë live" on a manager's team page
(a fresh tester's finding; the "Trojan Source" attack, CVE-2021-42574, hides code the same way).
The list is Unicode TR#9's explicit embeddings, overrides and isolates (LRE, RLE, PDF, LRO,
RLO; LRI, RLI, FSI, PDI: the ones CVE-2021-42574 names) and its implicit marks (LRM, RLM,
ALM). The marks reorder no letters, but they move the digits and punctuation next to them and
make two names that look the same differ (search, duplicates); no name needs one: the letters
of a name give its direction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from operator import attrgetter, eq, itemgetter

from learnhub.core.errors import Issue
from learnhub.org.hr_import.lookups import (
    Current,
    Person,
    email_holders,
    manager_links_above,
    people_by_number,
    unit_parents,
)
from learnhub.org.hr_import.mapping import FIELDS, MAX_LENGTHS, REQUIRED, field_words

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: EMAIL_RE for each line of a text (emails joined by line feeds)
EMAILS_RE = re.compile(EMAIL_RE.pattern, re.MULTILINE)
#: C0 control characters but tab, line feed and carriage return, and DEL
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: line breaks a text field may not hold (the other ``str.splitlines`` boundaries, VT, FF and
#: FS to RS, are control characters above)
LINE_BREAK_RE = re.compile("[\r\n\x85\u2028\u2029]")
#: Unicode bidirectional formatting characters (module docstring): LRE, RLE, PDF, LRO, RLO,
#: LRI, RLI, FSI, PDI, then the marks LRM, RLM and ALM
BIDI_CHARACTERS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
BIDI_RE = re.compile(f"[{BIDI_CHARACTERS}]")
#: any of the three: one scan finds whether a row needs a closer look
UNSAFE_RE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r\n\x85\u2028\u2029{BIDI_CHARACTERS}]")
#: a date written YYYY-MM-DD, whether or not the day exists (2020-02-30 is written so, and
#: is not a real date: the two get different messages, a tester's finding)
WRITTEN_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(slots=True)
class HRRow:
    """One person row: ``row`` is its spreadsheet row number, ``values`` every field's text
    (stripped; email lower-cased; "" for an empty cell or an absent column);
    ``written_email`` the email as the file writes it (stripped, letter case kept: messages
    quote it so; "" when not known, then messages quote ``values["email"]``)."""

    row: int
    values: dict[str, str]
    written_email: str = ""


def check_rows(rows: list[HRRow], headers: dict[str, str] | None = None) -> list[Issue]:
    """Problems visible in the file alone: required fields, formats, lengths, duplicate numbers
    and emails (case-insensitively), someone as their own manager. ``headers``: {field: the
    file's header}, named in the messages beside the field's words."""
    if _clean(rows):
        return []
    issues: list[Issue] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for row in rows:
        where = f"row {row.row}"
        v = row.values
        for fld in REQUIRED:
            if not v[fld]:
                issues.append(Issue(where, f"{field_words(fld, headers)} is required"))
        # one regular-expression scan of the row's text, not a loop over its characters (that
        # cost 4.7 s of a 100,000-row import); the fields are looked at only on a hit
        unsafe = UNSAFE_RE.search("".join(v.values())) is not None
        for fld, longest in MAX_LENGTHS.items():
            if len(v[fld]) > longest:
                issues.append(
                    Issue(where, f"{field_words(fld, headers)} is longer than {longest} characters")
                )
            if unsafe and CONTROL_RE.search(v[fld]):
                # a NUL byte, for one, is refused by PostgreSQL halfway through the import
                issues.append(
                    Issue(where, f"{field_words(fld, headers)} contains a control character")
                )
            if unsafe and LINE_BREAK_RE.search(v[fld]):
                issues.append(Issue(where, f"{field_words(fld, headers)} contains a line break"))
            if unsafe and BIDI_RE.search(v[fld]):
                issues.append(Issue(where, f"{field_words(fld, headers)} {bidi_words(v[fld])}"))
        if v["email"] and not EMAIL_RE.match(v["email"]):
            issues.append(
                Issue(
                    where,
                    f"{field_words('email', headers)} {row.written_email or v['email']!r} "
                    "is not an email address",
                )
            )
        if v["hire_date"]:
            try:
                date.fromisoformat(v["hire_date"])
            except ValueError:
                written = WRITTEN_DATE_RE.fullmatch(v["hire_date"]) is not None
                issues.append(
                    Issue(
                        where,
                        f"{field_words('hire_date', headers)} {v['hire_date']!r} "
                        + ("is not a real date" if written else "is not a date written YYYY-MM-DD"),
                    )
                )
        number = v["employee_number"]
        if number in seen_numbers:
            issues.append(
                Issue(where, f"employee number {number} repeats row {seen_numbers[number]}")
            )
        elif number:
            seen_numbers[number] = row.row
        email = v["email"]
        if email in seen_emails:
            issues.append(
                Issue(
                    where,
                    f"email {email} repeats row {seen_emails[email]} "
                    "(emails are compared without letter case)",
                )
            )
        elif email:
            seen_emails[email] = row.row
        if v["manager_employee_number"] and v["manager_employee_number"] == number:
            issues.append(Issue(where, f"employee {number} is their own manager"))
    return issues


def bidi_words(text: str) -> str:
    """What a refusal says of the bidirectional formatting characters in ``text``, each named
    once in the order met: "contains U+202E RIGHT-TO-LEFT OVERRIDE, a bidirectional formatting
    character (invisible: it makes text show in another order than it is written)"."""
    found = list(dict.fromkeys(BIDI_RE.findall(text)))
    names = " and ".join(f"U+{ord(c):04X} {unicodedata.name(c)}" for c in found)
    kind = "characters" if len(found) > 1 else "character"
    return (
        f"contains {names}, {'' if len(found) > 1 else 'a '}bidirectional formatting {kind} "
        "(invisible: it makes text show in another order than it is written)"
    )


def _clean(rows: list[HRRow]) -> bool:
    """True when :func:`check_rows` can find nothing, decided column by column with the work
    in C (set, max, map, one regular-expression scan of a whole column): the per-row checks
    cost 0.8 s of a 100,000-row file. False means "look row by row", which finds the problems
    and words them; it never hides one."""
    if not rows:
        return True
    values = list(map(attrgetter("values"), rows))
    columns = {fld: list(map(itemgetter(fld), values)) for fld in FIELDS}
    for fld in REQUIRED:
        if "" in columns[fld]:
            return False
    for fld, longest in MAX_LENGTHS.items():
        column = columns[fld]
        if max(map(len, column)) > longest or UNSAFE_RE.search("".join(column)):
            return False
    emails = "\n".join(columns["email"])
    # a line per email, each matching whole (no email holds a line break: checked above)
    if len(EMAILS_RE.findall(emails)) != len(rows):
        return False
    try:
        for text in set(columns["hire_date"]) - {""}:
            date.fromisoformat(text)
    except ValueError:
        return False
    numbers = columns["employee_number"]
    return (
        len(set(numbers)) == len(rows)
        and len(set(columns["email"])) == len(rows)
        and not any(map(eq, numbers, columns["manager_employee_number"]))
    )


def check_managers(
    rows: list[HRRow], *, source: str, leaving: set[str]
) -> tuple[list[Issue], dict[str, Person]]:
    """Managers named by the file must be in it or be active in LearnHub, and not be among
    ``leaving`` (the people this full sync deactivates). Returns the issues and the managers
    found only in LearnHub ({number: Person})."""
    in_file = {r.values["employee_number"] for r in rows}
    outside = {m for r in rows if (m := r.values["manager_employee_number"]) and m not in in_file}
    known = people_by_number(outside) if outside else {}
    issues = []
    for row in rows:
        manager = row.values["manager_employee_number"]
        if not manager or manager in in_file:
            continue
        where = f"row {row.row}"
        person = known.get(manager)
        if person is None:
            issues.append(Issue(where, f"manager {manager} is neither in the file nor in LearnHub"))
        elif not person.active:
            issues.append(Issue(where, f"manager {manager} has left (inactive in LearnHub)"))
        elif manager in leaving:
            issues.append(
                Issue(
                    where,
                    f"manager {manager} is not in the file, so this full sync of {source} "
                    "would make them a leaver",
                )
            )
    return issues, known


def check_cycles(rows: list[HRRow], outside_managers: dict[str, Person]) -> list[Issue]:
    """Cycles in the reporting lines the import would leave: the file's lines, plus the lines
    LearnHub holds for people not in the file (a delta file can close a loop through them)."""
    row_of = {r.values["employee_number"]: r.row for r in rows}
    managers: dict[str, str] = {}
    if outside_managers:
        links = manager_links_above([p.id for p in outside_managers.values()])
        managers.update({e: m for e, m in links.items() if e not in row_of})
    managers.update(
        {r.values["employee_number"]: r.values["manager_employee_number"] for r in rows}
    )

    def label(number: str) -> str:
        return f"{number} (row {row_of[number]})" if number in row_of else f"{number} (in LearnHub)"

    state: dict[str, int] = {}  # 1 = on the current path, 2 = known to reach the top
    issues = []
    for start in row_of:
        path: list[str] = []
        node = start
        while node in managers and state.get(node) != 2:
            if state.get(node) == 1:
                loop = path[path.index(node) :]
                if len(loop) > 1:  # someone as their own manager is reported by check_rows
                    first = min(row_of[n] for n in loop if n in row_of)
                    text = ", ".join(label(n) for n in loop)
                    issues.append(Issue(f"row {first}", f"reporting lines form a cycle: {text}"))
                break
            state[node] = 1
            path.append(node)
            node = managers[node]
        for visited in path:
            state[visited] = 2
    return issues


def check_emails(rows: list[HRRow], existing: dict[str, Current]) -> list[Issue]:
    """An email of the file that LearnHub holds for another person who is not in the file
    (a person in the file may hand theirs over: the apply step renames in two phases)."""
    in_file = {r.values["employee_number"] for r in rows}
    wanted = {
        r.values["email"]: r
        for r in rows
        if r.values["email"]
        and (
            r.values["employee_number"] not in existing
            or existing[r.values["employee_number"]].email is not None
        )
    }
    issues = []
    for email, (holder, active) in email_holders(wanted).items():
        row = wanted[email]
        if holder != row.values["employee_number"] and holder not in in_file:
            state = "" if active else ", who has left"
            issues.append(
                Issue(f"row {row.row}", f"email {email} belongs to employee {holder}{state}")
            )
    return issues


def check_units(
    rows: list[HRRow], headers: dict[str, str] | None = None
) -> tuple[list[Issue], dict[str, str]]:
    """With an org_unit_parent column: every row of a unit names the same parent ("" = top
    level), a parent needs a unit, no unit is its own parent and parents form no cycle (with
    the parents LearnHub holds for units the file does not place). Returns the issues and the
    parents the file states ({unit: parent})."""
    stated: dict[str, tuple[str, int]] = {}
    issues = []
    for row in rows:
        unit, parent = row.values["department"], row.values["org_unit_parent"]
        where = f"row {row.row}"
        if not unit:
            if parent:
                issues.append(
                    Issue(
                        where,
                        f"{field_words('org_unit_parent', headers)} {parent!r} is given but "
                        f"{field_words('department', headers)} is empty",
                    )
                )
            continue
        if parent == unit:
            issues.append(Issue(where, f"org unit {unit!r} is its own parent"))
            continue
        if unit in stated and stated[unit][0] != parent:
            first, first_row = stated[unit]
            issues.append(
                Issue(
                    where,
                    f"org unit {unit!r} has parent {parent or '(none)'!r} here but "
                    f"{first or '(none)'!r} in row {first_row}",
                )
            )
        stated.setdefault(unit, (parent, row.row))
    parents = unit_parents() | {unit: parent for unit, (parent, _row) in stated.items()}
    done: set[str] = set()
    for start in stated:
        path: list[str] = []
        node = start
        while node and node not in done:
            if node in path:
                loop = path[path.index(node) :]
                text = ", ".join(
                    f"{u!r} (row {stated[u][1]})" if u in stated else repr(u) for u in loop
                )
                first = min(stated[u][1] for u in loop if u in stated)
                issues.append(Issue(f"row {first}", f"org units form a cycle: {text}"))
                break
            path.append(node)
            node = parents.get(node, "")
        done.update(path)
    return issues, {unit: parent for unit, (parent, _row) in stated.items()}


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Issues in row order (stable: within a row, in the order found)."""

    def key(issue: Issue) -> int:
        match = re.match(r"row (\d+)", issue.where)
        return int(match.group(1)) if match else 0

    return sorted(issues, key=key)
