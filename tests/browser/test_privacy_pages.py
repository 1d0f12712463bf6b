"""HR's personal data pages (issue 15) in Chromium, checked by axe-core (WCAG 2.2 A and AA) at
1280 and 320 px: the requests page with a ready request, its error state, and the person page
with HR's section; at 320 px the page never scrolls sideways."""

from __future__ import annotations

import pytest

from learnhub.extensions import db
from learnhub.privacy import erasure, subject_access
from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.browser.test_timed_quiz import sign_in


@pytest.mark.parametrize("width", [1280, 320])
def test_privacy_pages_pass_axe_and_reflow(app, demo, chromium, live_server, axe_installed, width):  # noqa: F811
    with app.app_context():
        person = erasure.find_person("E1007")
        subject_access.request_export(person, "email of 3 May, ticket 1234", actor_id=None)
        db.session.commit()
    found: list[str] = []
    context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, "hr@example.org")

    def check(name: str) -> None:
        assert page.locator("h1").count() == 1
        found.extend(_violations(page, name))
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (name, width, overflow)

    page.goto("/privacy/requests")
    assert page.locator("text=Download request").count() == 1
    check("hr privacy requests")
    page.fill("#erase-employee_number", "E1007")
    page.fill("#erase-reason", "asked")
    page.fill("#erase-confirm", "E1008")
    page.locator("form[action$='/privacy/erasures'] button").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    check("hr privacy erasure error")
    page.goto("/people/E1007")
    assert page.locator("#personal-data").count() == 1
    check("hr person personal data")
    page.goto("/privacy")  # the notice's table of what is kept, why and how long
    check("privacy notice")
    context.close()
    assert found == []
