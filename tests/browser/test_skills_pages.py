"""The team heat map and the organisation view in Chromium, checked by axe-core (WCAG 2.2 A and
AA rules) at 1280 and 320 px, as the demo manager and demo HR; at 320 px the page itself never
scrolls sideways (the tables scroll inside their focusable region)."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.browser.test_timed_quiz import sign_in
from tests.journeys.helpers import pass_first_module_by_api

PAGES = {
    "manager@example.org": ["/team", "/team/heatmap", "/team/heatmap?group=team"],
    "hr@example.org": ["/organisation/skills"],
    "grace.adeyemi@example.org": ["/organisation/skills", "/team/heatmap?group=team"],
}


@pytest.mark.parametrize("width", [1280, 320])
def test_skills_pages_pass_axe_and_reflow(app, demo, chromium, live_server, axe_installed, width):  # noqa: F811
    pass_first_module_by_api(app, "employee@example.org")  # a met cell on the map
    found: list[str] = []
    for email, paths in PAGES.items():
        context = chromium.new_context(
            base_url=live_server, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, email)
        for path in paths:
            page.goto(path)
            assert page.locator("h1").count() == 1
            found.extend(_violations(page, f"{email.split('@')[0]} {path}"))
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, width, overflow)
        context.close()
    assert found == []


def test_the_heat_map_region_scrolls_by_keyboard(app, demo, page):
    """At 320 px the table is wider than the screen: its region takes the focus, and the
    arrow keys scroll it (WCAG 2.1.1, 1.4.10)."""
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in(page, "manager@example.org")
    page.goto("/team/heatmap")
    region = page.locator(".heat-wrap").first
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    region.focus()
    assert page.evaluate("document.activeElement.classList.contains('heat-wrap')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # (smooth scrolling: give it time; the page's CSP forbids wait_for_function's eval)
    for _ in range(30):
        if region.evaluate("el => el.scrollLeft") > 0:
            break
        page.wait_for_timeout(100)
    assert region.evaluate("el => el.scrollLeft") > 0
    # every data cell says its value in words or figures
    texts = page.locator("table.heatmap tbody td").all_inner_texts()
    assert texts and all(t.strip() for t in texts)
