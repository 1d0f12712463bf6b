"""The database reads of an HR import: one statement for all the keys on PostgreSQL, one per
chunk of keys on SQLite.

PostgreSQL gets the keys as one array parameter (``column = ANY(:keys)``): a 100,000-row file
is one indexed look-up per question. The IN lists it used to get, 900 keys each, were rendered
into SQL text that psycopg then split again, and cost more than the look-ups (2 s of a
30,000-row plan). On SQLite IN lists are cut into chunks below its bound-variable limit
(32766 since SQLite 3.32, 999 before), so a file costs a few hundred look-ups, never one per
row.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Connection, String, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit

T = TypeVar("T")
#: keys per IN list: under SQLite's old 999-variable default with room for other parameters
CHUNK = 900
#: between the keys of one PostgreSQL array parameter (the unit separator)
SEPARATOR = "\x1f"


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (reference counting goes on) while an import
    builds its rows: hundreds of thousands of new lists, dicts and tuples, none in a cycle,
    made the collector walk the whole heap again and again (30% of a 100,000-row plan's CPU).
    It runs again at the end, or at once if something else turned it back on. Usable as a
    decorator."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def core() -> Connection:
    """The session's connection, flushed, for statements whose rows need no ORM processing
    (SQLAlchemy's ORM result handling cost 0.9 s per 100,000 rows of a plan)."""
    db.session.flush()
    return db.session.connection()


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def where_in(column: Any, keys: Iterable[Any]) -> Iterator[ColumnElement[bool]]:
    """Conditions ``column IN keys`` to run one statement each: on PostgreSQL one condition
    with the keys as an array parameter, on SQLite one per chunk of CHUNK keys (none for no
    keys)."""
    values = list(keys)
    if not values:
        return
    if is_postgresql():
        # one text parameter split by the server: psycopg's dumper of a Python list spends
        # 2 s of a 100,000-row import in Python; a key holding the separator (a control
        # character, refused by the checks) can only make a look-up that finds nothing
        joined = bindparam(None, SEPARATOR.join(map(str, values)))
        array = cast(func.string_to_array(joined, SEPARATOR), ARRAY(column.type))
        yield column == any_(array)
        return
    for chunk in chunks(values):
        yield column.in_(chunk)


class Current(NamedTuple):
    """An employee of the file as LearnHub holds them: ``same`` is true when every compared
    field already has the file's value (only what the plan needs is kept, not every field,
    so a 100,000-row plan does not hold the database's copy of every cell)."""

    id: int
    active: bool
    source: str
    #: the email LearnHub holds when it differs from the file's, else None
    email: str | None
    same: bool


def existing_employees(
    wanted: dict[str, dict[str, str]], compared: Sequence[str]
) -> dict[str, Current]:
    """{employee number: Current} for the employees of ``wanted`` ({number: the file's field
    values}) LearnHub knows (any source), comparing the ``compared`` fields.

    The database hands back every compared field as the file's text ("" for none, dates as
    YYYY-MM-DD), so a person is compared as one tuple against the file's (in C), on a Core
    connection (no ORM row processing): this cost 1.5 s of a 100,000-row re-import."""
    manager = aliased(Employee)
    if is_postgresql():
        hire_date: Any = func.to_char(Employee.hire_date, "YYYY-MM-DD")
    else:  # SQLite stores a date as its ISO text
        hire_date = cast(Employee.hire_date, String)
    text_of = {
        "employee_number": Employee.employee_number,
        "first_name": Employee.first_name,
        "last_name": Employee.last_name,
        "email": Employee.email,
        "job_code": JobRole.code,
        "job_title": Employee.job_title,
        "department": OrgUnit.name,
        "manager_employee_number": manager.employee_number,
        "hire_date": hire_date,
    }
    fields = ["employee_number", *(fld for fld in compared if fld != "employee_number")]
    query = (
        select(
            Employee.id,
            Employee.active,
            Employee.source,
            Employee.email,
            *(func.coalesce(text_of[fld], "") for fld in fields),
        )
        .outerjoin(JobRole, Employee.job_role_id == JobRole.id)
        .outerjoin(OrgUnit, Employee.org_unit_id == OrgUnit.id)
        .outerjoin(manager, Employee.manager_id == manager.id)
    )
    pick = itemgetter(*fields)
    file_texts = pick if len(fields) > 1 else lambda values: (pick(values),)
    sources: dict[str, str] = {}
    result = {}
    connection = core()
    for condition in where_in(Employee.employee_number, wanted):
        for id_, active, source, email, *texts in connection.execute(query.where(condition)):
            values = wanted[texts[0]]
            same = tuple(texts) == file_texts(values)
            number = values["employee_number"]  # keep the file's string, not a copy
            result[number] = Current(
                id_,
                active,
                sources.setdefault(source, source),
                None if email == values["email"] else email,
                same,
            )
    return result


class Person(NamedTuple):
    id: int
    number: str
    active: bool
    source: str


def people_by_number(numbers: Iterable[str]) -> dict[str, Person]:
    """{employee number: Person} for the known ones of ``numbers``."""
    query = select(Employee.id, Employee.employee_number, Employee.active, Employee.source)
    return {
        row.employee_number: Person(*row)
        for condition in where_in(Employee.employee_number, numbers)
        for row in db.session.execute(query.where(condition))
    }


def email_holders(emails: Iterable[str]) -> dict[str, tuple[str, bool]]:
    """{email: (employee number, active)} for the ``emails`` someone in LearnHub already has."""
    query = select(Employee.email, Employee.employee_number, Employee.active)
    return {
        email: (number, active)
        for condition in where_in(Employee.email, emails)
        for email, number, active in core().execute(query.where(condition))
    }


def manager_links_above(ids: Sequence[int]) -> dict[str, str]:
    """{employee number: manager's employee number} for ``ids`` and everyone above them, as
    LearnHub holds the reporting lines now (recursive CTE, UNION so it always ends)."""
    links: dict[str, str] = {}
    manager = aliased(Employee)
    for chunk in chunks(ids):
        start = select(Employee.id).where(Employee.id.in_(chunk)).cte("up", recursive=True)
        parent = aliased(Employee)
        child = aliased(Employee)
        up = start.union(
            select(parent.id)
            .join(child, child.manager_id == parent.id)
            .where(child.id == start.c.id)
        )
        query = (
            select(Employee.employee_number, manager.employee_number)
            .join(manager, Employee.manager_id == manager.id)
            .where(Employee.id.in_(select(up.c.id)))
        )
        links.update(dict(db.session.execute(query).all()))
    return links


def unit_parents() -> dict[str, str]:
    """{org unit name: parent unit name, "" for a top unit} for every unit (a small table)."""
    parent = aliased(OrgUnit)
    rows = db.session.execute(
        select(OrgUnit.name, parent.name).outerjoin(parent, OrgUnit.parent_id == parent.id)
    )
    return {name: parent_name or "" for name, parent_name in rows}


def active_ids_of_source(source: str) -> dict[str, int]:
    """{employee number: id} of the active people whose HR source is ``source``."""
    return dict(
        core()
        .execute(
            select(Employee.employee_number, Employee.id).where(
                Employee.source == source, Employee.active.is_(True)
            )
        )
        .all()
    )


def reporting_to(manager_ids: Sequence[int]) -> list[tuple[str, str, str]]:
    """(employee number, source, manager's number) of active people reporting to any of
    ``manager_ids`` directly."""
    manager = aliased(Employee)
    query = (
        select(Employee.employee_number, Employee.source, manager.employee_number)
        .join(manager, Employee.manager_id == manager.id)
        .where(Employee.active.is_(True))
    )
    return [
        tuple(row)
        for condition in where_in(Employee.manager_id, manager_ids)
        for row in db.session.execute(query.where(condition))
    ]


def case_twins(
    added: Sequence[str], others: Iterable[str], held: Iterable[str] | None = None
) -> list[str]:
    """Warnings for the numbers of ``added`` (people an import would add) that differ only in
    letter case from someone LearnHub holds or from another number of the file (``others``:
    the file's other numbers), e.g. "e1007" beside "E1007": the import treats them as two
    people (numbers are compared exactly), which is seldom what HR meant. One query reads
    every employee number (a short column) when anything is added, unless ``held`` gives
    the numbers of LearnHub that may be twins (a staged plan's narrowed list)."""
    if not added:
        return []
    if held is None:
        held = db.session.scalars(select(Employee.employee_number))
    every = {*held, *added, *others}
    if len(set(map(str.lower, every))) == len(every):
        # no two distinct numbers lower-case alike, so no twins: two set builds in C, where
        # grouping every number in Python cost 0.1 to 0.2 s of a first sync of 100,000
        return []
    twins_of: dict[str, set[str]] = {}
    for number in every:
        twins_of.setdefault(number.lower(), set()).add(number)
    warnings = []
    for number in added:
        group = twins_of[number.lower()]
        if len(group) < 2:  # most numbers: no set difference made
            continue
        twins = sorted(group - {number})
        if twins:
            warnings.append(
                f"employee {number} differs only in letter case from {', '.join(twins)}: it is "
                "added as another person; check the employee numbers"
            )
    return warnings
