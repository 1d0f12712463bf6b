"""The learner's quiz page in Chromium (a QA tester's findings): a 3-minute quiz shows no time
warning at its start, only at one minute left; the essay box takes its column's width;
"Choose all that apply." shows once for a question whose text says it."""

from __future__ import annotations

from learnhub.extensions import db
from learnhub.quizzes.models import Quiz
from tests.browser.test_timed_quiz import sign_in
from tests.quizzes.test_quiz_page_hints import QUESTIONS


def test_a_short_timed_quiz_page(app, demo, page, make_quiz, tmp_path) -> None:
    quiz_id = make_quiz(QUESTIONS, time_limit_seconds=180)
    with app.app_context():
        module_id = db.session.get(Quiz, quiz_id).module_id
    page.set_viewport_size({"width": 1280, "height": 900})
    page.clock.install()
    sign_in(page)
    page.goto(f"/modules/{module_id}")
    page.locator("form[action$='/start'] button").click()
    page.wait_for_url("**/attempts/*")

    warning = page.locator("#quiz-timer .time-warning")
    assert warning.text_content() == ""  # not "About 3 minutes left" from the first second
    assert page.get_by_text("Choose all that apply.").count() == 2  # Tools' stem, Fruit's hint
    tools = page.locator("li.question").nth(0)
    assert tools.get_by_text("Choose all that apply.").count() == 1
    box = page.locator("li.question textarea").bounding_box()
    column = page.locator("li.question").nth(2).bounding_box()
    assert box is not None and column is not None
    assert box["width"] > 0.9 * column["width"] - 40  # the column less its padding
    assert box["width"] > 600
    page.screenshot(path=str(tmp_path / "quiz-start.png"), full_page=True)

    page.clock.run_for(100_000)  # 80 s left: still quiet
    assert warning.text_content() == ""
    page.clock.run_for(21_000)  # 59 s left
    assert warning.text_content().startswith("One minute left.")
