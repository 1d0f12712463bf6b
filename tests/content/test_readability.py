"""Plain English, measured (issue 3; CONTENT-GUIDE.md "short sentences, common words").

The floor: Flesch reading ease 60 for every module's lesson, measured by bench/readability.py
on the text a learner reads (Markdown syntax, code and images removed).

Why 60: on Flesch's scale 60-70 is "standard" or plain English, read easily by 13 to 15 year
olds; 50-60 is "fairly difficult" and below 50 "difficult" (Flesch, "How to Write Plain
English", 1979). The readers are public servants of every grade, many reading English as a
second language, so the issue's "aim for >= 50" is too low a bar to hold: a module at 55
would already read like a policy paper. A higher floor (70) would reject honest lessons that
must use terms such as "pseudonymisation" or "impact assessment" and explain them; the
modules measured 70.8 to 89.9 (median 81.7) when the floor was set, so 60 leaves room for
such words while catching a lesson that drifts into long sentences. The guide's 5-15 minutes
of reading is held too, at 200 words a minute (bench/readability.py says why).
"""

from __future__ import annotations

import pytest

from bench import readability
from learnhub.catalog.curriculum import lesson_text
from tests.conftest import CONTENT_DIR

FLESCH_FLOOR = 60.0
READING_MINUTES = range(5, 16)


@pytest.fixture(scope="module")
def rows() -> list[readability.Readability]:
    return readability.modules(CONTENT_DIR)


def test_lesson_text_is_the_prose_without_markdown_or_code():
    markdown = (
        "## Check the *sender*\n\n"
        "Read the [policy page](https://example.org/policy) before you `rm -rf` anything.\n"
        "It is short\n\n"
        "```\nsudo make me a sandwich\n```\n\n"
        "- one item\n- **two** items\n\n"
        "| Use | When |\n| --- | --- |\n| A table | Exact values |\n\n"
        "![A chart of calls by hour](chart.png)\n"
    )
    assert lesson_text(markdown) == (
        "Check the sender.\n"
        "Read the policy page before you anything. It is short.\n"
        "one item.\ntwo items.\nUse.\nWhen.\nA table.\nExact values."
    )


def test_a_long_winded_lesson_scores_below_the_floor():
    # The floor must be able to fail: one sentence of officialese scores far below it.
    officialese = (
        "Notwithstanding the aforementioned considerations, organisational stakeholders are "
        "required to operationalise comprehensive information-governance methodologies "
        "encompassing classification, retention, pseudonymisation and authorisation "
        "procedures in accordance with applicable legislative instruments."
    )
    assert readability.measure(lesson_text(officialese))[0] < FLESCH_FLOOR


def test_every_module_reads_as_plain_english(rows, plan):
    assert len(rows) == sum(len(course["modules"]) for course in plan.courses)
    hard = [f"{r.file}: Flesch {r.flesch:.1f}" for r in rows if r.flesch < FLESCH_FLOOR]
    assert not hard, (
        f"below the Flesch floor {FLESCH_FLOOR} (shorter sentences, plainer words):\n"
        + "\n".join(hard)
    )


def test_every_module_is_5_to_15_minutes_of_reading_and_says_so_honestly(rows):
    problems = [
        f"{r.file}: about {r.minutes} min of reading ({r.words} words), "
        f"course.yaml says {r.declared_minutes}"
        for r in rows
        if r.minutes not in READING_MINUTES or r.declared_minutes < r.minutes
    ]
    assert not problems, "\n".join(problems)
