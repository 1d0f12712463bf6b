"""What the GIFT reader and writer share: result types, Moodle's weights, text formats, escapes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

# Moodle qformat_gift: format_name_to_const() knows exactly these four names.
FORMATS = frozenset({"moodle", "html", "plain", "markdown"})
DEFAULT_FORMAT = "moodle"

# PHP's trim() strips exactly these characters; Moodle trims every line and every text with it,
# so a no-break space or another Unicode space at the edge of a text survives.
WS = " \t\n\r\0\x0b"

# Moodle question_bank::fraction_options_full(): the grades an answer may carry, as percentages.
_POSITIVE = (
    "100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333",
    "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5",
)  # fmt: skip
MOODLE_FRACTIONS: frozenset[str] = frozenset((*_POSITIVE, "0", *(f"-{w}" for w in _POSITIVE)))
_FRACTION_VALUES = tuple(Decimal(w) for w in MOODLE_FRACTIONS)
# Moodle match_grade_options(): "abs($grade - $value) < 0.00001" on fractions, i.e. 0.001 percent.
_FRACTION_TOLERANCE = Decimal("0.001")

# A percentage weight as GIFT writes it between % signs (Moodle: /^%\-*([0-9]{1,2})\.?([0-9]*)%/).
WEIGHT_RE = re.compile(r"-?\d+(?:\.\d*)?")
# A number in a numeric answer (Moodle: PHP is_numeric()).
NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

# Moodle qformat_gift escapedchar_pre(): escaped control characters become placeholders before
# the text is cut up, and turn back into the characters afterwards. Unicode noncharacters are
# used as placeholders because they never belong in interchanged text.
ESCAPABLE = ":#={}~"
PLACEHOLDER = {c: chr(0xFDD0 + i) for i, c in enumerate(ESCAPABLE)}
NEWLINE_PLACEHOLDER = "\ufdd6"  # the `\n` escape
GAP = "\ufdd7"  # where a missing-word answer block stood, until it becomes "{gap}"
RESERVED = frozenset(chr(c) for c in range(0xFDD0, 0xFDD8))
_UNPLACE = str.maketrans(
    {**{p: c for c, p in PLACEHOLDER.items()}, NEWLINE_PLACEHOLDER: "\n", GAP: "{gap}"}
)


@dataclass(frozen=True)
class GiftIssue:
    """One problem found in a GIFT file: `line` is 1-based, `message` says what is wrong."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class GiftResult:
    """What parse_gift() read: question-spec dicts, plus errors and warnings in file order.

    A file with any error must not be imported (LearnHub applies an import all or nothing), so
    `questions` holds only the questions that parsed cleanly, for reporting.
    """

    questions: list[dict] = field(default_factory=list)
    errors: list[GiftIssue] = field(default_factory=list)
    warnings: list[GiftIssue] = field(default_factory=list)


def is_moodle_fraction(weight: str) -> bool:
    """True when `weight` (a percentage string) is a grade Moodle offers, within its tolerance."""
    try:
        value = Decimal(weight)
    except InvalidOperation:
        return False
    return any(abs(value - f) < _FRACTION_TOLERANCE for f in _FRACTION_VALUES)


def unescape_line(line: str) -> str:
    """Replace GIFT escapes in one source line by placeholders (Moodle escapedchar_pre).

    `\\\\` is a backslash; `\\~ \\= \\# \\{ \\} \\:` are the characters themselves; `\\n` is a
    newline; any other backslash stays as written (Moodle leaves it alone too).
    """
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\" and i + 1 < n:
            nxt = line[i + 1]
            if nxt == "\\":
                out.append("\\")
                i += 2
                continue
            if nxt in PLACEHOLDER:
                out.append(PLACEHOLDER[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append(NEWLINE_PLACEHOLDER)
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def restore(text: str) -> str:
    """Turn placeholders back into the characters they stand for (Moodle escapedchar_post)."""
    return text.translate(_UNPLACE)


def escape_text(text: str) -> str:
    """Write `text` so that GIFT reads it back unchanged (Moodle qformat_gift repchar()).

    Backslash and `~ = # { } :` get a backslash; a line break becomes `\\n` (a carriage return
    is taken as a line break), so a text always sits on one line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = text.replace("\\", "\\\\")
    for c in ESCAPABLE:
        out = out.replace(c, "\\" + c)
    return out.replace("\n", "\\n")
