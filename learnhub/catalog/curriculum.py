"""What the content tests, ``bench/readability.py`` and ``scripts/content_table.py`` need to
judge the curriculum: lesson Markdown as the plain prose a learner reads, its links, images,
tables and headings, and which competences at which levels the modules cover.

Nothing here touches the database; it works on Markdown text and on the ``ContentPlan`` that
``learnhub.catalog.loader.read_content`` returns. The rules come from ../shared/CONTENT-GUIDE.md
("links have meaningful text; images have alt text; tables have headers") and WCAG 2.2
(2.4.4 link purpose, 1.1.1 text alternatives, 1.3.1 headings and table headers).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from learnhub.catalog.markdown import headings
from learnhub.core.errors import Issue

# The same parser settings as catalog.markdown.render_markdown: what is checked is what renders.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

#: link texts that say nothing out of context (WCAG 2.4.4); compared lower-cased, without
#: punctuation at the ends
VAGUE_LINK_TEXTS = frozenset(
    {
        "click",
        "click here",
        "go",
        "here",
        "learn more",
        "link",
        "more",
        "more info",
        "more information",
        "read more",
        "see here",
        "this",
        "this link",
        "this page",
        "website",
    }
)
_URL_IN_TEXT = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_SENTENCE_END = ".!?"


@dataclass(frozen=True)
class Link:
    """A link or image in Markdown: ``line`` is 1-based; ``text`` is the link text or the
    image's alt text."""

    line: int
    kind: str  # "link" | "image"
    target: str
    text: str
    autolink: bool = False


def _inline_blocks(tokens: list[Token]):
    """Yield (first line, inline token, inside a table header cell) for every inline token
    outside code blocks."""
    in_th = False
    for token in tokens:
        if token.type == "th_open":
            in_th = True
        elif token.type == "th_close":
            in_th = False
        elif token.type == "inline":
            yield (token.map[0] + 1 if token.map else 0), token, in_th


def _walk(children: list[Token], first_line: int):
    """Yield (line, child) for an inline token's children, counting line breaks."""
    line = first_line
    for child in children or []:
        yield line, child
        if child.type in ("softbreak", "hardbreak"):
            line += 1


def lesson_text(markdown: str) -> str:
    """The prose a learner reads, as plain text: one line per block (paragraph, list item,
    heading, table cell), each ending as a sentence. Code blocks, inline code and images are
    left out; link text stays, link targets go; emphasis marks go.

    Why each block ends as a sentence: a heading, a list item or a table cell is read as a unit
    of its own, but without a full stop a readability formula would run it into the next block
    and count one very long sentence.
    """
    units = []
    for _, token, _ in _inline_blocks(_md.parse(markdown)):
        parts = []
        for _, child in _walk(token.children, 0):
            if child.type == "text":
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        unit = " ".join("".join(parts).split())
        if unit:
            units.append(unit if unit[-1] in _SENTENCE_END else unit + ".")
    return "\n".join(units)


def links(markdown: str) -> list[Link]:
    """Every link and image of ``markdown``, in order, with its line."""
    found = []
    for first, token, _ in _inline_blocks(_md.parse(markdown)):
        open_link: tuple[int, str, bool] | None = None
        text: list[str] = []
        for line, child in _walk(token.children, first):
            if child.type == "link_open":
                open_link = (line, str(child.attrGet("href") or ""), child.markup == "autolink")
                text = []
            elif child.type == "link_close" and open_link:
                found.append(
                    Link(open_link[0], "link", open_link[1], "".join(text).strip(), open_link[2])
                )
                open_link = None
            elif child.type == "image":
                found.append(Link(line, "image", str(child.attrGet("src") or ""), child.content))
                text.append(child.content)
            elif child.type in ("text", "code_inline"):
                text.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                text.append(" ")
    return found


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub writes it (lower case, punctuation dropped, spaces to -)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def link_problems(path: Path, root: Path, *, lesson: bool, where: str) -> list[Issue]:
    """The problems of the links and images of one Markdown file. ``root`` is the content
    folder (a relative link may not leave it); ``lesson`` is True for a module's lesson text,
    whose page serves only the pictures in its course folder (``learnhub.catalog.course_files``)
    and whose rendered headings carry no anchors: there a relative image must be a file in the
    course folder, and a relative link cannot work.
    ``where`` names the file in the messages ("content/courses/x/01-y.md")."""
    text = path.read_text(encoding="utf-8")
    issues = []
    anchors = {_slug(t) for t in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE)}
    for link in links(text):
        at = f"{where}, line {link.line}"
        what = "image" if link.kind == "image" else "link"
        label = link.text.strip().strip(".:;,!?").lower()
        if link.kind == "image" and not link.text.strip():
            issues.append(Issue(at, f"image {link.target!r} has no alt text"))
        if link.kind == "link":
            if not label:
                issues.append(Issue(at, f"link to {link.target!r} has no text"))
            elif label in VAGUE_LINK_TEXTS:
                issues.append(
                    Issue(at, f"link text {link.text!r} does not say where it goes; name it")
                )
            elif link.autolink or _URL_IN_TEXT.match(link.text.strip()) or label == link.target:
                issues.append(Issue(at, f"bare URL {link.target!r}: give the link words"))
        parts = urlsplit(link.target)
        if parts.scheme == "mailto":
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", parts.path):
                issues.append(Issue(at, f"{what} {link.target!r} is not an email address"))
        elif parts.scheme or link.target.startswith("//"):
            if parts.scheme != "https":
                issues.append(Issue(at, f"{what} {link.target!r} is not https"))
            elif not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?", parts.netloc.lower()):
                issues.append(Issue(at, f"{what} {link.target!r} has no valid host name"))
            elif re.search(r"\s", link.target):
                issues.append(Issue(at, f"{what} {link.target!r} holds a space"))
        elif lesson and link.kind == "image" and not link.target.startswith("/"):
            # a picture in the course folder: the loader stores it and the module page serves
            # it (learnhub.catalog.course_files checks its type, size and SVG safety)
            target = (path.parent / parts.path).resolve()
            if not target.is_relative_to(path.parent.resolve()) or not target.is_file():
                issues.append(Issue(at, f"image {link.target!r} is not a file in the course"))
        elif lesson:
            issues.append(
                Issue(
                    at,
                    f"{what} {link.target!r} is relative: a module page cannot serve content "
                    "files or jump to headings; link with https or put it in the text",
                )
            )
        elif not parts.path:
            if parts.fragment and parts.fragment not in anchors:
                issues.append(Issue(at, f"no heading has the anchor #{parts.fragment}"))
        else:
            target = (path.parent / parts.path).resolve()
            if not target.is_relative_to(root.resolve()) or not target.exists():
                issues.append(Issue(at, f"{what} {link.target!r} points to no file in content/"))
    for first, token, _ in _inline_blocks(_md.parse(text)):
        in_link = False
        for line, child in _walk(token.children, first):
            if child.type in ("link_open", "link_close"):
                in_link = child.type == "link_open"
            elif child.type == "text" and not in_link:
                for match in _URL_IN_TEXT.findall(child.content):
                    url = match.rstrip(".,;:!?)'\"")
                    issues.append(
                        Issue(f"{where}, line {line}", f"bare URL {url!r}: make it a link")
                    )
    return issues


def table_problems(markdown: str, where: str) -> list[Issue]:
    """Tables without a full header row (an empty header cell), and pipe rows that do not
    render as a table at all (a missing ``| --- |`` separator makes them a paragraph)."""
    issues = []
    tokens = _md.parse(markdown)
    for first, token, in_th in _inline_blocks(tokens):
        if in_th and not token.content.strip():
            issues.append(Issue(f"{where}, line {first}", "a table header cell is empty"))
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and tokens[index + 1].content.lstrip().startswith("|"):
            line = token.map[0] + 1 if token.map else 0
            issues.append(
                Issue(
                    f"{where}, line {line}",
                    "rows with | are not a table: add a header row and a | --- | line under it",
                )
            )
    return issues


def heading_problems(markdown: str, where: str) -> list[Issue]:
    """Lesson headings: none at level 1 (the page title is the only h1), the first at level 2,
    and no level skipped going down (## then ###, never ## then ####)."""
    issues, previous = [], 1
    for line, level, text in headings(markdown):
        if level == 1:
            message = f"heading {text!r} is level 1; the page title is the only h1"
            issues.append(Issue(f"{where}, line {line}", message))
        elif level > previous + 1:
            message = f"heading {text!r} skips from level {previous} to {level}"
            issues.append(Issue(f"{where}, line {line}", message))
        previous = level
    return issues


# -- coverage ----------------------------------------------------------------------------------


def competence_sort_key(code: str) -> tuple:
    """ "2.10" after "2.9": competence codes compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in code.split("."))


def coverage(courses: list[dict]) -> dict[str, dict[int, list[tuple[str, str]]]]:
    """{competence code: {level number: [(course slug, module slug)]}} over the modules that
    have a quiz: passing the quiz is what records evidence at the module's levels."""
    found: dict[str, dict[int, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for course in courses:
        for module in course["modules"]:
            if not module["parts"].get("quiz"):
                continue
            for code, level in module["competences"].items():
                found[code][level].append((course["slug"], module["slug"]))
    return {code: dict(levels) for code, levels in found.items()}


def coverage_gaps(
    courses: list[dict],
    competences: list[str],
    required: dict[int, str],
    minimum_levels: int = 2,
) -> list[str]:
    """What is missing, one line per competence: the ``required`` levels ({number: name}) not
    taught by a module with a quiz, and fewer than ``minimum_levels`` levels in all."""
    found = coverage(courses)
    gaps = []
    for code in sorted(competences, key=competence_sort_key):
        levels = found.get(code, {})
        missing = [name for number, name in sorted(required.items()) if number not in levels]
        if missing or len(levels) < minimum_levels:
            gaps.append(
                f"{code}: missing {', '.join(missing) or '-'}; "
                f"covered at {len(levels)} level(s), needs {minimum_levels}"
            )
    return gaps


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def coverage_tables(courses: list[dict], competences: list[dict], levels: dict[int, str]) -> str:
    """The README's Markdown tables: each course's modules with the competences and levels
    their quizzes prove, then each competence against the levels (how many modules).
    ``competences``: [{"code", "name"}] of the framework; ``levels``: {number: name}."""
    lines = [
        "| course | module | competences and levels (evidence on passing) | valid for |",
        "| --- | --- | --- | --- |",
    ]
    for course in sorted(courses, key=lambda c: c["title"]):
        for module in course["modules"]:
            proves = ", ".join(
                f"{code} {levels[level]}"
                for code, level in sorted(
                    module["competences"].items(), key=lambda item: competence_sort_key(item[0])
                )
            )
            months = module["validity_months"]
            lines.append(
                f"| {_cell(course['title'])} | {module['position']}. {_cell(module['title'])} "
                f"| {proves if module['parts'].get('quiz') else '(no quiz)'} "
                f"| {f'{months} months' if months else 'no expiry'} |"
            )
    found = coverage(courses)
    lines += [
        "",
        "| competence | " + " | ".join(levels[n] for n in sorted(levels)) + " |",
        "| --- |" + " ---: |" * len(levels),
    ]
    for competence in sorted(competences, key=lambda c: competence_sort_key(c["code"])):
        counts = found.get(competence["code"], {})
        lines.append(
            f"| {competence['code']} {_cell(competence['name'])} | "
            + " | ".join(
                str(len(counts.get(n, []))) if counts.get(n) else "-" for n in sorted(levels)
            )
            + " |"
        )
    return "\n".join(lines) + "\n"
