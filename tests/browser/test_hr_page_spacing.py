"""The HR page's buttons and the links beside them (the People button and the "overdue" link
touched: a fresh tester's finding, issue 13) keep apart in Chromium at 1280 and 320 px: no two
targets of one row touch, and each is at least 24 px high (WCAG 2.2 success criterion 2.5.8,
target size minimum: 24 px, or spacing that keeps 24 px circles apart)."""

from __future__ import annotations

import pytest

from tests.browser.screenshots import shoot
from tests.browser.test_timed_quiz import sign_in

#: the gap, in CSS pixels, two targets of one row keep at the least (a hair's touch is the bug)
GAP = 8

BOXES = """() => [...document.querySelectorAll('main p')]
  .filter(p => p.querySelector('a.button'))
  .map(p => [...p.querySelectorAll('a')].map(a => {
     const r = a.getBoundingClientRect();
     return {text: a.textContent.trim(), x: r.left, y: r.top, right: r.right, bottom: r.bottom,
             rects: [...a.getClientRects()].length};
  }))"""


def _apart(a: dict, b: dict) -> float:
    """The gap between two boxes: the larger of the horizontal and vertical gaps (negative
    when they overlap in both)."""
    across = max(b["x"] - a["right"], a["x"] - b["right"])
    down = max(b["y"] - a["bottom"], a["y"] - b["bottom"])
    return max(across, down)


@pytest.mark.parametrize("width", [1280, 320])
def test_the_hr_pages_buttons_and_links_keep_apart(app, demo, chromium, live_server, width):
    context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, "hr@example.org")
    page.goto("/hr")
    rows = page.evaluate(BOXES)
    shoot(page, "hr")
    context.close()
    assert any(
        [t["text"] for t in row] == ["People", "People with overdue required learning"]
        for row in rows
    ), rows
    close, small = [], []
    for row in rows:
        for i, a in enumerate(row):
            if a["bottom"] - a["y"] < 24:
                small.append((a["text"], round(a["bottom"] - a["y"], 1)))
            for b in row[i + 1 :]:
                if _apart(a, b) < GAP:
                    close.append((a["text"], b["text"], round(_apart(a, b), 1)))
    assert close == [] and small == [], (close, small)
