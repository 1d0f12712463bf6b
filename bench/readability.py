"""Plain English, measured: each module's Flesch reading ease, words and reading minutes.

Usage: ``.venv/bin/python bench/readability.py [CONTENT_DIR]`` (default ``content/``). Prints
one row per module, sorted from hardest to easiest, then the spread. The text measured is the
lesson as a learner reads it (``learnhub.catalog.curriculum.lesson_text``: Markdown syntax,
code and images removed, each heading, list item and table cell a sentence of its own), not
the raw Markdown, whose ``|``, ``**`` and URLs the formula would count as words.

Flesch reading ease = 206.835 - 1.015 x words per sentence - 84.6 x syllables per word
(textstat 0.7.4, syllables by Pyphen's en_US dictionary; no download). 60-70 is plain
English, 50-60 fairly difficult, below 50 difficult. tests/content/test_readability.py holds
the floor and says why.

Minutes are words / 200: Brysbaert (2019, "How many words do we read per minute?", Journal of
Memory and Language 109) puts silent reading of non-fiction at 238 words a minute on average;
learners study rather than skim, and many read English as a second language, so 200.
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import learnhub.quizzes.content_loader  # noqa: E402, F401  (registers the quiz part with the loader)
from learnhub.catalog.curriculum import lesson_text  # noqa: E402
from learnhub.catalog.loader import read_content  # noqa: E402

with warnings.catch_warnings():
    # textstat 0.7.4 imports pkg_resources, which newer setuptools flags as deprecated.
    warnings.filterwarnings("ignore", message=".*pkg_resources.*")
    import textstat

WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class Readability:
    """One module: Flesch reading ease (higher is easier), words, estimated minutes (rounded
    up), the minutes course.yaml declares, and the lesson file (relative to content/)."""

    course: str
    module: str
    file: str
    flesch: float
    words: int
    minutes: int
    declared_minutes: int


def measure(text: str) -> tuple[float, int]:
    """(Flesch reading ease, words) of plain text, in textstat's en_US, unrounded."""
    # textstat rounds words per sentence and syllables per word to one decimal before the
    # formula by default, which moves the score in steps of 8.5; measure exactly instead.
    textstat.set_rounding(False)
    textstat.set_lang("en_US")  # also clears textstat's caches of rounded results
    return float(textstat.flesch_reading_ease(text)), int(textstat.lexicon_count(text))


def modules(content_dir: Path) -> list[Readability]:
    """One row per module of every course under ``content_dir`` (read and validated by the
    content loader; raises ValidationFailed if the content does not load)."""
    rows = []
    for course in read_content(content_dir).courses:
        for module in course["modules"]:
            flesch, words = measure(lesson_text(module["body"]))
            rows.append(
                Readability(
                    course=course["slug"],
                    module=module["slug"],
                    file=f"courses/{course['folder'].name}/{module['file']}",
                    flesch=flesch,
                    words=words,
                    minutes=math.ceil(words / WORDS_PER_MINUTE),
                    declared_minutes=module["minutes"],
                )
            )
    return rows


def main(argv: list[str]) -> int:
    content_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "content"
    rows = sorted(modules(content_dir), key=lambda r: r.flesch)
    width = max(len(f"{r.course}/{r.module}") for r in rows)
    print(f"{'module':<{width}}  flesch  words  est.min  declared")
    for r in rows:
        print(
            f"{r.course + '/' + r.module:<{width}}  {r.flesch:6.1f}  {r.words:5d}  "
            f"{r.minutes:7d}  {r.declared_minutes:8d}"
        )
    scores = sorted(r.flesch for r in rows)
    median = scores[len(scores) // 2]
    print(
        f"\n{len(rows)} modules; Flesch min {scores[0]:.1f}, median {median:.1f}, "
        f"max {scores[-1]:.1f}; {sum(r.words for r in rows)} words, "
        f"about {sum(r.minutes for r in rows)} minutes of reading"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
