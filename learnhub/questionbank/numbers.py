"""Bounds on the numbers an imported question may hold.

Exact arithmetic makes a number such as ``1e999999999`` expensive: turning it into a Fraction
or writing it out in full takes minutes and gigabytes. No quiz needs more than this, so
importers refuse such numbers with an error (a tester stalled a server with a 30-byte file).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_DIGITS = 40
MAX_EXPONENT = 30


def number_problem(text: str) -> str | None:
    """Why ``text`` (a decimal as written, exponent allowed) is too big or too precise for a
    question, or None when it is fine. Non-numbers are the caller's to report."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return "is not a finite number"
    digits = len(value.as_tuple().digits)
    if digits > MAX_DIGITS:
        return f"has {digits} digits (at most {MAX_DIGITS})"
    if value != 0 and abs(value.adjusted()) > MAX_EXPONENT:
        return f"is beyond 10^{MAX_EXPONENT} in size or precision"
    return None
