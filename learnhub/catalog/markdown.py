"""Lesson Markdown to safe HTML: markdown-it-py (CommonMark + tables, raw HTML off), then nh3."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"scope", "style"},
    "td": {"style"},
}


def render_markdown(text: str) -> str:
    """Render lesson Markdown to sanitised HTML (scripts, raw HTML and `#` headings removed:
    the page's only h1 is the module title)."""
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def sanitise_html(html: str) -> str:
    """Sanitise HTML from an imported question ([html] GIFT text, Moodle XML) with nh3."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS | {"b", "i", "span", "sub", "sup", "u", "s"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def headings(text: str) -> list[tuple[int, int, str]]:
    """[(line, level, text)] of the Markdown headings, for the heading-order check."""
    tokens = _md.parse(text)
    found = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            line = token.map[0] + 1 if token.map else 0
            found.append((line, int(token.tag[1]), tokens[i + 1].content))
    return found
