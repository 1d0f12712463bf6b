"""Export cells computed by PostgreSQL: SQL expressions that give, byte for byte, the text the
Python writer gives for the same value (:func:`learnhub.core.spreadsheet.neutralise`,
``Decimal.normalize``, ``percent_floor``, ``datetime.isoformat``), so that a
CSV written from them in SQL is the same file (learnhub.reports.sql_export;
tests/reports/test_sql_export.py compares both on tricky data).

Each expression is chosen for speed as well as exactness (issue 13: the per-cell formula check
was 22% of the Python export, Fraction grades 20%): ``ascii()`` reads one character where
``left()`` and a regular expression cost more, bigint arithmetic where NUMERIC is not needed,
the timestamp's own text rather than ``to_char``. PostgreSQL only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Numeric,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
)
from sqlalchemy.sql.elements import ColumnElement

from learnhub.core.spreadsheet import FORMULA_STARTS

#: the characters Python's ``str.strip()`` removes (every ``str.isspace`` character of Python
#: 3.11's Unicode database; tests/reports/test_sql_export.py checks), for ``btrim``
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: the code points of FORMULA_STARTS (= + - @ tab CR), compared with ``ascii()`` of a cell
FORMULA_CODES = sorted(ord(c) for c in FORMULA_STARTS)
#: the same as a regular expression anchored at the start ("-" first: a literal in brackets)
FORMULA_RE = "^[" + "".join(sorted(FORMULA_STARTS, key=lambda c: c != "-")) + "]"
#: code points above 132 that Python's ``str.strip()`` removes
WIDE_SPACES = sorted(ord(c) for c in PY_WHITESPACE if ord(c) > 132)

_EMPTY = literal_column("''", Text)
_QUOTE = literal_column("''''", Text)


def _quote_if(condition: ColumnElement[bool]) -> ColumnElement[str]:
    return case((condition, _QUOTE), else_=_EMPTY)


def neutralised(text: ColumnElement[Any]) -> ColumnElement[str]:
    """SQL for :func:`learnhub.core.spreadsheet.neutralise` of a non-NULL text expression:
    prefixed with ``'`` when it starts with = + - @ tab or CR (OWASP CSV injection).
    ``ascii()`` decodes only the first character (0 for an empty text)."""
    return case((func.ascii(text).in_(FORMULA_CODES), _QUOTE + text), else_=text)


def text_cell(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A nullable text column as its neutralised cell (NULL: empty)."""
    return neutralised(func.coalesce(value, _EMPTY))


def stripped(text: ColumnElement[Any]) -> ColumnElement[str]:
    """SQL for Python's ``text.strip()``: every ``str.isspace`` character off both ends."""
    return func.btrim(text, literal(PY_WHITESPACE, Text))


def _kept_by_strip(code: ColumnElement[int]) -> ColumnElement[bool]:
    # a code point Python's strip() keeps; 0 (ascii() of an empty text) and the control
    # characters below 33 count as spaces here: the exact, slower branch then decides
    return or_(code.between(33, 132), and_(code > 132, code.not_in(WIDE_SPACES)))


def name_cell(first: ColumnElement[Any], last: ColumnElement[Any]) -> ColumnElement[str]:
    """SQL for ``neutralise(f"{first} {last}".strip())`` (names are NOT NULL). Most names
    neither start nor end with a space: their text is the two joined, and their first
    character decides the quote; the others go through ``btrim`` and a regular expression."""
    joined = first + literal_column("' '", Text) + last
    head = func.ascii(first)
    return case(
        (
            and_(_kept_by_strip(head), _kept_by_strip(func.ascii(func.right(last, 1)))),
            _quote_if(head.in_(FORMULA_CODES)) + joined,
        ),
        else_=func.regexp_replace(
            stripped(joined), literal(FORMULA_RE, Text), literal("'\\&", Text)
        ),
    )


def number_cell(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A nullable NUMERIC as ``format(value.normalize(), "f")`` writes it, neutralised: no
    trailing zeros and no trailing point (``10.0000000`` gives ``10``); NULL: empty."""
    return func.coalesce(_quote_if(value < 0) + cast(func.trim_scale(value), Text), _EMPTY)


def int_cell(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A nullable INTEGER as ``str(value or 0)``, neutralised."""
    number = func.coalesce(value, 0)
    return _quote_if(number < 0) + cast(number, Text)


def percent_floor_cell(fraction_text: ColumnElement[Any]) -> ColumnElement[str]:
    """SQL for ``str(percent_floor(Fraction(fraction_text)))`` (a percentage with one decimal,
    rounded DOWN: learnhub.quizzes.scoring.attempt), neutralised; NULL: empty.

    ``fraction_text`` is what ``str(Fraction)`` writes (learnhub.progress.services): ``"n/d"``
    or ``"n"``, d > 0. Up to 15 characters and not negative (every real grade): bigint
    arithmetic, exact (n x 1000 stays below 2**63; floor is truncation when n >= 0). Else
    NUMERIC's exact ``div`` and ``mod``. Either way 2/3 gives 66.6 and 8966/10000 gives 89.6
    as ``math.floor`` on the Fraction does; another spelling (``"0.5"``) makes the export fail
    rather than write something else."""
    numerator = func.split_part(fraction_text, "/", 1)
    denominator = func.coalesce(
        func.nullif(func.split_part(fraction_text, "/", 2), _EMPTY), literal_column("'1'", Text)
    )
    # "//": integer division in SQL (SQLAlchemy renders "/" on integers as true division)
    small = cast(numerator, BigInteger) * 1000 // cast(denominator, BigInteger)
    big_numerator = cast(numerator, Numeric) * 1000
    big_denominator = cast(denominator, Numeric)
    # div truncates toward zero; floor is one less for a negative non-multiple (d > 0)
    big = func.div(big_numerator, big_denominator) - cast(
        func.mod(big_numerator, big_denominator) < 0, Integer
    )
    head = func.ascii(fraction_text)
    # x 0.1 keeps one decimal place, as Decimal(f"{scaled}E-1") does: 0.0, 66.6, 100.0
    tenth = literal_column("0.1", Numeric)
    return func.coalesce(
        case(
            (
                and_(func.length(fraction_text) <= 15, head.between(48, 57)),
                cast(small * tenth, Text),
            ),
            else_=_quote_if(head == 45) + cast(big * tenth, Text),
        ),
        _EMPTY,
    )


def utc_cell(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A nullable timestamptz as Python's ``isoformat()`` of the aware UTC datetime with
    ``Z`` for ``+00:00`` (``2026-01-31T09:05:00Z``; 6 digits of microseconds only when not
    zero); NULL: empty. Reads the timestamp's text, so DateStyle must be ISO (PostgreSQL's
    default; learnhub.reports.sql_export checks), and puts back the trailing zeros of the
    fraction that PostgreSQL drops (``.5`` → ``.500000``) with ``rpad``."""
    utc = func.timezone("UTC", value)
    as_text = cast(utc, Text)
    return func.coalesce(
        func.replace(
            case(
                (func.date_trunc("second", utc) == utc, as_text),
                else_=func.rpad(as_text, 26, literal_column("'0'", Text)),
            ),
            literal_column("' '", Text),
            literal_column("'T'", Text),
            type_=Text,
        )
        + literal_column("'Z'", Text),
        _EMPTY,
    )
