"""Jinja filters of the pages: numbers, plurals and times as people read them.

Display only: the API keeps exact values (a score of 1/3 of a point stays "0.3333333" there).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import Blueprint
from flask_login import current_user

from learnhub.core.dates import day_words, without_leading_zero
from learnhub.org.time_zones import local_time as _local_time
from learnhub.quizzes.render import says_several


def points(value: object) -> str:
    """A number of points for reading: at most 2 decimals, no trailing zeros
    ("0.3333333" → "0.33", "2.50" → "2.5", "9" → "9"); None → "0"."""
    if value is None:
        return "0"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    rounded = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def points_of(raw: object, maximum: object) -> str:
    """ "0.33 of 9 points", "1 of 1 point" (the unit agrees with the maximum)."""
    top = points(maximum)
    return f"{points(raw)} of {top} point{'' if top == '1' else 's'}"


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """ "1 module", "3 modules", "0 modules"; ``plural`` when not singular + "s"
    ("1 person", "2 people")."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def local_time(moment: datetime | None, fmt: str = "%d %B %Y, %H:%M %Z") -> str:
    """``moment`` (stored in UTC) in the signed-in person's time zone, else the
    organisation's (learnhub.org.time_zones); "" for None. The day of the month has no
    leading zero ("1 February 2027"), as every date of the pages (learnhub.core.dates)."""
    if moment is None:
        return ""
    employee = getattr(current_user, "employee", None) if current_user.is_authenticated else None
    return without_leading_zero(fmt, _local_time(moment, employee))


def learning_time(minutes: float | int | None) -> str:
    """A learning time as people read it, rounded to the minute: "17 min", "1 h", "1 h 25 min";
    "0 min" for None or nothing. (Decimal hours read oddly: "0.3 h each, 0.8 h for the
    group" for 3 x 17 minutes, a tester's finding.)"""
    total = round(minutes or 0)
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def local_day(moment: datetime | None) -> str:
    """The day of ``moment`` (UTC) in the signed-in person's time zone as people write it,
    without a leading zero: "3 March 2027" (the same form as due dates); "" for None."""
    if moment is None:
        return ""
    employee = getattr(current_user, "employee", None) if current_user.is_authenticated else None
    local = _local_time(moment, employee)
    return day_words(local)


def register(blueprint: Blueprint) -> None:
    """Make the filters available to every template of the app."""
    for name, function in (
        ("points", points),
        ("points_of", points_of),
        ("counted", counted),
        ("local_time", local_time),
        ("local_day", local_day),
        ("learning_time", learning_time),
        ("says_several", says_several),
    ):
        blueprint.add_app_template_filter(function, name)
