"""The learner's pages in a real browser: where focus goes, what the keyboard does, how big
targets are, how focus shows, and that nothing but a data table is wider than a phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from learnhub.extensions import db
from learnhub.quizzes.models import Quiz
from tests.browser.test_timed_quiz import sign_in
from tests.journeys.helpers import first_module, pass_first_module_by_api

TEXT_AND_CHOICE = """::Short::Capital of France? {=Paris}

::Single::Which one? {=a ~b ~c}

::TF::Is it? {T}
"""


@pytest.fixture
def timed_quiz(app: Flask) -> Iterator[int]:
    """The first module's id, its quiz given a 20-minute limit for the test."""
    module_id, quiz_id = first_module(app)
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        before, quiz.time_limit_seconds = quiz.time_limit_seconds, 1200
        db.session.commit()
    yield module_id
    with app.app_context():
        db.session.get(Quiz, quiz_id).time_limit_seconds = before
        db.session.commit()


def _start(page, module_id: int) -> None:
    page.goto(f"/modules/{module_id}")
    page.locator("form[action$='/start'] button").click()
    page.wait_for_url("**/attempts/*")


def _luminance(rgb: str) -> float:
    """Relative luminance (WCAG 2) of a CSS ``rgb(r, g, b)`` / ``rgba(...)`` colour."""
    parts = [float(p) for p in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [
        c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in parts
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_an_empty_sign_in_focuses_a_summary_that_links_to_each_field(app, page) -> None:
    page.goto("/sign-in")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    # the answer page's script moves focus once it has run: wait for it (up to 5 s) rather
    # than read activeElement the moment the page loads (flaky on a loaded machine)
    page.wait_for_function(
        "document.activeElement && document.activeElement.className === 'error-summary'",
        timeout=5000,
    )
    focused = page.evaluate("document.activeElement.className")
    assert focused == "error-summary"
    assert page.locator(".error-summary a").all_inner_texts() == [
        "Enter your work email",
        "Enter your password",
    ]
    assert page.locator("#email").get_attribute("aria-describedby") == "email-error"
    # an error does not look like a hint: red and bold, not the hints' grey
    colour = page.eval_on_selector("#email-error", "e => getComputedStyle(e).color")
    weight = page.eval_on_selector("#email-error", "e => getComputedStyle(e).fontWeight")
    hint = page.eval_on_selector(".error-summary", "e => getComputedStyle(e).borderTopColor")
    assert colour == hint == "rgb(163, 36, 26)" and int(weight) >= 700


def test_enter_in_a_text_answer_neither_saves_nor_submits(app, demo, page, make_quiz) -> None:
    make_quiz(TEXT_AND_CHOICE)
    module_id, _quiz_id = first_module(app)
    sign_in(page)
    _start(page, module_id)
    address = page.url
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    answer = page.get_by_label("Your answer")
    answer.fill("Paris")
    answer.press("Enter")
    page.wait_for_timeout(500)
    assert posts == [] and page.url == address
    assert page.evaluate("document.activeElement.name") == answer.get_attribute("name")
    assert answer.input_value() == "Paris"


def test_focus_shows_at_3_to_1_and_choices_are_24_pixels(app, demo, page) -> None:
    module_id, _quiz_id = first_module(app)
    sign_in(page)
    _start(page, module_id)
    radio = page.locator("div[role=radiogroup] input").first
    box = radio.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24  # WCAG 2.5.8 target size
    radio.focus()
    for selector in ("div[role=radiogroup] input", "#quiz-submit", "a.brand"):
        element = page.locator(selector).first
        element.focus()
        style = element.evaluate(
            "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth,"
            " s.outlineColor, getComputedStyle(document.body).backgroundColor]; }"
        )
        outline_style, width, colour, background = style
        assert outline_style == "solid" and float(width.rstrip("px")) >= 2, (selector, style)
        assert _contrast(colour, background) >= 3, (selector, style)  # WCAG 1.4.11


@pytest.mark.parametrize("width", [320, 375])
def test_no_page_is_wider_than_a_phone_but_its_data_tables(app, demo, page, width) -> None:
    pass_first_module_by_api(app)
    module_id, _quiz_id = first_module(app)
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, "manager@example.org")
    for path in ("/", "/profile", "/my/record", "/team", "/people/E1007", f"/modules/{module_id}"):
        page.goto(path)
        wide = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth,"
            " [...document.querySelectorAll('table')].filter(t => !t.closest('.table-wrap'))"
            ".filter(t => t.getBoundingClientRect().right > window.innerWidth).length]"
        )
        assert wide[0] <= wide[1] and wide[2] == 0, (path, wide)


def test_the_timer_stays_in_view_while_scrolling(app, demo, page, timed_quiz) -> None:
    sign_in(page)
    _start(page, timed_quiz)
    page.set_viewport_size({"width": 375, "height": 600})
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    top, bottom, height = page.evaluate(
        "() => { const r = document.getElementById('quiz-timer').getBoundingClientRect();"
        " return [r.top, r.bottom, window.innerHeight]; }"
    )
    assert page.evaluate("window.scrollY") > 0
    assert top >= 0 and bottom <= height
