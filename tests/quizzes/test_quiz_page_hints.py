"""The learner's quiz page (a QA tester's findings): the first time warning comes only in the
last part of the time, and "Choose all that apply." shows once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from learnhub.quizzes.render import says_several
from learnhub.quizzes.timing import warning_seconds
from tests.conftest import sign_in

QUESTIONS = (
    "::Tools::Which of these are tools? Choose all that apply. {~%50%Hammer ~%50%Saw "
    "~%-100%Apple}\n\n"
    "::Fruit::Which of these are fruit? {~%50%Apple ~%50%Pear ~%-100%Hammer}\n\n"
    "::Day::Describe your day. {}\n"
)


@pytest.mark.parametrize(
    "limit, extra, warned",
    [(180, 0, 60), (300, 0, 60), (600, 0, 120), (1500, 0, 300), (7200, 0, 300), (600, 50, 180)],
)
def test_the_first_warning_is_the_last_fifth_of_the_time_at_most_5_minutes(limit, extra, warned):
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    deadline = start + timedelta(seconds=limit * (100 + extra) // 100)
    attempt = SimpleNamespace(started_at=start, deadline_at=deadline)
    assert warning_seconds(attempt) == warned  # type: ignore[arg-type]
    assert warning_seconds(SimpleNamespace(started_at=start, deadline_at=None)) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "stem, says",
    [
        ("<p>Which are tools? Choose all that apply.</p>", True),
        ("Which are tools? <strong>Select all</strong> answers that apply", True),
        ("Select one or more:", True),
        ("Which are tools?", False),
        ("Choose the one that applies best.", False),
    ],
)
def test_a_stem_that_asks_for_all_answers_is_recognised(stem, says):
    assert says_several(stem) is says


def test_a_3_minute_quiz_page_warns_at_one_minute_and_says_choose_all_once(app, demo, make_quiz):
    quiz_id = make_quiz(QUESTIONS, time_limit_seconds=180)
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "employee@example.org")}
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    html = client.get(f"/attempts/{attempt['id']}").get_data(as_text=True)
    assert 'data-warning-seconds="60"' in html
    assert html.count("Choose all that apply.") == 2  # the Tools stem's, and Fruit's hint
    tools, fruit = re.split(r'<li class="question"', html)[1:3]
    assert tools.count("Choose all that apply.") == 1 and "hint" not in tools
    assert '<p class="hint">Choose all that apply.</p>' in fruit
