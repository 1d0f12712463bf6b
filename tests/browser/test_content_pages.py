"""The question-bank and quiz pages (issue 13) in Chromium, at 1280 and 320 px, checked by
axe-core (WCAG 2.2 A and AA): the banks, a bank with an answer key open, the import form, its
errors, the dry-run report, the imported result; the quizzes, a quiz's settings with an error
and saved, the regrade preview; and axe's landmark rules (best practice) on the import errors (E9).
Each page also keeps a screenshot."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.auth import services as auth
from learnhub.extensions import db
from learnhub.org.models import Employee
from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.browser.test_timed_quiz import sign_in

GOOD = b"""$CATEGORY: $course$/top/Security/Phishing

// [tag:phishing]
::Sender::Who really sent this email? {
=Whoever owns the domain in the address#Right: the address, not the name
~The name shown#Names are easy to fake
}

::Link::A link's text says one address and its target another. {FALSE}
"""
BAD = b"::Good::Is this fine? {T}\n\n::Broken::Which? {=a ~b\n"


#: axe's best-practice rules on landmarks, which the WCAG tags of ``_violations`` leave out
LANDMARK_RULES = ["landmark-unique", "landmark-no-duplicate-main", "landmark-one-main"]


def _landmarks(page) -> list[str]:
    """axe-core's landmark violations (:data:`LANDMARK_RULES`) on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "rule", "values": LANDMARK_RULES}}
    results = Axe().run(page, options=options | {"resultTypes": ["violations"]})
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("width", [1280, 320])
def test_content_pages_pass_axe(app, demo, chromium, live_server, axe_installed, width, tmp_path):  # noqa: F811
    with app.app_context():
        oliver = db.session.scalar(
            select(Employee).where(Employee.email == "oliver.bennett@example.org")
        )
        auth.grant_role(auth.account_for(oliver), "content_admin")
        db.session.commit()
    good, bad = tmp_path / "security.gift", tmp_path / "bad.gift"
    good.write_bytes(GOOD)
    bad.write_bytes(BAD)
    found: list[str] = []

    def new_page(email: str):
        context = chromium.new_context(
            base_url=live_server, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, email)
        return context, page

    def submit(page, selector: str = "main form button[type=submit]") -> None:
        with page.expect_navigation():
            page.click(selector)

    context, page = new_page("hr@example.org")
    page.goto("/banks")
    found.extend(_violations(page, "banks"))
    page.click("a[href='/banks/content']")
    page.wait_for_url("**/banks/content")
    page.locator(".bank-questions details summary").first.click()
    found.extend(_violations(page, "bank with an answer key"))
    page.goto("/banks/import")
    found.extend(_violations(page, "bank import"))
    page.fill("#bank", "Security")
    page.set_input_files("#file", str(bad))
    submit(page)
    assert page.locator(".error-summary").is_visible()
    found.extend(_violations(page, "bank import errors"))
    found.extend(_landmarks(page))  # two regions named "Errors in the file" (tester E9)
    page.set_input_files("#file", str(good))
    submit(page)
    assert "Check the import into Security" in page.inner_text("h1")
    found.extend(_violations(page, "bank import report"))
    submit(page)
    assert "Imported into Security" in page.inner_text("h1")
    found.extend(_violations(page, "bank imported"))
    context.close()

    context, page = new_page("oliver.bennett@example.org")
    page.goto("/content/quizzes")
    found.extend(_violations(page, "quizzes"))
    page.locator("a[href$='/settings']").first.click()
    page.wait_for_load_state()
    found.extend(_violations(page, "quiz settings"))
    page.fill("#time_limit_minutes", "0")
    submit(page, "form.stack button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    found.extend(_violations(page, "quiz settings errors"))
    page.fill("#time_limit_minutes", "25")
    submit(page, "form.stack button[type=submit]")
    assert "Saved: time limit" in page.inner_text("main")
    found.extend(_violations(page, "quiz settings saved"))
    page.goto(page.url.split("?")[0].replace("/settings", "/regrade"))
    found.extend(_violations(page, "regrade"))
    context.close()
    assert found == []
