"""Required learning in a real browser (Chromium, axe-core WCAG 2.2 A/AA) at 1280 and 320 px:
HR creates a rule-based assignment through the preview, changes its due date and is asked to
confirm its removal; the manager assigns a module from the team page, and HR exempts the person
from it with a reason; the employee sees "To do" on the dashboard. No axe violation on any of
these pages; screenshots of each are kept in pytest's temporary directory
(``LEARNHUB_SCREENSHOTS=dir`` to keep them elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.browser.test_timed_quiz import sign_in


@pytest.mark.parametrize("width", [1280, 320])
def test_assignment_pages_work_and_pass_axe(
    app,
    demo,
    chromium,
    live_server,
    axe_installed,  # noqa: F811
    width,
    tmp_path,
):
    shots = Path(os.environ.get("LEARNHUB_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    found: list[str] = []

    def context(email: str):
        browser = chromium.new_context(
            base_url=live_server, viewport={"width": width, "height": 900}
        )
        page = browser.new_page()
        sign_in(page, email)
        return browser, page

    def check(page, name: str) -> None:
        found.extend(_violations(page))
        page.screenshot(path=str(shots / f"{width}-{name}.png"), full_page=True)

    # HR: a rule for an org unit, through the preview
    browser, page = context("hr@example.org")
    page.goto("/hr")
    page.click("text=Required learning >> nth=-1")
    check(page, "hr-list")
    page.click("text=Assign learning")
    check(page, "hr-new")
    page.click("button[value=preview]")  # nothing chosen: errors
    assert "There is a problem" in page.content()
    check(page, "hr-new-errors")
    page.select_option("#course", label="Accessible documents and content")
    page.check("#audience-org_unit")
    page.select_option("#org_unit", label="Benefits Casework")
    page.check("#due_kind-after_assignment")
    page.fill("#due_days", "21")
    page.click("button[value=preview]")
    assert page.locator("h1").inner_text() == "Check before you assign"
    assert "8.1" in page.content()  # learning hours: 8 people x 61 minutes
    check(page, "hr-preview")
    page.click("button[value=confirm]")
    page.wait_for_load_state()
    assert "to 8 people" in page.content()
    check(page, "hr-detail")
    page.fill("#due_days", "28")
    page.click("text=Change the due date >> nth=-1")
    page.wait_for_load_state()
    assert "The due date is changed" in page.content()
    page.click("text=Remove this assignment")
    check(page, "hr-remove")
    browser.close()

    # the manager: a module for Amara from the team page
    browser, page = context("manager@example.org")
    page.goto("/team")
    page.check("#choose-E1010")
    page.click("text=Assign learning to the people ticked")
    page.wait_for_url("**/team/assign?people=E1010")
    check(page, "team-assign")
    page.select_option("#course", label="Phishing and account security")
    # only the chosen course's modules are shown (course-modules.js): no other course's list
    page.wait_for_selector("text=Modules of Phishing and account security", state="visible")
    assert page.locator("[data-course]:visible").count() == 1
    page.check("label:has-text('Passwords and multi-factor authentication')")
    page.check("#due_kind-after_assignment")
    page.fill("#due_days", "10")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/people/E1010")
    assert "Passwords and multi-factor authentication" in page.content()
    check(page, "person")
    browser.close()

    # HR exempts Amara from it, with a reason (learnhub.assignments.exemptions)
    browser, page = context("hr@example.org")
    page.goto("/people/E1010")
    check(page, "person-hr")
    page.click("a[aria-label^='Exempt from'] >> nth=0")
    check(page, "exempt")
    page.click("text=Yes, exempt them")
    assert "There is a problem" in page.content()
    check(page, "exempt-errors")
    page.fill("textarea", "On secondment until June")
    page.click("text=Yes, exempt them")
    page.wait_for_url("**/people/E1010#required")
    assert "On secondment until June" in page.content()
    check(page, "person-exempted")
    browser.close()

    # the employee: "To do" first, with due dates
    browser, page = context("employee@example.org")
    page.goto("/")
    todo = page.locator("section[aria-labelledby=to-do]").inner_text()
    assert "Phishing and account security" in todo and "due by" in todo
    check(page, "dashboard")
    browser.close()
    assert found == []
