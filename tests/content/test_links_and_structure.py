"""Every link and image in content/ resolves and says where it goes; images have alt text;
lesson headings are in order; tables have header rows (issue 3; CONTENT-GUIDE.md; WCAG 2.2
1.1.1, 1.3.1, 2.4.4).

No network in tests: an external link is not fetched, but it must be https and well formed.
A lesson may not link to content files or anchors: the module page has no route that serves
them and its headings carry no ids, so such a link would be broken for the learner.
"""

from __future__ import annotations

from pathlib import Path

from learnhub.catalog.curriculum import heading_problems, link_problems, links, table_problems
from tests.conftest import CONTENT_DIR
from tests.content.conftest import display, lesson_files


def _markdown_files() -> list[Path]:
    return sorted(CONTENT_DIR.rglob("*.md"))


def test_every_lesson_is_checked(plan):
    lessons = lesson_files()
    assert len(lessons) == sum(len(course["modules"]) for course in plan.courses)
    assert all(path.is_file() for path in lessons)
    assert set(lessons) <= set(_markdown_files())


def test_links_and_images_resolve_and_say_where_they_go():
    lessons = set(lesson_files())
    problems = [
        str(issue)
        for path in _markdown_files()
        for issue in link_problems(path, CONTENT_DIR, lesson=path in lessons, where=display(path))
    ]
    assert not problems, "\n".join(problems)


def test_lesson_headings_are_in_order_and_tables_have_header_rows():
    problems = []
    for path in lesson_files():
        text = path.read_text(encoding="utf-8")
        problems += heading_problems(text, display(path)) + table_problems(text, display(path))
    for path in set(_markdown_files()) - set(lesson_files()):
        problems += table_problems(path.read_text(encoding="utf-8"), display(path))
    assert not problems, "\n".join(map(str, problems))


BAD = """\
## Where to get help

Read [click here](https://example.org/help) or [here](https://example.org/x).
See <https://example.org/raw> and [https://example.org/a](https://example.org/a).
Old site: [the archive](http://example.org/archive), [odd](https://exa_mple/).
Also www.example.org/loose in the text.
![](https://example.org/chart.png)
[The next module](02-next.md) and [the top](#where-to-get-help).

#### Skipped a level

# A second title

| | When |
| --- | --- |
| A | B |

| Use | When
| A table | Rows
"""


def test_the_checks_catch_what_they_are_for(tmp_path):
    lesson = tmp_path / "content" / "courses" / "c" / "01-bad.md"
    lesson.parent.mkdir(parents=True)
    lesson.write_text(BAD, encoding="utf-8")
    where = "01-bad.md"
    found = {
        str(i)
        for i in link_problems(lesson, tmp_path / "content", lesson=True, where=where)
        + heading_problems(BAD, where)
        + table_problems(BAD, where)
    }
    expected = {
        "01-bad.md, line 3: link text 'click here' does not say where it goes; name it",
        "01-bad.md, line 3: link text 'here' does not say where it goes; name it",
        "01-bad.md, line 4: bare URL 'https://example.org/raw': give the link words",
        "01-bad.md, line 4: bare URL 'https://example.org/a': give the link words",
        "01-bad.md, line 5: link 'http://example.org/archive' is not https",
        "01-bad.md, line 5: link 'https://exa_mple/' has no valid host name",
        "01-bad.md, line 6: bare URL 'www.example.org/loose': make it a link",
        "01-bad.md, line 7: image 'https://example.org/chart.png' has no alt text",
        "01-bad.md, line 8: link '02-next.md' is relative: a module page cannot serve content "
        "files or jump to headings; link with https or put it in the text",
        "01-bad.md, line 8: link '#where-to-get-help' is relative: a module page cannot serve "
        "content files or jump to headings; link with https or put it in the text",
        "01-bad.md, line 10: heading 'Skipped a level' skips from level 2 to 4",
        "01-bad.md, line 12: heading 'A second title' is level 1; the page title is the only h1",
        "01-bad.md, line 14: a table header cell is empty",
        "01-bad.md, line 18: rows with | are not a table: add a header row and a | --- | line "
        "under it",
    }
    assert found == expected


def test_outside_lessons_relative_links_must_point_to_a_file_or_heading(tmp_path):
    root = tmp_path / "content"
    (root / "courses").mkdir(parents=True)
    (root / "courses" / "x.md").write_text("x\n")
    readme = root / "README.md"
    readme.write_text(
        "## Layout\n\n[A course](courses/x.md), [a missing one](courses/y.md), "
        "[the layout](#layout), [nowhere](#nowhere), [outside](../secret.txt).\n"
    )
    (tmp_path / "secret.txt").write_text("s\n")
    found = [str(i) for i in link_problems(readme, root, lesson=False, where="README.md")]
    assert found == [
        "README.md, line 3: link 'courses/y.md' points to no file in content/",
        "README.md, line 3: no heading has the anchor #nowhere",
        "README.md, line 3: link '../secret.txt' points to no file in content/",
    ]
    assert [link.target for link in links(readme.read_text())][:1] == ["courses/x.md"]
