"""The learner's record of learning in a real browser: reached from My learning, a table per
course that stays a table for assistive technology at every width, nothing scrolling sideways
at 320 px (each row becomes a block of labelled lines), axe-core clean, and the CSV download
the page links to. Screenshots kept (screenshots.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.browser.screenshots import shoot
from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.browser.test_timed_quiz import sign_in
from tests.journeys.helpers import pass_first_module_by_api

TABLE = "Modules of Phishing and account security you completed"


@pytest.mark.usefixtures("axe_installed")
@pytest.mark.parametrize("width", [1280, 320])
def test_from_my_learning_to_the_record_and_its_csv(
    app, demo, chromium, live_server, width, tmp_path: Path
) -> None:
    pass_first_module_by_api(app)
    context = chromium.new_context(
        base_url=live_server, viewport={"width": width, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    sign_in(page)
    page.get_by_role("main").get_by_role("link", name="your record of learning").click()
    page.wait_for_url("**/my/record")
    assert page.get_by_role("heading", level=1).inner_text() == "My record of learning"
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="My record")

    # a table for assistive technology whatever its layout: caption, column and row headers
    table = page.get_by_role("table", name=TABLE)
    assert table.count() == 1
    assert table.get_by_role("columnheader").all_inner_texts() == [
        "Module",
        "Completed",
        "Grade",
        "Result",
        "Attempts",
    ]
    [module] = table.get_by_role("rowheader").all_inner_texts()
    assert module == "Spotting phishing emails, texts and calls"
    cells = table.get_by_role("cell").all_inner_texts()
    assert any(c.startswith("100.0%") for c in cells) and "Passed" in "".join(cells)

    # nothing wider than the screen, the record's tables included (no box to scroll either)
    wide = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth,"
        " [...document.querySelectorAll('table')]"
        ".filter(t => t.getBoundingClientRect().right > window.innerWidth"
        " || t.scrollWidth > t.clientWidth + 1).length]"
    )
    assert wide[0] <= wide[1] and wide[2] == 0, wide
    if width == 320:  # each row a block: its cells one under the other, each labelled
        tops = page.evaluate(
            "() => [...document.querySelector('table.stacked tbody tr').children]"
            ".map(c => Math.round(c.getBoundingClientRect().top))"
        )
        assert tops == sorted(tops) and len(set(tops)) == len(tops), tops
        label = page.evaluate(
            "() => getComputedStyle(document.querySelector('td[data-label=Grade]'),"
            " '::before').content"
        )
        assert "Grade" in label, label
    assert _violations(page, f"employee record {width}") == []

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download my record (CSV)").click()
    download = waiting.value
    assert download.suggested_filename.startswith("learning-record-E1007-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    [done] = [r for r in rows if r["module_status"] == "completed"]
    assert (done["module"], done["grade_percent"], done["result"]) == (module, "100.0", "passed")
    shoot(page, f"employee record after download {width}")
    context.close()
