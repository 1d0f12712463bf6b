"""Fixtures of the curriculum checks: the content read and validated by the loader (no
database), and the DigComp 3.0 framework read straight from its file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from learnhub.catalog.loader import (
    ContentPlan,
    read_content,
    register_course_part,
    register_module_part,
)
from learnhub.quizzes.content_loader import QUIZ_PART
from learnhub.quizzes.diagnostic import DIAGNOSTIC_PART
from learnhub.skills.framework_import import FrameworkData, parse_digcomp
from tests.conftest import CONTENT_DIR


@pytest.fixture(scope="session")
def plan() -> ContentPlan:
    """content/ as the loader reads it; any validation error fails here with file and line.
    The quiz and diagnostic parts are registered here (the app does it in init_app), so that
    these checks also run alone, without an app made earlier in the session."""
    register_module_part(QUIZ_PART)
    register_course_part(DIAGNOSTIC_PART)
    return read_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def digcomp() -> FrameworkData:
    """DigComp 3.0 from content/frameworks/digcomp-3.0/ (the file framework.yaml names)."""
    folder = CONTENT_DIR / "frameworks" / "digcomp-3.0"
    meta = yaml.safe_load((folder / "framework.yaml").read_text(encoding="utf-8"))
    return parse_digcomp((folder / meta["file"]).read_bytes())


def lesson_files() -> list[Path]:
    """Every module's lesson Markdown, as course.yaml names it."""
    found = []
    for course_yaml in sorted(CONTENT_DIR.glob("courses/*/course.yaml")):
        course = yaml.safe_load(course_yaml.read_text(encoding="utf-8"))
        found += [course_yaml.parent / module["file"] for module in course["modules"]]
    return found


def display(path: Path) -> str:
    """``content/courses/x/01-y.md``: how failure messages name a file."""
    return str(path.relative_to(CONTENT_DIR.parent))


def pytest_terminal_summary(terminalreporter) -> None:
    """The quiz-quality figures per course (issue 12), when their checks ran."""
    from tests.content.quiz_quality import SUMMARY

    if SUMMARY:
        terminalreporter.section("quiz quality per course (issue 12)")
        for line in SUMMARY:
            terminalreporter.write_line(line)
