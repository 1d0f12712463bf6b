"""Calendar days as people read them: "1 February 2027", without a leading zero (the GOV.UK
style the pages' hints use, "for example 31 March 2027"). One helper, so that a page and its
preview never write the same day two ways (a tester's finding: "By 01 February 2027" on the
assignment page, "By 1 February 2027" in its preview)."""

from __future__ import annotations

from datetime import date


def day_words(value: date) -> str:
    """``value`` (a date or datetime) as "1 February 2027"."""
    return f"{value.day} {value:%B %Y}"


def without_leading_zero(fmt: str, value: date) -> str:
    """``fmt`` (a strftime format) with its day of the month (``%d``) written without a
    leading zero, for ``value``: "%d %B %Y, %H:%M" → "1 February 2027, 09:05"."""
    return value.strftime(fmt.replace("%d", str(value.day)))
