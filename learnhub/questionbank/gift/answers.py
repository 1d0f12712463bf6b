"""Reading a GIFT answer block: the question types, weights, feedback and texts.

Each rule follows Moodle's qformat_gift::readquestion() (question/format/gift/format.php); the
`_Block` reader in parser.py finds the block and hands it over.
"""

from __future__ import annotations

import re
from decimal import Decimal

from learnhub.questionbank.gift.common import (
    FORMATS,
    NUMBER_RE,
    WEIGHT_RE,
    WS,
    GiftIssue,
    GiftResult,
    is_moodle_fraction,
    restore,
)
from learnhub.questionbank.models import QuestionType
from learnhub.questionbank.numbers import number_problem

_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
# Moodle trims every source line before joining a question's lines with "\n". LearnHub keeps
# the lines of HTML and Markdown texts as written: indentation and trailing spaces carry meaning
# there (<pre> blocks, nested lists, hard line breaks) and do no harm elsewhere.
_KEEPS_LINES = frozenset({"html", "markdown"})
_LINE_EDGE = re.compile(r"[ \t\r\0\x0b]*\n[ \t\r\0\x0b]*")
# `%...%` at the start of an answer is a weight; without a closing `%` it is plain text.
_WEIGHT_TOKEN = re.compile(r"%([^%\s]*)%")
_WEIGHT_TOTAL_SLACK = Decimal("0.001")
_WILDCARD_DROPPED = (
    "the feedback for any other answer ('~') is dropped: LearnHub numeric answers have no wildcard"
)


def _quote(text: str) -> str:
    text = " ".join(restore(text).split())
    return text if len(text) <= 40 else text[:39] + "…"


class AnswerReader:
    """Reports, texts and answer blocks of one source block (`t`: escapes as placeholders)."""

    t: str
    first_line: int
    result: GiftResult
    error_count: int

    # -- reporting -------------------------------------------------------------------------

    def line_of(self, pos: int) -> int:
        return self.first_line + self.t.count("\n", 0, pos)

    def error(self, pos: int, message: str) -> None:
        self.result.errors.append(GiftIssue(self.line_of(pos), message))
        self.error_count += 1

    def warn(self, pos: int, message: str) -> None:
        self.result.warnings.append(GiftIssue(self.line_of(pos), message))

    # -- texts -----------------------------------------------------------------------------

    def text(self, raw: str, default_format: str) -> dict:
        """A text with an optional `[format]` prefix → {"format", "text"}.

        Moodle parse_text_with_format(): an unknown `[name]` is kept as text.
        """
        raw = raw.strip(WS)
        fmt = default_format
        if raw.startswith("["):
            end = raw.find("]")
            if end > 0 and raw[1:end] in FORMATS:
                fmt, raw = raw[1:end], raw[end + 1 :]
        if fmt not in _KEEPS_LINES:
            raw = _LINE_EDGE.sub("\n", raw)
        return {"format": fmt, "text": restore(raw).strip(WS)}

    def feedback(self, raw: str, default_format: str) -> dict | None:
        feedback = self.text(raw, default_format)
        return feedback if feedback["text"] else None

    @staticmethod
    def plain(raw: str) -> str:
        return restore(_LINE_EDGE.sub("\n", raw.strip(WS))).strip(WS)

    # -- question types --------------------------------------------------------------------

    def read_answer_block(self, q: dict, base: int, body: str, fmt: str, opening: int) -> None:
        """Decide the type from the answer block, in Moodle's order, and read the answers."""
        head = body[: body.find("#")] if body.find("#") > 0 else body
        if not body:
            q["type"] = QuestionType.ESSAY
        elif body[0] == "#":
            q["type"] = QuestionType.NUMERIC
            self._numeric(q, base, body, fmt, opening)
        elif "~" in body:
            self._choices(q, base, body, fmt, opening)
        elif "=" in body and "->" in body:
            q["type"] = QuestionType.MATCHING
            self._matching(q, base, body, fmt, opening)
        elif head.strip(WS) in _TRUE_FALSE:
            q["type"] = QuestionType.TRUE_FALSE
            self._true_false(q, body, fmt)
        else:
            q["type"] = QuestionType.SHORT_ANSWER
            self._short_answer(q, base, body, fmt)

    def _pieces(self, base: int, body: str, markers: str) -> list[tuple[str, int, str]]:
        """Cut `body` before each marker → [(marker, offset of the piece's text, piece)].

        Moodle explode()s the block the same way; a blank piece before the first marker is
        dropped, a non-blank one is kept with marker "".
        """
        pieces: list[tuple[str, int, str]] = []
        marker, begin = "", 0
        for i, char in enumerate(body):
            if char in markers:
                pieces.append((marker, begin, body[begin:i]))
                marker, begin = char, i + 1
        pieces.append((marker, begin, body[begin:]))
        if not pieces[0][2].strip(WS):
            pieces.pop(0)
        # An answer's line is where its text starts, or where its marker stands if it is empty.
        return [
            (
                m,
                base + b + (len(piece) - len(piece.lstrip(WS)) if piece.strip(WS) else -1),
                piece.strip(WS),
            )
            for m, b, piece in pieces
        ]

    def _weight(self, pos: int, raw: str) -> str | None:
        # GIFT spec: weights are percentages of the question's points.
        if not WEIGHT_RE.fullmatch(raw):
            self.error(
                pos,
                f"unknown weight syntax '%{raw}%' (write a percentage such as %50% or %-25%)",
            )
            return None
        if not Decimal(-100) <= Decimal(raw) <= Decimal(100):
            self.error(pos, f"weight {raw}% is outside [-100, 100]")
            return None
        if not is_moodle_fraction(raw):
            self.warn(
                pos, f"weight {raw}% is not one Moodle accepts; LearnHub scores it as written"
            )
        return raw

    def _answer(self, pos: int, piece: str, weight: str | None, fmt: str):
        """`[%weight%]text[#feedback]` → (weight, text dict, feedback dict or None)."""
        match = _WEIGHT_TOKEN.match(piece)
        if match:
            weight = self._weight(pos, match[1])
            piece = piece[match.end() :]
        text, _, feedback = piece.partition("#")
        return weight, self.text(text, fmt), self.feedback(feedback, fmt)

    def _choices(self, q: dict, base: int, body: str, fmt: str, opening: int) -> None:
        pieces = self._pieces(base, body, "~=")
        # Moodle: "Multiple answers are enabled if no single answer is 100% correct".
        single = any(marker == "=" for marker, _, _ in pieces)
        q["type"] = QuestionType.SINGLE_CHOICE if single else QuestionType.MULTIPLE_CHOICE
        q["choices"] = choices = []
        for marker, pos, piece in pieces:
            if not marker:
                self.warn(pos, "text before the first '~' or '=' is read as a wrong answer")
            weight, text, feedback = self._answer(pos, piece, "100" if marker == "=" else "0", fmt)
            if not text["text"]:
                self.error(pos, "an answer is empty")
            choices.append({"text": text, "weight": weight, "feedback": feedback})
        if len(choices) < 2:
            self.error(
                opening,
                f"a multiple-choice question needs at least 2 answers, found {len(choices)}",
            )
        weights = [Decimal(c["weight"]) for c in choices if c["weight"] is not None]
        if not weights or len(weights) < len(choices):
            return
        if single and max(weights) != 100:
            self.warn(opening, "no answer has weight 100%, so nobody can get full marks")
        total = sum(w for w in weights if w > 0)
        if not single and abs(total - 100) > _WEIGHT_TOTAL_SLACK:
            self.warn(opening, f"the positive weights add up to {total}%, not 100%")

    def _short_answer(self, q: dict, base: int, body: str, fmt: str) -> None:
        q["answers"] = answers = []
        q["case_sensitive"] = False
        for _, pos, piece in self._pieces(base, body, "="):
            weight, text, feedback = self._answer(pos, piece, "100", fmt)
            if not text["text"]:
                self.error(pos, "an answer is empty")
            answers.append({"text": text["text"], "weight": weight, "feedback": feedback})

    def _true_false(self, q: dict, body: str, fmt: str) -> None:
        # Moodle split_truefalse_comment(): {T#feedback for a wrong answer#for a right one}.
        bits = body.split("#", 2)
        is_true = _TRUE_FALSE[bits[0].strip(WS)]
        wrong = self.feedback(bits[1], fmt) if len(bits) > 1 else None
        right = self.feedback(bits[2], fmt) if len(bits) > 2 else None
        q["choices"] = [
            {
                "text": {"format": "plain", "text": "True"},
                "weight": "100" if is_true else "0",
                "feedback": right if is_true else wrong,
            },
            {
                "text": {"format": "plain", "text": "False"},
                "weight": "0" if is_true else "100",
                "feedback": wrong if is_true else right,
            },
        ]

    def _numeric(self, q: dict, base: int, body: str, fmt: str, opening: int) -> None:
        body, base = body[1:], base + 1
        tilde = body.find("~")
        if tilde != -1:
            # Moodle stores `~#feedback` as a 0% answer "*"; the spec's numeric answers have
            # no wildcard, so the feedback cannot be kept.
            self.warn(base + tilde, _WILDCARD_DROPPED)
            body = body[:tilde]
        pieces = self._pieces(base, body, "=")
        if not pieces:
            self.error(opening, "a numeric question needs at least one answer")
        q["answers"] = answers = []
        for _, pos, piece in pieces:
            weight, text, feedback = self._answer(pos, piece, "100", fmt)
            if text["text"] == "*":  # Moodle's wildcard answer, as its XML export writes it
                self.warn(pos, _WILDCARD_DROPPED)
                continue
            answer = self._number(pos, text["text"])
            if answer is not None:
                answers.append({**answer, "weight": weight, "feedback": feedback})

    def _number(self, pos: int, value: str) -> dict | None:
        """`min..max`, `value:tolerance` or `value` → the spec's range or tolerance answer."""
        dots = value.find("..")
        if dots > 0:
            low, high = value[:dots].strip(WS), value[dots + 2 :].strip(WS)
            if not (NUMBER_RE.fullmatch(low) and NUMBER_RE.fullmatch(high)):
                self.error(pos, f"numeric range '{_quote(value)}' is not of the form min..max")
                return None
            problem = number_problem(low) or number_problem(high)
            if problem:
                self.error(pos, f"numeric range '{_quote(value)}' {problem}")
                return None
            if Decimal(low) > Decimal(high):
                self.error(pos, f"numeric range '{value}' has its minimum above its maximum")
                return None
            return {"kind": "range", "min": low, "max": high}
        colon = value.find(":")
        number, tolerance = value, "0"
        if colon > 0:
            number, tolerance = value[:colon].strip(WS), value[colon + 1 :].strip(WS)
        if not NUMBER_RE.fullmatch(number):
            self.error(pos, f"numeric answer '{_quote(number)}' is not a number")
            return None
        if not NUMBER_RE.fullmatch(tolerance):
            self.error(pos, f"tolerance '{_quote(tolerance)}' is not a number")
            return None
        for part, label in ((number, "numeric answer"), (tolerance, "tolerance")):
            problem = number_problem(part)
            if problem:
                self.error(pos, f"{label} '{_quote(part)}' {problem}")
                return None
        if Decimal(tolerance) < 0:
            self.error(pos, f"tolerance '{tolerance}' is negative")
            return None
        return {"kind": "tolerance", "value": number, "tolerance": tolerance}

    def _matching(self, q: dict, base: int, body: str, fmt: str, opening: int) -> None:
        q["pairs"] = pairs = []
        errors_before = self.error_count
        for _, pos, piece in self._pieces(base, body, "="):
            arrow = piece.find("->")
            if arrow == -1:
                self.error(pos, f"matching answer '{_quote(piece)}' has no '->'")
                continue
            left = self.text(piece[:arrow], fmt)
            right = self.plain(piece[arrow + 2 :])
            if not right:
                self.error(pos, "a matching answer has nothing after '->'")
                continue
            # Moodle: an empty left side (`= -> x`) is an extra wrong answer, a distractor.
            pairs.append({"left": left if left["text"] else None, "right": right})
        real = sum(1 for pair in pairs if pair["left"] is not None)
        if real < 2 and self.error_count == errors_before:
            self.error(opening, f"a matching question needs at least 2 pairs, found {real}")
