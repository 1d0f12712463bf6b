"""Table captions at 320 px (a fresh tester's finding): a data table wider than the screen
scrolls sideways inside its box, but its caption stays in view, wrapped to the box's width,
whatever the scroll; it never runs off beside the table. Screenshots kept (screenshots.py)."""

from __future__ import annotations

import pytest

from tests.browser.screenshots import shoot
from tests.browser.test_timed_quiz import sign_in

#: (person signed in, page): pages whose first table with a visible caption is wider than 320 px
PAGES = [
    ("hr@example.org", "/hr/people"),
    ("hr@example.org", "/people/E1007"),
    ("manager@example.org", "/team"),
]

MEASURE = """() => {
  const caption = [...document.querySelectorAll('.table-wrap caption')]
    .find(c => !c.classList.contains('visually-hidden') && c.closest('.table-wrap').scrollWidth
               > c.closest('.table-wrap').clientWidth);
  if (!caption) return null;
  const wrap = caption.closest('.table-wrap');
  const box = () => {
    const w = wrap.getBoundingClientRect(), c = caption.getBoundingClientRect();
    return {wrapLeft: w.left, wrapRight: w.left + wrap.clientWidth, left: c.left, right: c.right,
            height: c.height};
  };
  const before = box();
  wrap.scrollLeft = wrap.scrollWidth;
  const after = box();
  wrap.scrollIntoView();
  const scrolls = wrap.scrollWidth - wrap.clientWidth;
  return {before, after, text: caption.textContent.trim(), scrolls};
}"""


@pytest.mark.parametrize(("email", "path"), PAGES)
def test_captions_stay_in_view_when_a_wide_table_scrolls(
    app, chromium, live_server, demo, email, path
):
    context = chromium.new_context(base_url=live_server, viewport={"width": 320, "height": 800})
    page = context.new_page()
    sign_in(page, email)
    page.goto(path)
    found = page.evaluate(MEASURE)
    shoot(page, f"caption {path} scrolled to the end")
    context.close()
    assert found is not None, f"{path}: no wide table with a caption at 320 px"
    assert found["scrolls"] > 0
    for moment in ("before", "after"):
        box = found[moment]
        # inside the box's visible part, to the pixel, before and after scrolling to the end
        assert box["left"] >= box["wrapLeft"] - 1, (path, moment, found)
        assert box["right"] <= box["wrapRight"] + 1, (path, moment, found)
