"""Calendar arithmetic that SQLite and PostgreSQL do alike: adding whole months to a timestamp.

``add_months`` is the rule (a day past the end of the target month is clamped to its last
day: 31 January + 1 month = 28/29 February, as PostgreSQL's ``interval`` arithmetic does).
:class:`sql_add_months` (and :class:`sql_add_days`) is the same in a SQL statement:
``make_interval`` on PostgreSQL; on SQLite, whose ``'+1 months'`` modifier would roll 31
January over into March, a Python function registered on every SQLite connection, so a
set-based UPDATE gets the same answer as the Python code path.
"""

from __future__ import annotations

import calendar
import sqlite3
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from learnhub.core.models import UTCDateTime

#: the SQLite function's name (registered by :func:`_register_sqlite_functions`)
SQLITE_SHIFT = "learnhub_shift"


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus ``months`` calendar months (negative: earlier), the day clamped to the
    last day of the target month; time of day and zone kept."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


class sql_add_months(FunctionElement):
    """``sql_add_months(timestamp_expr, months_expr)``: a UTC timestamp expression plus whole
    months, by :func:`add_months`' rule on both databases (NULL months: NULL)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "add_months"
    unit = "months"


class sql_add_days(FunctionElement):
    """``sql_add_days(timestamp_expr, days_expr)``: a UTC timestamp plus whole days (negative:
    earlier) of 24 hours (NULL days: NULL)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "add_days"
    unit = "days"


@compiles(sql_add_months, "postgresql")
@compiles(sql_add_days, "postgresql")
def _pg_shift(element, compiler, **kw) -> str:
    moment, amount = list(element.clauses)
    return (
        f"({compiler.process(moment, **kw)} + make_interval({element.unit} => "
        f"CAST({compiler.process(amount, **kw)} AS INTEGER)))"
    )


@compiles(sql_add_months, "sqlite")
@compiles(sql_add_days, "sqlite")
def _sqlite_shift(element, compiler, **kw) -> str:
    moment, amount = list(element.clauses)
    return (
        f"{SQLITE_SHIFT}({compiler.process(moment, **kw)}, "
        f"{compiler.process(amount, **kw)}, '{element.unit}')"
    )


def _sqlite_shift_function(value: str | None, amount: int | None, unit: str) -> str | None:
    # SQLite keeps UTC timestamps as "YYYY-MM-DD HH:MM:SS.ffffff" (core.models.UTCDateTime)
    if value is None or amount is None:
        return None
    moment = datetime.fromisoformat(value)
    if unit == "months":
        moment = add_months(moment, int(amount))
    else:
        moment = moment + timedelta(days=int(amount))
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            SQLITE_SHIFT, 3, _sqlite_shift_function, deterministic=True
        )
