"""The L&D pages of issue 13 in Chromium, checked by axe-core (WCAG 2.2 A and AA rules) at 1280
and 320 px, as HR: the audit log (with and without errors), the essay queue and a review page
(with an error), extra time (with an error) and the person page's section; at 320 px the page
itself never scrolls sideways. The error summary takes the focus when a form comes back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.questionbank.models import Question
from learnhub.quizzes import services
from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.browser.test_timed_quiz import sign_in

QUIZ = (
    "::Fact::Phishing emails can look genuine. {T}\n\n"
    "::Why::Explain how you would spot a phishing email. "
    "{####Good answers name urgency and a sender that does not match.}\n"
)


@pytest.fixture
def essay_attempt(app, demo, make_quiz) -> tuple[int, int]:
    quiz_id = make_quiz(QUIZ, pass_mark="75", essays_graded=True, time_limit_seconds=1200)
    with app.app_context():
        fact, essay = db.session.scalars(
            select(Question).where(Question.quiz_id == quiz_id).order_by(Question.position)
        ).all()
        attempt = services.start_attempt(quiz_id, get_by_email("employee@example.org").id)
        text = "Urgent tone, and a sender address that is not the bank's. " * 8
        services.submit_attempt(attempt, {fact.id: {"choice": 0}, essay.id: {"text": text}})
        db.session.commit()
        return attempt.id, essay.id


@pytest.mark.parametrize("width", [1280, 320])
def test_lnd_pages_pass_axe_and_reflow(
    app,
    chromium,
    live_server,
    essay_attempt,
    axe_installed,  # noqa: F811
    width,
):
    attempt_id, essay_id = essay_attempt
    found: list[str] = []
    context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, "hr@example.org")

    def check(name: str) -> None:
        assert page.locator("h1").count() == 1, name
        found.extend(_violations(page, f"hr {name} {width}"))
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (name, width, overflow)

    for path in ["/hr", "/audit", "/reviews", f"/reviews/{attempt_id}", "/people/E1007"]:
        page.goto(path)
        check(path)
    page.goto("/audit?person=nobody&date_from=2026-02-31")
    check("audit errors")
    page.goto(f"/reviews/{attempt_id}")
    page.fill(f"#points-{essay_id}", "7")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.locator(".error-summary").wait_for()
    for _ in range(30):  # the summary takes the focus (autofocus) once the page has loaded
        if page.evaluate("document.activeElement.classList.contains('error-summary')"):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    check("review errors")
    page.goto("/people/E1007/extra-time")
    check("extra time")
    page.check("#kind-extra")
    page.fill("#extra_percent", "")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    check("extra time errors")
    page.fill("#extra_percent", "50")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/people/E1007*")
    assert "50% extra time" in page.locator("#extra-time + p").inner_text()
    context.close()
    assert found == []
