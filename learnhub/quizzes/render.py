"""Question text to safe HTML, and the learner's view of a question (no key, ever)."""

from __future__ import annotations

import logging
import re

from markupsafe import Markup, escape

from learnhub.catalog.markdown import render_markdown, sanitise_html
from learnhub.questionbank.models import CHOICE_TYPES, QuestionType

logger = logging.getLogger(__name__)

HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|<!--")
#: a question text that already says a multiple-answer question takes several answers
#: ("Choose all that apply.", "Select one or more:", "Tick every answer that applies")
SAYS_SEVERAL = re.compile(
    r"\b(?:choose|select|tick|check|mark|pick)\s+(?:all|every|each|any)\b[^.?!:]*"
    r"\bappl(?:y|ies)\b|\bone\s+or\s+more\b",
    re.IGNORECASE,
)


def render_text(text: dict | str | None) -> Markup:
    """Render a ``{"format", "text"}`` dict to inline-safe HTML.

    html, and moodle text holding tags (Moodle's auto-format allows HTML), are sanitised with
    nh3; markdown is rendered then sanitised; plain is escaped with line breaks kept. Moodle text
    without tags is treated as prose: blank lines separate paragraphs and single line breaks are
    the author's wrapping, joined with a space (LearnHub choice: GIFT files are wrapped at ~100
    columns in content/, and a <br> at every wrap breaks the sentence on screen).
    """
    if not text:
        return Markup("")
    if not isinstance(text, dict):  # a malformed stored spec: shown as written, never a 500
        return escape(str(text))
    fmt, body = text.get("format", "moodle"), text.get("text", "")
    if fmt == "plain":
        return escape(body).replace("\n", Markup("<br>"))
    if fmt == "markdown":
        return Markup(render_markdown(body))
    if fmt == "moodle" and not HTML_TAG.search(body):
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
        if len(paragraphs) <= 1:
            return escape(paragraphs[0] if paragraphs else "")
        return Markup("").join(Markup("<p>") + escape(p) + Markup("</p>") for p in paragraphs)
    return Markup(sanitise_html(body))


def stem_html(spec: dict) -> Markup:
    """The stem with a missing-word gap shown as a blank that screen readers read "(blank)"
    (an aria-label on a span is not read by every screen reader)."""
    html = render_text(spec.get("stem"))
    if spec.get("embedded"):
        html = Markup(
            str(html).replace(
                "{gap}",
                '<span class="gap"><span aria-hidden="true">_____</span>'
                '<span class="visually-hidden">(blank)</span></span>',
            )
        )
    return html


def says_several(stem_html: str) -> bool:
    """Whether a question's text (rendered HTML) already tells the learner to choose all
    answers that apply. The quiz page then leaves out its own hint "Choose all that apply.",
    which showed twice under the course questions written as Moodle's are (their stems end
    with it: Moodle shows no such hint of its own in GIFT-imported questions)."""
    return bool(SAYS_SEVERAL.search(HTML_TAG.sub(" ", stem_html)))


def learner_question(question_id: int, spec: dict, choice_order: list[int] | None) -> dict:
    """What a learner may see of a question before review: its type, stem and options in the
    attempt's order. Never weights, feedback or which option is right (DESIGN.md rule 1).

    Returns ``{"id", "type", "name", "stem_html", "points", "options": [{"id", "html"}],
    "left": [{"id", "html"}], "right": [str]}`` (options/left/right only where the type has them).
    """
    kind = spec.get("type")
    view = {
        "id": question_id,
        "type": kind,
        "name": spec.get("name"),
        "stem_html": str(stem_html(spec)),
        "points": spec.get("points", "1"),
    }
    # ids are positions in the attempt's order, never spec indexes (learnhub.quizzes.responses)
    if kind in CHOICE_TYPES:
        choices = _items(spec, "choices")
        order = choice_order or list(range(len(choices)))
        view["options"] = [
            {"id": p, "html": str(render_text(choices[i].get("text")))}
            for p, i in enumerate(order)
            if i < len(choices)
        ]
    elif kind == QuestionType.MATCHING:
        pairs = _items(spec, "pairs")
        order = choice_order or list(range(len(pairs)))
        view["left"] = [
            {"id": p, "html": str(render_text(pairs[i].get("left")))}
            for p, i in enumerate(order)
            if i < len(pairs) and pairs[i].get("left") is not None
        ]
        view["right"] = sorted({str(pair.get("right", "")) for pair in pairs}, key=str.casefold)
    return view


def _items(spec: dict, key: str) -> list[dict]:
    """The spec's options (``choices`` or ``pairs``), each a dict. A stored spec that lacks
    them or holds something else (written before key fixes were validated) shows what it has,
    logged, rather than failing every attempt that shows it (a tester's finding: one bad key
    fix answered 500 to every attempt page)."""
    items = spec.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        logger.warning("question spec without valid %s: %r", key, items)
        return [i for i in items or [] if isinstance(i, dict)] if isinstance(items, list) else []
    return items
