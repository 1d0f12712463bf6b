"""Reading a Moodle XML file safely (defusedxml), with the source line of every <question>,
and the parts every question type shares: texts with their format, name, tags, feedback.

The rules follow Moodle's own importer, qformat_xml (question/format/xml/format.php):
import_headers(), import_text_with_files(), trans_format(), import_answer().
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from learnhub.core.xml_safety import refusal_words
from learnhub.questionbank.gift.common import WS, is_moodle_fraction
from learnhub.questionbank.numbers import number_problem

# qformat_xml::trans_format(): the names Moodle writes in format="..." and LearnHub's formats.
FORMATS = {
    "html": "html",
    "moodle_auto_format": "moodle",
    "plain_text": "plain",
    "markdown": "markdown",
}
# Moodle create_default_question_name(): a name made from the text is cut to 80 characters.
_DEFAULT_NAME_CHARS = 80
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class XmlIssue:
    """A problem in a Moodle XML file: ``number`` is the 1-based position of the <question>
    element in the file (0 for the file as a whole), ``line`` its source line, ``name`` its
    name as far as it could be read."""

    number: int
    name: str | None
    line: int | None
    message: str

    @property
    def where(self) -> str:
        if not self.number:
            return f"line {self.line}" if self.line else "file"
        where = f"question {self.number}"
        if self.name:
            where += f" “{self.name}”"
        if self.line:
            where += f" (line {self.line})"
        return where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class XmlResult:
    """What parse_moodle_xml() read: question-spec dicts, and errors and warnings in file order.

    A question with an error is left out of ``questions`` whole (never half of it); a file with
    errors must not be imported unless the caller chose to skip the questions in error.
    """

    questions: list[dict] = field(default_factory=list)
    errors: list[XmlIssue] = field(default_factory=list)
    warnings: list[XmlIssue] = field(default_factory=list)


class _LineTarget(ET.TreeBuilder):
    """A tree builder that notes the source line of every <question> start tag, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.expat = None
        self.depth = 0
        self.question_lines: list[int] = []

    def start(self, tag, attrs):  # type: ignore[override]
        if tag == "question" and self.depth == 1 and self.expat is not None:
            self.question_lines.append(self.expat.CurrentLineNumber)
        self.depth += 1
        return super().start(tag, attrs)

    def end(self, tag):  # type: ignore[override]
        self.depth -= 1
        return super().end(tag)


def load(data: bytes) -> tuple[Element | None, list[int], XmlIssue | None]:
    """Parse ``data`` with defusedxml (no DTD, no entities, nothing external).

    Returns (root element, line of each <question> in document order, None) or
    (None, [], an issue saying why the file cannot be read)."""
    target = _LineTarget()
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    target.expat = parser.parser
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        return None, [], XmlIssue(0, None, line, f"this is not well-formed XML ({exc})")
    except DefusedXmlException as exc:
        # in words, never the exception's class name ("DTDForbidden": a tester's finding)
        words = refusal_words(exc) or "the file uses an XML feature that is refused for safety"
        return None, [], XmlIssue(0, None, None, words)
    if root.tag != "quiz":
        return None, [], XmlIssue(0, None, 1, f"the root element is <{root.tag}>, not <quiz>")
    return root, target.question_lines, None


def trim(text: str | None) -> str:
    """PHP trim(), as Moodle applies to every text (a no-break space at the edge survives)."""
    return (text or "").strip(WS)


class Question:
    """One <question> element being read: collects its issues; ``failed`` once any is an error."""

    def __init__(self, element: Element, number: int, line: int | None) -> None:
        self.el = element
        self.number = number
        self.line = line
        self.name: str | None = None
        self.errors: list[XmlIssue] = []
        self.warnings: list[XmlIssue] = []

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def error(self, message: str) -> None:
        self.errors.append(XmlIssue(self.number, self.name, self.line, message))

    def warn(self, message: str) -> None:
        self.warnings.append(XmlIssue(self.number, self.name, self.line, message))

    # -- texts -----------------------------------------------------------------------------

    def raw_text(self, holder: Element | None, what: str) -> str | None:
        """The <text> of ``holder`` trimmed; None when there is no holder. Text written
        directly inside the holder (no <text>) is read too, with a warning: Moodle would read
        it as empty."""
        if holder is None:
            return None
        inner = holder.find("text")
        if inner is not None:
            return trim("".join(inner.itertext()))
        direct = trim(holder.text)
        if direct:
            self.warn(f"the {what} is not inside <text>; read as written (Moodle reads it empty)")
        return direct

    def text(self, holder: Element | None, what: str, default_format: str) -> dict | None:
        """{"format", "text"} of a text element (format="..." attribute, else the default)."""
        body = self.raw_text(holder, what)
        if body is None:
            return None
        fmt = default_format
        name = trim(holder.get("format")) if holder is not None else ""
        if name:
            if name in FORMATS:
                fmt = FORMATS[name]
            else:
                # qformat_xml::trans_format(): an unknown format is taken as HTML.
                self.warn(f"text format {name!r} of the {what} is unknown; read as HTML")
                fmt = "html"
        self._files(holder, what)
        return {"format": fmt, "text": body}

    def feedback(self, holder: Element | None, what: str, default_format: str) -> dict | None:
        text = self.text(holder, what, default_format)
        return text if text and text["text"] else None

    def _files(self, holder: Element, what: str) -> None:
        files = holder.findall("file")
        if files:
            names = ", ".join(repr(f.get("name", "?")) for f in files)
            self.warn(f"the file(s) {names} in the {what} are not imported (LearnHub keeps none)")

    def child_text(self, tag: str) -> str | None:
        """The trimmed text of a simple child such as <single> or <usecase>; None if absent."""
        child = self.el.find(tag)
        return None if child is None else trim("".join(child.itertext()))

    # -- headers (qformat_xml::import_headers) ----------------------------------------------

    def read_name(self) -> None:
        holder = self.el.find("name")
        name = None
        if holder is not None:
            inner = holder.find("text")
            name = trim("".join(inner.itertext())) if inner is not None else trim(holder.text)
            if inner is None and name:
                self.warn("the name is not inside <text>; read as written")
        self.name = name or None

    def default_name(self, stem: dict) -> None:
        """Moodle refuses a question without <name><text>; LearnHub names it from its text."""
        if self.name:
            return
        plain = " ".join(_TAG.sub(" ", stem["text"]).split())
        if plain:
            self.name = plain[:_DEFAULT_NAME_CHARS]
            self.warn("the question has no name; named after its text")

    def points(self) -> str:
        raw = self.child_text("defaultgrade")
        if raw is None or raw == "":
            return "1"
        value = decimal(raw)
        if value is None or value < 0:
            self.error(f"<defaultgrade> {raw!r} is not a mark of 0 or more")
            return "1"
        return plain_decimal(value)

    def tags(self) -> list[str]:
        tags = []
        for tag in self.el.findall("tags/tag"):
            value = trim("".join(tag.itertext()))
            if value and value not in tags:
                tags.append(value)
        return tags

    def ignored(self) -> None:
        """Warn about what the question holds that LearnHub does not keep."""
        penalty = self.child_text("penalty")
        if penalty:
            value = decimal(penalty)
            if value is None or not Decimal(0) <= value <= Decimal(1):
                self.warn(f"penalty {penalty!r} is not a fraction in [0, 1]; ignored")
        if self.child_text("hidden") in ("1", "true"):
            self.warn("the question is hidden in Moodle; imported like any other")
        if self.el.find("image") is not None or self.el.find("image_base64") is not None:
            self.warn("the image of the question is not imported (LearnHub keeps no files)")
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            if self.raw_text(self.el.find(tag), tag):
                self.warn(f"<{tag}> is not imported (no place for it in LearnHub)")

    def weight(self, answer: Element, what: str) -> str | None:
        """An answer's fraction="..." as a percent string (Moodle: fraction / 100). A weight
        Moodle would not offer is kept as written, with a warning; outside [-100, 100] or not
        a number is an error."""
        raw = trim(answer.get("fraction"))
        if raw == "":
            inner = answer.find("fraction")  # <fraction> as a tag is deprecated but read
            raw = trim(inner.text) if inner is not None else "0"
        value = decimal(raw)
        if value is None:
            self.error(f"{what} has fraction {raw!r}, which is not a number")
            return None
        if not Decimal(-100) <= value <= Decimal(100):
            self.error(f"{what} has fraction {raw}%, outside [-100, 100]")
            return None
        weight = plain_decimal(value)
        if not is_moodle_fraction(weight):
            self.warn(f"{what}: weight {weight}% is not one Moodle accepts; scored as written")
        return weight


def decimal(raw: str) -> Decimal | None:
    """A finite decimal from text (a decimal comma is read as a point, as Moodle's unformat_float
    does), else None."""
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        return None
    if number_problem(raw):  # e.g. 1e999999999: refused before anything writes it out
        return None
    return value if value.is_finite() else None


def plain_decimal(value: Decimal) -> str:
    """A decimal written without exponent and trailing zeros: 100.00 -> "100", 1E+2 -> "100"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def category_path(raw: str) -> str | None:
    """A Moodle category path as LearnHub keeps it: without the context (``$course$/``) and
    without Moodle's root ``top``; segments trimmed; ``//`` is a slash inside a name (Moodle
    question_category path escaping). None for the root."""
    text = trim(raw)
    text = re.sub(r"^\$[a-z]+\$/?", "", text)
    parts = [trim(p.replace("\ufdd0", "/")) for p in text.replace("//", "\ufdd0").split("/")]
    parts = [p for p in parts if p]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return "/".join(p.replace("/", "//") for p in parts) or None
