"""Every page of the three journeys checked by axe-core (WCAG 2.2 A and AA rules) in Chromium,
at a desktop width and at 320 px: no violation.

axe-core comes inside the PyPI package ``axe-playwright-python`` (axe-core is MPL-2.0); it is
run in the page by Playwright, so the pages' Content-Security-Policy stays as served.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import _missing
from tests.browser.screenshots import shoot
from tests.browser.test_timed_quiz import sign_in
from tests.journeys.helpers import first_module, pass_first_module_by_api

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def _violations(page, name: str | None = None) -> list[str]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now, one line each; with a
    ``name``, a screenshot of the page is kept too (tests.browser.screenshots)."""
    if name:
        shoot(page, name)
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]},
    )
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
    ]


@pytest.fixture
def axe_installed() -> None:
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        _missing("axe-playwright-python is not installed (pip install -e '.[dev]')")


@pytest.mark.parametrize("width", [1280, 320])
def test_every_journey_page_passes_axe(app, demo, chromium, live_server, axe_installed, width):
    pass_first_module_by_api(app, "oliver.bennett@example.org")  # the team has results
    module_id, _quiz_id = first_module(app)
    found: list[str] = []

    def visit(email: str | None, paths: list[str], then=None) -> None:
        context = chromium.new_context(
            base_url=live_server, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        if email:
            sign_in(page, email)
        for path in paths:
            page.goto(path)
            found.extend(_violations(page, f"{(email or 'signed-out').split('@')[0]} {path}"))
        if then:
            then(page)
        context.close()

    def sign_in_errors(page) -> None:
        page.goto("/sign-in")
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        found.extend(_violations(page, "sign-in errors"))
        page.goto("/forgot-password")
        found.extend(_violations(page, "forgot password"))

    def quiz(page) -> None:
        page.goto(f"/modules/{module_id}")
        page.locator("form[action$='/start'] button").click()
        page.wait_for_url("**/attempts/*")
        found.extend(_violations(page, "employee quiz"))
        page.locator("div[role=radiogroup] input").first.check()
        page.click("#quiz-submit")
        page.wait_for_load_state()
        found.extend(_violations(page, "employee check before you submit"))
        page.click("button[value=submit_saved]")
        page.wait_for_load_state()
        found.extend(_violations(page, "employee quiz result"))
        page.goto(f"/courses/{_course_of(app, module_id)}")
        found.extend(_violations(page, "employee course"))
        page.goto("/my/record")  # the module just passed is on it
        found.extend(_violations(page, "employee record"))
        page.goto("/hr")  # a 403 page
        found.extend(_violations(page, "employee hr forbidden"))

    visit(None, [], then=sign_in_errors)
    visit("employee@example.org", ["/", "/profile", f"/modules/{module_id}"], then=quiz)
    visit("manager@example.org", ["/team", "/people/E1002"])
    visit("hr@example.org", ["/hr", "/people/E1007"])
    assert found == []


def _course_of(app, module_id: int) -> int:
    from learnhub.catalog.models import Module
    from learnhub.extensions import db

    with app.app_context():
        return db.session.get(Module, module_id).course_id
