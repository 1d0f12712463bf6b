"""Read Moodle GIFT text into question-spec dicts (the shared question-spec contract).

The rules follow Moodle's own importer, qformat_gift::readquestion() in
question/format/gift/format.php, and qformat_default::readquestions(), which cuts a file into
questions at blank lines. Where Moodle silently builds something odd (an answer block that is
never closed, `%abc%` as a weight, a numeric answer that is not a number) this reader reports an
error with its line instead; where LearnHub's spec cannot hold something Moodle keeps, it warns.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from learnhub.questionbank.competence_tags import read_competence_tags
from learnhub.questionbank.gift.answers import AnswerReader
from learnhub.questionbank.gift.common import (
    DEFAULT_FORMAT,
    GAP,
    RESERVED,
    WS,
    GiftIssue,
    GiftResult,
    unescape_line,
)
from learnhub.questionbank.models import QuestionType

logger = logging.getLogger(__name__)

# Moodle extract_idnumber_and_tags_from_comment(): `]` may be escaped as `\]` inside the token.
_ID_RE = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])*)\]")


def parse_gift(text: str) -> GiftResult:
    """Parse GIFT `text` into question-spec dicts, with every problem tied to its line.

    Returns a GiftResult: `questions` (dicts as in the question-spec contract, each with
    "line", the 1-based line where it starts, and "category", the `$CATEGORY:` in force),
    `errors` and `warnings` (GiftIssue: 1-based line and message). A question with an error is
    left out of `questions`; a file with errors must not be imported. Nothing is raised.

    Rules, all from Moodle's qformat_gift unless said otherwise:
    - questions are separated by blank lines; a line starting with `//` is a comment; an
      `[id:X]` or `[tag:Y]` in a comment applies to the question in the same block;
    - `$CATEGORY: path` sets the category of the questions after it (LearnHub also reads a
      question that follows it without a blank line; Moodle would swallow it into the path);
    - `::Title::`, then text; `[html]`, `[moodle]`, `[plain]`, `[markdown]` at the start of any
      text sets its format (answers and feedback default to the question text's format);
    - the first `{...}` is the answer block; text after it makes a missing-word question whose
      stem holds "{gap}"; no block makes a description, `{}` an essay;
    - the type comes from the block: `#...` numeric, any `~` multiple choice (single choice if
      some answer is `=`), `=a -> b` matching, T/TRUE/F/FALSE true/false, else short answer;
    - `####` starts the general feedback, `#` an answer's feedback, `%50%` a weight;
    - escapes `\\~ \\= \\# \\{ \\} \\: \\\\ \\n` (any other backslash stays as written).
    LearnHub deviation: html and markdown texts keep the indentation and trailing spaces of
    their lines (<pre> blocks, nested lists, hard line breaks); Moodle trims every line.
    """
    result = GiftResult()
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    category: str | None = None
    for first_line, block in _blocks(lines):
        category = _Block(block, first_line, category, result).parse()
    logger.debug(
        "GIFT parsed: %d questions, %d errors, %d warnings",
        len(result.questions),
        len(result.errors),
        len(result.warnings),
    )
    return result


def _blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, lines) for each run of non-blank lines."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip(WS):
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


class _Block(AnswerReader):
    """One blank-line-separated block: maybe a `$CATEGORY:` line, maybe one question."""

    def __init__(
        self, lines: list[str], first_line: int, category: str | None, result: GiftResult
    ) -> None:
        self.first_line = first_line
        self.category = category
        self.result = result
        comments, body = [], []
        for line in lines:
            is_comment = line.strip(WS).startswith("//")
            comments.append(line if is_comment else "")
            body.append("" if is_comment else line)
        self.comments = "\n".join(comments)
        self.raw_body = body
        # Escapes never span lines, so an offset in `t` still maps to its source line.
        self.t = "\n".join(unescape_line(line) for line in body)
        self.error_count = 0

    # -- the block -------------------------------------------------------------------------

    def parse(self) -> str | None:
        """Parse the block into self.result; return the category in force after it."""
        for offset, line in enumerate(self.raw_body):
            bad = RESERVED.intersection(line)
            if bad:
                char = min(bad)
                self.result.errors.append(
                    GiftIssue(
                        self.first_line + offset,
                        f"character U+{ord(char):04X} is a Unicode noncharacter and cannot be "
                        "imported",
                    )
                )
                return self.category
        t = self.t
        p = self._skip_ws(0)
        if p == len(t):
            if _ID_RE.search(self.comments) or _TAG_RE.search(self.comments):
                self.warn(
                    0,
                    "this [id:] or [tag:] comment is ignored: a blank line separates it from "
                    "the question (put the comment right above the question)",
                )
            return self.category
        if t.startswith("$CATEGORY:", p):
            end = t.find("\n", p)
            end = len(t) if end == -1 else end
            path = self.plain(t[p + len("$CATEGORY:") : end])
            if path:
                self.category = path
            else:
                self.error(p, "$CATEGORY: has no category path")
            p = self._skip_ws(end)
            if p == len(t):
                return self.category
        self._question(p)
        return self.category

    def _skip_ws(self, pos: int) -> int:
        while pos < len(self.t) and self.t[pos] in WS:
            pos += 1
        return pos

    def _question(self, start: int) -> None:
        t = self.t
        errors_before = self.error_count
        p = start
        name = None
        if t.startswith("::", p):
            close = t.find("::", p + 2)
            if close == -1:
                self.error(p, "the question title '::' is not closed with '::'")
                return
            name = self.plain(t[p + 2 : close]) or None
            p = close + 2
        opening, closing = t.find("{", p), t.find("}", p)
        q = {
            "type": QuestionType.DESCRIPTION,
            "name": name,
            "idnumber": self._idnumber(),
            "tags": self._tags(),
            "category": self.category,
            "stem": None,
            "embedded": False,
            "general_feedback": None,
            "points": "1",
            "line": self.line_of(start),
        }
        competences, problems = read_competence_tags(q["tags"])
        for problem in problems:
            self.error(start, problem)
        if competences:  # only then: an untagged question keeps its digest (and quiz version)
            q["competences"] = competences
        if opening == -1 and closing == -1:
            q["stem"] = self.text(t[p:], DEFAULT_FORMAT)
            if not q["stem"]["text"]:
                self.error(start, "a question without an answer block needs text")
                return
            if competences:
                self.error(start, "a description is never scored, so it cannot prove a competence")
            if self.error_count > errors_before:
                return
            self.result.questions.append(q)
            return
        if not self._braces_ok(opening, closing):
            return
        # Moodle: text after the block makes a missing-word question (it writes "_____").
        suffix = t[closing + 1 :]
        q["embedded"] = bool(suffix.strip(WS))
        stem_raw = t[p:opening] + (GAP if q["embedded"] else "") + suffix
        q["stem"] = stem = self.text(stem_raw, DEFAULT_FORMAT)
        if not stem["text"]:
            # Moodle XML's reader refuses it too; a learner would see only the answers
            self.error(start, "the question has no text (write it before the answer block)")
            return
        if q["embedded"] and stem["text"].count("{gap}") > 1:
            self.error(start, "the question text holds '{gap}', which LearnHub keeps for the gap")
        fmt = stem["format"]
        body = t[opening + 1 : closing]
        # Moodle: the LAST `####` starts the general feedback.
        separator = body.rfind("####")
        if separator != -1:
            q["general_feedback"] = self.feedback(body[separator + 4 :], fmt)
            body = body[:separator]
        base = opening + 1 + len(body) - len(body.lstrip(WS))
        body = body.strip(WS)
        self.read_answer_block(q, base, body, fmt, opening)
        if self.error_count == errors_before:
            self.result.questions.append(q)

    def _braces_ok(self, opening: int, closing: int) -> bool:
        t = self.t
        if closing != -1 and (opening == -1 or closing < opening):
            self.error(closing, "'}' has no matching '{' (write a literal brace as \\})")
            return False
        if closing == -1:
            self.error(opening, "the answer block '{' is not closed with '}'")
            return False
        inner = t.find("{", opening + 1, closing)
        if inner != -1:
            self.error(
                inner,
                f"'{{' inside the answer block opened on line {self.line_of(opening)} "
                "(write a literal brace as \\{)",
            )
            return False
        later = [i for i in (t.find("{", closing + 1), t.find("}", closing + 1)) if i != -1]
        if later:
            pos = min(later)
            if t[pos] == "{":
                self.error(
                    pos,
                    "a second answer block: a question has one (separate questions with a "
                    "blank line; write a literal brace as \\{)",
                )
            else:
                self.error(pos, "'}' has no matching '{' (write a literal brace as \\})")
            return False
        return True

    def _idnumber(self) -> str | None:
        match = _ID_RE.search(self.comments)
        idnumber = match[1].strip(WS).replace("\\]", "]") if match else ""
        return idnumber or None

    def _tags(self) -> list[str]:
        tags = (raw.strip(WS).replace("\\]", "]") for raw in _TAG_RE.findall(self.comments))
        return [tag for tag in tags if tag]
