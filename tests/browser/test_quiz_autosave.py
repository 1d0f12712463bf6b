"""The quiz page's autosave as a learner's Chromium runs it (a tester's findings): an over-long
answer is cut at the server's limit by the field; one the server refuses anyway is named beside
its question and in the live status while the valid answers are saved; offline, the page says
"not saved yet", keeps the answers, does not leave for the browser's "no internet" page at
time-up, and saves and submits them when the connection is back; answers not saved before a
reload are filled in again from sessionStorage."""

from __future__ import annotations

import pytest

from learnhub.extensions import db
from learnhub.quizzes.models import Attempt, Quiz
from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401  (fixture)
from tests.browser.test_timed_quiz import sign_in

QUIZ = (
    "::T1::The sky is blue. {T}\n\n"
    "::Count::For how many seconds? Type a number. {=20 =twenty}\n\n"
    "::T2::Grass is green. {T}\n"
)
LONG = "x" * 600


def _start(app, page, quiz_id: int) -> tuple[int, list[int]]:
    """Open the quiz's first attempt: (attempt id, question ids in page order)."""
    with app.app_context():
        module_id = db.session.get(Quiz, quiz_id).module_id
    sign_in(page)
    page.goto(f"/modules/{module_id}")
    page.locator("form[action$='/start'] button").click()
    page.wait_for_url("**/attempts/*")
    ids = page.locator("li.question").evaluate_all(
        "items => items.map(i => Number(i.dataset.question))"
    )
    return int(page.url.rsplit("/", 1)[1]), ids


def _stored(app, attempt_id: int) -> tuple[str, dict[int, dict]]:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return attempt.state, {r.question_id: r.answer for r in attempt.responses if r.answer}


@pytest.mark.usefixtures("axe_installed")
@pytest.mark.parametrize("width", [1280, 320])
def test_a_refused_answer_is_named_and_the_others_are_saved(
    app,
    demo,
    page,
    make_quiz,
    width,
) -> None:
    quiz_id = make_quiz(QUIZ, shuffle_answers=False)  # untimed: the autosave runs all the same
    page.set_viewport_size({"width": width, "height": 900})
    page.clock.install()
    attempt_id, (t1, count, _t2) = _start(app, page, quiz_id)
    field = page.locator(f"#q{count}")
    field.focus()
    page.keyboard.insert_text(LONG)  # the tester's paste
    assert len(field.input_value()) == 500  # the field's maxlength, the server's limit

    # a page without the limit (served before it) sends 600 characters
    field.evaluate("el => el.removeAttribute('maxlength')")
    field.fill(LONG)
    page.locator(f"#q{t1}-0").check()
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.clock.run_for(2_100)
    assert saved.value.status == 422
    status = page.locator("#quiz-save-status[role=status]")
    status.get_by_text("Not saved: Question 2").wait_for()
    error = page.locator(f"#q{count}-error")
    assert error.is_visible() and "600 characters long" in error.inner_text()
    assert field.get_attribute("aria-invalid") == "true"
    assert _stored(app, attempt_id) == ("in_progress", {t1: {"choice": 0}})
    assert _violations(page, f"quiz answer refused {width}") == []

    # "Save and finish later": the quiz again (422), the entry and the error kept, no bare page
    page.get_by_role("button", name="Save and finish later").click()
    page.wait_for_load_state()
    assert "There is a problem" in page.locator(".error-summary").inner_text()
    assert page.locator(f"#q{count}").input_value() == LONG
    assert page.locator(f"#q{t1}-0").is_checked()
    assert _violations(page, f"quiz save refused {width}") == []

    page.locator(f"#q{count}").fill("20")  # fixed: saved, the error goes
    with page.expect_response(lambda r: r.request.method == "POST") as fixed:
        page.clock.run_for(2_100)
    assert fixed.value.status == 204
    assert not page.locator(f"#q{count}-error").is_visible()
    page.goto(page.url)  # (a reload would send the form's POST again)
    assert (
        page.locator(f"#q{t1}-0").is_checked() and page.locator(f"#q{count}").input_value() == "20"
    )


@pytest.mark.usefixtures("axe_installed")
def test_offline_the_page_says_so_and_submits_when_back(
    app,
    demo,
    page,
    make_quiz,
) -> None:
    quiz_id = make_quiz(QUIZ, shuffle_answers=False, time_limit_seconds=300)
    page.set_viewport_size({"width": 320, "height": 800})
    page.clock.install()
    attempt_id, (t1, count, t2) = _start(app, page, quiz_id)
    url = page.url
    page.locator(f"#q{t1}-0").check()
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.clock.run_for(2_100)

    page.context.set_offline(True)
    page.locator(f"#q{t2}-1").check()  # the tester's Q4: answered offline
    page.clock.run_for(2_100)
    status = page.locator("#quiz-save-status[role=status]")
    status.get_by_text("Connection lost").wait_for()
    assert "not saved yet" in status.inner_text()  # in words, not colour alone
    assert _violations(page, "quiz offline 320") == []

    page.clock.run_for(300_000)  # the time is up on the page's clock; still offline
    warning = page.locator("#quiz-timer [role=alert]")
    warning.get_by_text("Time is up, but this page cannot reach LearnHub").wait_for()
    page.clock.run_for(5_000)
    assert page.url == url  # no navigation to the browser's "no internet" page
    assert page.locator(f"#q{t2}-1").is_checked()
    assert _stored(app, attempt_id) == ("in_progress", {t1: {"choice": 0}})

    with page.expect_navigation():
        page.context.set_offline(False)  # "online": saved, then submitted
    page.wait_for_load_state()
    state, stored = _stored(app, attempt_id)
    assert state == "submitted"
    assert stored[t2] == {"choice": 1} and stored[t1] == {"choice": 0} and count not in stored


def test_answers_not_saved_before_a_reload_are_filled_in_again(app, demo, page, make_quiz):
    quiz_id = make_quiz(QUIZ, shuffle_answers=False)
    page.clock.install()
    attempt_id, (t1, _count, _t2) = _start(app, page, quiz_id)
    page.route("**/attempts/*", lambda r: r.abort() if r.request.method == "POST" else r.fallback())
    page.locator(f"#q{t1}-1").check()
    page.clock.run_for(2_100)
    page.locator("#quiz-save-status").get_by_text("Connection lost").wait_for()
    page.evaluate("navigator.sendBeacon = () => true")  # the save on leaving is lost too
    page.unroute("**/attempts/*")
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.reload()  # the answer is filled in from sessionStorage, and saved
    assert saved.value.status == 204
    assert page.locator(f"#q{t1}-1").is_checked()
    status = page.locator("#quiz-save-status")
    status.get_by_text("The answers filled in again from this browser are saved.").wait_for()
    assert _stored(app, attempt_id) == ("in_progress", {t1: {"choice": 1}})
