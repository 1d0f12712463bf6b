"""An over-long answer on the quiz page (a tester's finding: one 600-character short answer
stopped every save of the attempt, unseen, and "Save and finish later" gave a bare 422 page).
Now the field carries the server's limit (maxlength from MAX_TEXT), and a save the server
refuses in part keeps the valid answers: the autosave answers 422 naming the question, and
"Save and finish later" and "Submit answers" show the quiz again (422) with the learner's
entries and the error beside the question named. A save or submit reaching an attempt submitted
from another tab is refused (409) on a page that links to the attempt's result."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.quizzes import services
from learnhub.quizzes.models import Attempt
from learnhub.quizzes.responses import MAX_TEXT, checked_answers, from_display, question_of
from tests.conftest import csrf_from, form_value, sign_in

QUIZ = (
    "::T1::The sky is blue. {T}\n\n"
    "::Count::For how many seconds? Type a number. {=20 =twenty}\n\n"
    "::T2::Grass is green. {T}\n"
)
LONG = "x" * 600


def _open(app, make_quiz, **settings):
    """(client, attempt url, page html, [t1, count, t2] question ids in page order)."""
    quiz_id = make_quiz(QUIZ, shuffle_answers=False, shuffle_questions=False, **settings)
    client = app.test_client()
    sign_in(client, "employee@example.org")
    start = client.post(
        f"/quizzes/{quiz_id}/start",
        data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))},
    )
    url = start.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    ids = [
        int(i)
        for i in dict.fromkeys(re.findall(r'<li class="question[^"]*" data-question="(\d+)"', page))
    ]
    return client, url, page, ids


def _form(page: str, action: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_from(page),
        "answers_revision": form_value(page, "answers_revision"),
        "action": action,
        **fields,
    }


def _stored(app, url: str) -> tuple[str, dict[int, dict]]:
    with app.app_context():
        attempt = db.session.get(Attempt, int(url.rsplit("/", 1)[1]))
        return attempt.state, {r.question_id: r.answer for r in attempt.responses if r.answer}


def test_the_service_splits_valid_from_refused_and_the_api_stays_all_or_nothing(
    app, demo, make_quiz
):
    quiz_id = make_quiz(QUIZ, shuffle_answers=False, shuffle_questions=False)
    with app.app_context():
        attempt = services.start_attempt(quiz_id, get_by_email("employee@example.org").id)
        t1, count, _t2 = attempt.layout["questions"]
        sent = {t1: {"choice": 0}, count: {"text": LONG}}
        valid, issues = checked_answers(attempt, sent)
        assert valid == {t1: {"choice": 0}}
        assert [(question_of(i), i.message) for i in issues] == [
            (count, "text is longer than 500 characters (it has 600)")
        ]
        try:
            from_display(attempt, sent)
        except Exception as error:  # the API's rule: nothing stored when anything is wrong
            assert getattr(error, "status_code", None) == 422
        else:
            raise AssertionError("from_display took an over-long answer")
        db.session.rollback()


def test_the_field_carries_the_servers_limit(app, demo, make_quiz):
    _client, _url, page, ids = _open(app, make_quiz)
    field = re.search(rf'<input id="q{ids[1]}"[^>]*>', page).group(0)
    assert f'maxlength="{MAX_TEXT["short_answer"]}"' in field
    assert "Up to 500 characters." in page


def test_the_autosave_keeps_the_valid_answers_and_names_the_refused_one(app, demo, make_quiz):
    client, url, page, (t1, count, _t2) = _open(app, make_quiz)
    answer = client.post(url, data=_form(page, "autosave", **{f"q{t1}": "0", f"q{count}": LONG}))
    assert answer.status_code == 422
    assert answer.headers["X-Answers-Revision"] == "1"  # the valid answer was taken
    body = answer.get_json()
    assert body["invalid"] == [
        {
            "question": count,
            "message": "Question 2: Your answer is 600 characters long: it can be at most 500. "
            "Shorten it; until then it is not saved.",
        }
    ]
    assert _stored(app, url) == ("in_progress", {t1: {"choice": 0}})
    # the next save from the same page (its revision moved on) is taken
    page = page.replace('value="0" autocomplete', 'value="0" autocomplete')
    again = client.post(
        url,
        data={
            **_form(page, "autosave", **{f"q{t1}": "1", f"q{count}": "20"}),
            "answers_revision": "1",
        },
    )
    assert again.status_code == 204
    assert _stored(app, url) == ("in_progress", {t1: {"choice": 1}, count: {"text": "20"}})


def test_save_and_finish_later_shows_the_quiz_again_with_the_error_and_the_entries(
    app, demo, make_quiz
):
    client, url, page, (t1, count, t2) = _open(app, make_quiz)
    answer = client.post(
        url, data=_form(page, "save", **{f"q{t1}": "0", f"q{count}": LONG, f"q{t2}": "1"})
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Some responses are not valid" not in html and 'id="quiz-form"' in html
    assert 'class="error-summary"' in html
    assert f'<a href="#q{count}">Question 2: Your answer is 600 characters long' in html
    field = re.search(rf'<input id="q{count}"[^>]*>', html).group(0)
    assert f'value="{LONG}"' in field and 'aria-invalid="true"' in field
    error = re.search(rf'<p class="error-message question-error" id="q{count}-error"[^>]*>', html)
    assert error and "hidden" not in error.group(0)
    assert re.search(rf'id="q{t1}-0"[^>]*checked', html) and re.search(
        rf'id="q{t2}-1"[^>]*checked', html
    )
    assert _stored(app, url) == ("in_progress", {t1: {"choice": 0}, t2: {"choice": 1}})
    # the page shown again is current: fixed, its save is taken
    fixed = client.post(url, data=_form(html, "save", **{f"q{t1}": "0", f"q{count}": "20"}))
    assert fixed.status_code == 302
    assert _stored(app, url)[1][count] == {"text": "20"}


def test_a_submit_with_a_refused_answer_is_not_scored(app, demo, make_quiz):
    client, url, page, (t1, count, t2) = _open(app, make_quiz)
    fields = {f"q{t1}": "0", f"q{count}": LONG, f"q{t2}": "0"}
    answer = client.post(url, data=_form(page, "submit", **fields))
    assert answer.status_code == 422 and "Question 2: Your answer is 600" in answer.get_data(True)
    assert _stored(app, url) == ("in_progress", {t1: {"choice": 0}, t2: {"choice": 0}})


def test_at_time_up_the_valid_answers_are_submitted(app, demo, make_quiz):
    """The timer's submit after the deadline (within the grace): not shown the form again, the
    valid answers scored with what was saved for the refused one."""
    client, url, page, (t1, count, t2) = _open(app, make_quiz, time_limit_seconds=600)
    with app.app_context():
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == int(url.rsplit("/", 1)[1]))
            .values(deadline_at=utcnow() - timedelta(seconds=5))
        )
        db.session.commit()
    fields = {f"q{t1}": "0", f"q{count}": LONG, f"q{t2}": "0", "confirmed": "1"}
    answer = client.post(url, data=_form(page, "submit", **fields))
    assert answer.status_code == 302
    assert _stored(app, url) == ("submitted", {t1: {"choice": 0}, t2: {"choice": 0}})


def test_an_essays_line_breaks_count_once(app, demo, make_quiz):
    """A browser sends a textarea's line breaks as CRLF but counts each as one character for
    maxlength: stored as LF, so an essay at the limit is not refused."""
    quiz_id = make_quiz("::E::Describe your day. {}\n")
    client = app.test_client()
    sign_in(client, "employee@example.org")
    start = client.post(
        f"/quizzes/{quiz_id}/start",
        data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))},
    )
    url = start.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    (essay,) = {int(i) for i in re.findall(r'name="q(\d+)"', page)}
    text = ("y" * 9_999 + "\r\n") * 5  # 50,000 characters as typed, 50,005 as sent
    answer = client.post(url, data=_form(page, "autosave", **{f"q{essay}": text}))
    assert answer.status_code == 204
    assert _stored(app, url)[1][essay] == {"text": text.replace("\r\n", "\n")}


def test_a_submit_from_a_second_tab_links_to_the_result(app, demo, make_quiz):
    client, url, page, (t1, count, t2) = _open(app, make_quiz)
    fields = {f"q{t1}": "0", f"q{count}": "20", f"q{t2}": "0"}
    assert client.post(url, data=_form(page, "submit", **fields)).status_code == 302
    other = client.post(url, data=_form(page, "submit", **{**fields, f"q{t1}": "1"}))
    assert other.status_code == 409
    html = other.get_data(as_text=True)
    assert "already submitted" in html
    assert f'<a class="button" href="{url}">See the result of this attempt</a>' in html
    # the script's autosave is told too (it opens the result), not a silent 204
    autosave = client.post(url, data=_form(page, "autosave", **fields))
    assert autosave.status_code == 409 and autosave.get_json()["closed"] is True


def test_other_error_pages_offer_no_result_link(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    html = client.get("/attempts/999999").get_data(as_text=True)
    assert "See the result" not in html and "Back to my learning" in html


def test_the_timers_submit_after_the_server_closed_the_attempt_shows_the_result(
    app, demo, make_quiz
):
    """Offline past the grace, the page submits when back: the server had closed the attempt
    with what was saved, so the learner gets the result and "Time is up", not a 409 page."""
    client, url, page, (t1, count, t2) = _open(app, make_quiz, time_limit_seconds=600)
    attempt_id = int(url.rsplit("/", 1)[1])
    with app.app_context():
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(deadline_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
        services.close_if_overdue(db.session.get(Attempt, attempt_id))
        db.session.commit()
    fields = {f"q{t1}": "0", f"q{count}": "20", f"q{t2}": "0", "confirmed": "1"}
    answer = client.post(url, data=_form(page, "submit", **fields))
    assert answer.status_code == 302 and answer.headers["Location"].endswith(url)
    assert services.TIME_UP in client.get(url).get_data(as_text=True)
    assert _stored(app, url) == ("submitted", {})
