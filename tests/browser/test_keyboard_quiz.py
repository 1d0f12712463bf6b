"""A quiz of every question type completed with the keyboard alone in Chromium (Tab, Shift+Tab,
Space, Enter, arrow keys, typing; no mouse click, no form filled by script), the question
navigator used by keyboard, then the next module reached from the result; and axe-core on the
pages this session added, at 1280 and 320 px. Screenshots of each page are kept."""

from __future__ import annotations

import pytest

from learnhub.catalog.models import Module
from learnhub.extensions import db
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt
from tests.browser.screenshots import shoot
from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.conftest import DEMO_PASSWORD
from tests.journeys.helpers import correct_display_answers, first_module

# every question type the quiz page has: single choice, multiple answers, true/false, short
# answer, numeric, matching, essay, a missing word (single choice inside the text), description
EVERY_TYPE = """::Single::Which one? {=alpha#Yes. ~beta#No. ~gamma#No.}

::Multi::Which ones? {~%50%red#Yes. ~%50%green#Yes. ~%-100%cat#No.}

::TF::Is it true? {T#No.#Yes.}

::Short::Capital of France? {=Paris#Yes.}

::Num::Two and two? {#4:0#Yes.}

::Match::Match them. {=cat -> animal =rose -> plant = -> mineral}

::Essay::Explain in a sentence. {}

::Gap::The sky is {=blue#Yes. ~green#No.} today.

::Intro::Read this first.
"""


def _tab_to(page, selector: str, *, back: bool = False, limit: int = 120) -> None:
    """Press Tab (Shift+Tab when ``back``) until the focused element matches ``selector``."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{selector} never got the focus with the keyboard")


def _focused(page, script: str):
    return page.evaluate(f"() => {{ const e = document.activeElement; return {script}; }}")


def _sign_in_by_keyboard(page, email: str) -> None:
    page.goto("/sign-in")
    _tab_to(page, "input[name=email]")
    page.keyboard.type(email)
    _tab_to(page, "input[name=password]")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")


def _answer_by_keyboard(page, question: dict, answer: dict) -> None:
    """Give ``answer`` (display ids) to ``question`` (learner view) with keys only."""
    name, kind = f"q{question['id']}", question["type"]
    if kind in ("single_choice", "true_false"):
        _tab_to(page, f"input[name={name}]")  # Tab enters the group at its first radio
        wanted = str(answer["choice"])
        for _ in range(len(question["options"]) + 1):
            if _focused(page, "e.value") == wanted:
                break
            page.keyboard.press("ArrowDown")  # moves to the next radio and selects it
        assert _focused(page, "e.value") == wanted
        page.keyboard.press("Space")  # selects the first radio when no arrow was needed
    elif kind == "multiple_choice":
        for option in question["options"]:
            _tab_to(page, f"#{name}-{option['id']}")
            if option["id"] in answer["choices"]:
                page.keyboard.press("Space")
    elif kind in ("short_answer", "essay", "numeric"):
        _tab_to(page, f"#{name}")
        page.keyboard.type(answer.get("text") or answer.get("value") or "Because it is.")
    elif kind == "matching":
        for left, right in answer["matches"].items():
            _tab_to(page, f"#{name}_m{left}")
            for _ in range(len(question["right"]) + 1):
                if _focused(page, "e.value") == right:
                    break
                page.keyboard.press("ArrowDown")  # a closed select changes its value
            assert _focused(page, "e.value") == right


def _questions(app, attempt_id: int) -> list[dict]:
    from learnhub.quizzes.presentation import attempt_view

    with app.app_context():
        return attempt_view(db.session.get(Attempt, attempt_id))["questions"]


def test_a_quiz_of_every_type_by_keyboard_alone_then_the_next_module(app, demo, page, make_quiz):
    quiz_id = make_quiz(EVERY_TYPE)
    module_id, _quiz = first_module(app)
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in_by_keyboard(page, "mei.chen@example.org")
    page.goto(f"/modules/{module_id}")
    _tab_to(page, "form[action$='/start'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/attempts/*")
    attempt_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).quiz_id == quiz_id
        total = len(attempt_questions(db.session.get(Attempt, attempt_id)))
    questions = _questions(app, attempt_id)
    answers = correct_display_answers(app, attempt_id)
    assert {q["type"] for q in questions} >= {
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "numeric",
        "matching",
        "essay",
        "description",
    }
    nav = page.locator("#quiz-nav a")
    assert nav.count() == total and page.locator("#quiz-nav a.unanswered").count() == total - 1
    shoot(page, "keyboard quiz start")
    for question in questions:
        if question["type"] != "description":
            _answer_by_keyboard(page, question, answers.get(question["id"], {}))
    # the navigator follows: every question with an answer says so, in words too
    assert page.locator("#quiz-nav a.unanswered").count() == 0
    assert page.locator("#quiz-nav-answered").inner_text() == str(total - 1)
    assert "answered" in nav.first.inner_text()
    # back up to the navigator by keyboard and jump to the third question: focus lands on it
    _tab_to(page, f"#quiz-nav a[data-question='{questions[2]['id']}']", back=True)
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.activeElement.id === 'q{questions[2]['id']}-head'")
    shoot(page, "keyboard quiz answered")
    _tab_to(page, "#quiz-submit")
    page.keyboard.press("Enter")  # every question answered: no check page, the result
    page.wait_for_selector("section.result")
    shoot(page, "keyboard quiz passed")
    assert "You passed" in page.inner_text("section.result")
    assert "Your score: 100.0% (7 of 7 points)" in page.inner_text("section.result")
    with app.app_context():
        module = db.session.get(Module, module_id)
        following = next(m for m in module.course.modules if m.position > module.position)
        following_id, following_title = following.id, following.title
    _tab_to(page, ".next-step a.button")
    assert _focused(page, "e.textContent") == f"Next module: {following_title}"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/modules/{following_id}")


@pytest.mark.parametrize("width", [1280, 320])
def test_the_new_pages_pass_axe(app, demo, chromium, live_server, axe_installed, make_quiz, width):  # noqa: F811
    module_id, _quiz = first_module(app)
    make_quiz(EVERY_TYPE, review_policy="after_pass", feedback_after_fail="feedback")
    context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    found: list[str] = []
    for path in ("/accessibility", "/privacy", "/help"):
        page.goto(path)
        found.extend(_violations(page, f"signed-out {path}"))
    _sign_in_by_keyboard(page, "sofia.romano@example.org")
    page.goto("/help")
    found.extend(_violations(page, "signed-in help"))
    page.goto(f"/modules/{module_id}")
    _tab_to(page, "form[action$='/start'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/attempts/*")
    found.extend(_violations(page, "quiz with navigator"))
    _tab_to(page, "div[role=radiogroup] input")
    page.keyboard.press("ArrowDown")  # the second option: wrong or right, it is an answer
    _tab_to(page, "#quiz-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("table.summary")
    found.extend(_violations(page, "answer summary"))
    assert page.locator("table.summary tbody tr").count() == 9
    _tab_to(page, "button[value=submit_saved]")
    page.keyboard.press("Enter")
    page.wait_for_selector("section.result")
    assert "Not passed yet" in page.inner_text("section.result")
    assert page.locator("li.question.review .feedback").count() >= 1
    found.extend(_violations(page, "failed result with feedback"))
    context.close()
    assert found == []


@pytest.fixture
def timed_first_quiz(app, demo):
    """The first module's id, its quiz given a 20-minute limit for the test."""
    from learnhub.quizzes.models import Quiz

    module_id, quiz_id = first_module(app)
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        before, quiz.time_limit_seconds = quiz.time_limit_seconds, 1200
        db.session.commit()
    yield module_id
    with app.app_context():
        db.session.get(Quiz, quiz_id).time_limit_seconds = before
        db.session.commit()


def test_a_question_reached_from_the_navigator_shows_below_the_sticky_timer(
    page, timed_first_quiz
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    _sign_in_by_keyboard(page, "ines.carvalho@example.org")
    page.goto(f"/modules/{timed_first_quiz}")
    _tab_to(page, "form[action$='/start'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/attempts/*")
    links = page.locator("#quiz-nav a")
    assert links.count() >= 5
    last = links.nth(links.count() - 1).get_attribute("href")
    _tab_to(page, f"#quiz-nav a[href='{last}']")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.activeElement.id === '{last[1:]}'")
    page.keyboard.press("Tab")  # into the question's first control
    timer_bottom, heading_top, control_top, control_bottom, height = page.evaluate(
        "() => [document.getElementById('quiz-timer').getBoundingClientRect().bottom,"
        f" document.getElementById('{last[1:]}').getBoundingClientRect().top,"
        " document.activeElement.getBoundingClientRect().top,"
        " document.activeElement.getBoundingClientRect().bottom, window.innerHeight]"
    )
    assert page.evaluate("window.scrollY") > 0
    # WCAG 2.4.11: neither the question nor its focused control hides under the timer
    assert timer_bottom <= heading_top and timer_bottom <= control_top and control_bottom <= height
    shoot(page, "timed quiz navigator jump")
