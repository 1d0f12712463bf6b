"""Figures of a quiz bank's quality as measurement (issue 12; CONTENT-GUIDE.md "How a quiz
reads"), per course, read from content/ through the loader (no database):

- **longest key**: share of single- and multiple-choice questions whose key is the unique
  longest option: a single-choice question whose right option is longer than every wrong
  one; a multiple-choice question whose right options are each longer than every wrong one
  (the "pick the long ones" cue). Bar: at most 30% per course.
- **shortest key**: the same cue turned round (the right option(s) shorter than every wrong
  one), which a writer avoiding long keys falls into. Same bar: at most 30% per course.
- **true keys**: share of true/false questions whose key is "true". Bar: 40-60% per course
  (a course with no true/false question has nothing to balance).
- **bank vs draw**: per module, the questions an attempt may draw from (``bank``) against the
  questions one attempt shows (``draw``). Bar: every question is drawn at random (none is
  fixed in every attempt: ``questions_per_attempt`` in course.yaml, learnhub.quizzes.layout
  draws them, fewest-seen first) and bank >= 2 x draw, so a retry meets new questions.
- **"all/none of the above"**, in a stem or an option: none, in every course.

Run as a script to print the figures of one or more content folders side by side:
``.venv/bin/python -m tests.content.quiz_quality content /tmp/main-content``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from learnhub.catalog.loader import (
    ContentPlan,
    read_content,
    register_course_part,
    register_module_part,
)
from learnhub.quizzes.content_loader import QUIZ_PART
from learnhub.quizzes.diagnostic import DIAGNOSTIC_PART

LONGEST_KEY_MAX = Fraction(30, 100)
TRUE_SHARE = (Fraction(40, 100), Fraction(60, 100))
BANK_PER_DRAW = 2
ABOVE = re.compile(r"\b(all|none) of the above\b", re.IGNORECASE)
UNSCORED = ("description", "essay")
#: the rows the checks print at the end of a pytest run (tests/content/conftest.py)
SUMMARY: list[str] = []


@dataclass
class ModuleDraw:
    """One module's quiz: ``bank`` questions to draw from, ``draw`` shown per attempt, of
    which ``fixed`` are the same in every attempt; ``outside``: draws from banks that content/
    does not hold (not measurable here)."""

    slug: str
    bank: int
    draw: int
    fixed: int
    outside: int = 0

    @property
    def ok(self) -> bool:
        return self.fixed == 0 and self.outside == 0 and self.bank >= BANK_PER_DRAW * self.draw > 0

    def __str__(self) -> str:
        fixed = f", {self.fixed} fixed" if self.fixed else ""
        outside = f", {self.outside} from outside banks" if self.outside else ""
        return f"{self.slug} {self.bank}/{self.draw}{fixed}{outside}"


@dataclass
class CourseFigures:
    course: str
    choice: int = 0
    longest_key: int = 0
    shortest_key: int = 0
    true_false: int = 0
    true_keys: int = 0
    modules: list[ModuleDraw] = field(default_factory=list)
    above: list[str] = field(default_factory=list)
    longest_names: list[str] = field(default_factory=list)

    @property
    def longest_share(self) -> Fraction:
        return Fraction(self.longest_key, self.choice or 1)

    @property
    def shortest_share(self) -> Fraction:
        return Fraction(self.shortest_key, self.choice or 1)

    @property
    def true_share(self) -> Fraction | None:
        return Fraction(self.true_keys, self.true_false) if self.true_false else None

    def problems(self) -> list[str]:
        """What keeps the course below issue 12's bar; empty when it meets it."""
        found = []
        if self.longest_share > LONGEST_KEY_MAX:
            found.append(
                f"key is the longest option in {self.longest_key}/{self.choice} choice "
                f"questions ({_pct(self.longest_share)}, bar <= 30%)"
            )
        if self.shortest_share > LONGEST_KEY_MAX:
            found.append(
                f"key is the shortest option in {self.shortest_key}/{self.choice} choice "
                f"questions ({_pct(self.shortest_share)}, bar <= 30%)"
            )
        share = self.true_share
        if share is not None and not TRUE_SHARE[0] <= share <= TRUE_SHARE[1]:
            found.append(
                f"{self.true_keys}/{self.true_false} true/false keys are true "
                f"({_pct(share)}, bar 40-60%)"
            )
        short = [str(m) for m in self.modules if not m.ok]
        if short:
            found.append("bank < 2 x draw or questions fixed in every attempt: " + "; ".join(short))
        found += [f"'all/none of the above' in {name!r}" for name in self.above]
        return found

    def row(self) -> str:
        share = self.true_share
        banks = sum(m.ok for m in self.modules)
        return (
            f"{self.course:45} longest key {self.longest_key:3}/{self.choice:<3} "
            f"{_pct(self.longest_share):>4}  shortest {_pct(self.shortest_share):>4}  "
            f"true {self.true_keys:2}/{self.true_false:<2} "
            f"{_pct(share) if share is not None else '-':>4}  "
            f"banks >= 2x draw {banks:2}/{len(self.modules):<2}  above {len(self.above)}"
        )


def _pct(value: Fraction) -> str:
    return f"{round(float(value) * 100)}%"


def _text(item: dict) -> str:
    text = item["text"]
    return (text["text"] if isinstance(text, dict) else str(text)).strip()


def _lengths(question: dict) -> tuple[list[int], list[int]]:
    """Lengths of the right and of the wrong options of a choice question."""
    choices = question["choices"]
    if question["type"] == "single_choice":
        right = [len(_text(c)) for c in choices if Fraction(c["weight"]) == 100]
        wrong = [len(_text(c)) for c in choices if Fraction(c["weight"]) != 100]
    else:
        right = [len(_text(c)) for c in choices if Fraction(c["weight"]) > 0]
        wrong = [len(_text(c)) for c in choices if Fraction(c["weight"]) <= 0]
    return right, wrong


def key_is_longest(question: dict) -> bool:
    """True when a choice question's right option(s) are longer than every wrong option."""
    right, wrong = _lengths(question)
    return bool(right and wrong) and min(right) > max(wrong)


def key_is_shortest(question: dict) -> bool:
    """True when the right option(s) are shorter than every wrong option: the same cue turned
    round, which a writer who avoids long keys falls into."""
    right, wrong = _lengths(question)
    return bool(right and wrong) and max(right) < min(wrong)


def course_figures(course: dict) -> CourseFigures:
    """The figures of one course of a ContentPlan: its modules' quizzes and its diagnostic
    (test-out) quiz, which meets the same bar."""
    figures = CourseFigures(course["slug"])
    quizzes = [(m["slug"], m["parts"]["quiz"]) for m in course["modules"]]
    if (course.get("parts") or {}).get("diagnostic"):
        quizzes.append(("diagnostic", course["parts"]["diagnostic"]))
    for slug, quiz in quizzes:
        module = {"slug": slug}
        scored = [q for q in quiz["questions"] if q["type"] not in UNSCORED]
        settings = quiz["settings"]
        outside = sum(rule["count"] for rule in settings.get("draw_rules", []))
        own = settings.get("questions_per_attempt")
        if own is None:
            draw = ModuleDraw(module["slug"], len(scored), len(scored) + outside, len(scored))
        else:
            draw = ModuleDraw(module["slug"], len(scored), own + outside, 0)
        draw.outside = outside
        figures.modules.append(draw)
        for q in scored:
            texts = [q["stem"]["text"], *(_text(c) for c in q.get("choices") or [])]
            if any(ABOVE.search(t) for t in texts):
                figures.above.append(f"{module['slug']}: {q['name']}")
            if q["type"] in ("single_choice", "multiple_choice"):
                figures.choice += 1
                if key_is_longest(q):
                    figures.longest_key += 1
                    figures.longest_names.append(f"{module['slug']}: {q['name']}")
                figures.shortest_key += key_is_shortest(q)
            elif q["type"] == "true_false":
                figures.true_false += 1
                figures.true_keys += (
                    _text(next(c for c in q["choices"] if Fraction(c["weight"]) == 100)).lower()
                    == "true"
                )
    return figures


def read(folder: Path) -> ContentPlan:
    """A content folder as the loader reads it, with the quiz part (init_app registers it)."""
    register_module_part(QUIZ_PART)
    register_course_part(DIAGNOSTIC_PART)
    return read_content(folder)


def plan_figures(plan: ContentPlan) -> dict[str, CourseFigures]:
    return {course["slug"]: course_figures(course) for course in plan.courses}


def main(folders: list[str]) -> None:
    """Print the figures of each content folder (e.g. main's and a branch's) in one run."""
    for folder in folders:
        print(f"== {folder}")
        for figures in plan_figures(read(Path(folder))).values():
            print(figures.row())


if __name__ == "__main__":
    main(sys.argv[1:] or ["content"])
