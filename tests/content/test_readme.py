"""content/README.md tells the truth: its coverage tables are the ones scripts/content_table.py
generates from the content, and its steps name files and commands that exist."""

from __future__ import annotations

from scripts.content_table import END, START, replace_between_markers, tables
from tests.conftest import CONTENT_DIR, PROJECT_ROOT

README = CONTENT_DIR / "README.md"


def test_the_readme_coverage_tables_match_the_content():
    readme = README.read_text(encoding="utf-8")
    assert readme.count(START) == 1 and readme.count(END) == 1
    expected = replace_between_markers(readme, tables(CONTENT_DIR))
    assert readme == expected, (
        "content/README.md's coverage tables are out of date: run "
        "`.venv/bin/python scripts/content_table.py --write`"
    )


def test_the_table_lists_every_course_and_module(plan):
    generated = tables(CONTENT_DIR)
    for course in plan.courses:
        for module in course["modules"]:
            assert f"| {course['title']} | {module['position']}. {module['title']} |" in generated


def test_the_readme_names_the_tools_it_tells_authors_to_run():
    readme = README.read_text(encoding="utf-8")
    for script in ("scripts/content_table.py", "bench/readability.py"):
        assert script in readme and (PROJECT_ROOT / script).is_file()
    assert "tests/content" in readme and "flask content load" in readme
