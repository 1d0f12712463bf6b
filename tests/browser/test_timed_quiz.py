"""The timed quiz, as a learner's browser runs it: answers saved two seconds after they change, when
the page is left, and every minute survive a reload."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from learnhub.extensions import db
from learnhub.quizzes.models import Attempt, Quiz
from tests.conftest import DEMO_PASSWORD
from tests.journeys.helpers import first_module


@pytest.fixture
def timed_quiz(app: Flask, demo: dict[str, int]) -> Iterator[tuple[int, int]]:
    """(module id, quiz id) of the first module, its quiz given a 20-minute limit for the test."""
    module_id, quiz_id = first_module(app)
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        before, quiz.time_limit_seconds = quiz.time_limit_seconds, 1200
        db.session.commit()
    yield module_id, quiz_id
    with app.app_context():  # content tables are kept for the whole session: put it back
        db.session.get(Quiz, quiz_id).time_limit_seconds = before
        db.session.commit()


def sign_in(page, email: str = "employee@example.org") -> None:
    page.goto("/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/")


def test_autosave_keeps_answers_through_a_reload(app, page, timed_quiz) -> None:
    module_id, _quiz_id = timed_quiz
    page.clock.install()  # the page's timers run on a clock the test moves
    sign_in(page)
    page.goto(f"/modules/{module_id}")
    page.locator("form[action$='/start'] button").click()
    page.wait_for_url("**/attempts/*")
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    groups = page.locator("div[role=radiogroup]")
    ticked = min(4, groups.count())
    assert ticked >= 2
    for i in range(ticked):
        groups.nth(i).locator("input").first.check()

    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.clock.run_for(61_000)  # a minute of the page's time: the autosave fires
    assert saved.value.status == 204
    # the attempt's own address, never "[object RadioNodeList]"
    assert posts and set(posts) == {page.url}

    page.reload()
    assert page.locator("div[role=radiogroup] input:checked").count() == ticked
    attempt_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "in_progress"
        assert sum(1 for r in attempt.responses if r.answer) == ticked


def _start(page, module_id: int) -> None:
    sign_in(page)
    page.goto(f"/modules/{module_id}")
    page.locator("form[action$='/start'] button").click()
    page.wait_for_url("**/attempts/*")


def _saved_answers(app, attempt_id: int) -> int:
    with app.app_context():
        return sum(1 for r in db.session.get(Attempt, attempt_id).responses if r.answer)


def test_an_answer_is_saved_seconds_after_it_changes(app, page, timed_quiz) -> None:
    """Answered, then reloaded within 3 s of the page's time: the answer is kept (saved two
    seconds after the last change, with the form's CSRF token), not lost until the minute's
    save."""
    module_id, _quiz_id = timed_quiz
    page.clock.install()
    _start(page, module_id)
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.post_data or ""))
    groups = page.locator("div[role=radiogroup]")
    groups.nth(0).locator("input").first.check()
    page.clock.run_for(1_000)
    groups.nth(1).locator("input").first.check()  # a second change restarts the wait
    page.clock.run_for(1_500)
    assert posts == []
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.clock.run_for(600)  # 2 s after the last change
    assert saved.value.status == 204
    assert len(posts) == 1 and "csrf_token" in posts[0] and "autosave" in posts[0]
    page.reload()
    assert page.locator("div[role=radiogroup] input:checked").count() == 2
    attempt_id = int(page.url.rsplit("/", 1)[1])
    assert _saved_answers(app, attempt_id) == 2
    page.clock.run_for(61_000)  # nothing changed since: the minute's save has nothing to send
    assert len(posts) == 1


def test_leaving_the_page_saves_the_last_answer(app, page, timed_quiz) -> None:
    """An answer given just before the page is left (no time for the delayed save) is sent as
    the page goes (pagehide / visibilitychange), and is there when the person comes back."""
    module_id, _quiz_id = timed_quiz
    page.clock.install()
    _start(page, module_id)
    attempt_url = page.url
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    page.locator("div[role=radiogroup]").nth(0).locator("input").first.check()
    page.goto("/")  # leaves at once
    for _ in range(50):  # the beacon is delivered while the next page loads
        if _saved_answers(app, attempt_id) == 1:
            break
        page.wait_for_timeout(100)
    assert _saved_answers(app, attempt_id) == 1
    page.goto(attempt_url)
    assert page.locator("div[role=radiogroup] input:checked").count() == 1


def test_a_failed_save_is_carried_by_the_minutes_save(app, page, timed_quiz) -> None:
    module_id, _quiz_id = timed_quiz
    page.clock.install()
    _start(page, module_id)
    attempt_id = int(page.url.rsplit("/", 1)[1])
    failed: list[str] = []

    def drop_once(route) -> None:
        if route.request.method == "POST" and not failed:
            failed.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/attempts/*", drop_once)
    page.locator("div[role=radiogroup]").nth(0).locator("input").first.check()
    with page.expect_event("requestfailed"):
        page.clock.run_for(2_100)  # the delayed save is lost on the way
    assert failed and _saved_answers(app, attempt_id) == 0
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.clock.run_for(60_000)
    assert saved.value.status == 204
    assert _saved_answers(app, attempt_id) == 1
