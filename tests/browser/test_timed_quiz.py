"""The timed quiz, as a learner's browser runs it: answers saved every minute survive a reload."""

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
    assert posts == [page.url]  # the attempt's own address, never "[object RadioNodeList]"

    page.reload()
    assert page.locator("div[role=radiogroup] input:checked").count() == ticked
    attempt_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "in_progress"
        assert sum(1 for r in attempt.responses if r.answer) == ticked
