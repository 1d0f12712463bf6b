"""What the learner's pages say and keep: plain words and rounded numbers, times in the
person's own zone, a check before unanswered questions score 0, answers kept when the page or
the session expired, and no copies of personal pages left in caches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from freezegun import freeze_time
from sqlalchemy import select

from learnhub.config import load_config
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.quizzes.models import Attempt, Quiz
from learnhub.web.filters import counted, points, points_of
from tests.conftest import csrf_from, sign_in
from tests.journeys.helpers import first_module, form_answers, pass_first_module_by_api


def _start(app, client) -> tuple[str, str]:
    """Start the first module's quiz; (attempt URL, the quiz page's HTML)."""
    module_id, quiz_id = first_module(app)
    page = client.get(f"/modules/{module_id}").get_data(as_text=True)
    url = client.post(f"/quizzes/{quiz_id}/start", data={"csrf_token": csrf_from(page)}).headers[
        "Location"
    ]
    return url, client.get(url).get_data(as_text=True)


def _attempt(app, url: str) -> Attempt:
    return db.session.get(Attempt, int(url.rsplit("/", 1)[1]))


@pytest.fixture
def timed(app: Flask) -> Iterator[None]:
    """The first module's quiz with a 20-minute limit for the test."""
    _module_id, quiz_id = first_module(app)
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        before, quiz.time_limit_seconds = quiz.time_limit_seconds, 1200
        db.session.commit()
    yield
    with app.app_context():  # content tables are kept for the whole session: put it back
        db.session.get(Quiz, quiz_id).time_limit_seconds = before
        db.session.commit()


def test_points_are_rounded_for_reading_and_units_agree_with_numbers():
    assert points("0.3333333") == "0.33" and points("2.50") == "2.5" and points("9") == "9"
    assert points("0.005") == "0.01" and points(None) == "0" and points("10") == "10"
    assert points_of("0.3333333", "9") == "0.33 of 9 points"
    assert points_of("1", "1.0000000") == "1 of 1 point"
    assert counted(1, "module") == "1 module" and counted(0, "module") == "0 modules"
    assert counted(1, "person", "people") == "1 person" and counted(2, "person", "people") == (
        "2 people"
    )


def test_own_person_page_opens_in_plain_words_without_a_team_link(app, demo):
    pass_first_module_by_api(app)
    client = app.test_client()
    sign_in(client, "employee@example.org")
    own = client.get("/people/E1007")
    assert own.status_code == 200
    html = own.get_data(as_text=True)
    assert "(1 module)" in html and "(1 modules)" not in html
    assert 'href="/team"' not in html  # an employee without reports has no team page (403)
    hr_page = client.get("/hr")
    assert hr_page.status_code == 403
    assert "Only HR staff can do this." in hr_page.get_data(as_text=True)


def test_the_team_link_is_shown_only_to_people_with_a_team(app, demo):
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    html = hr.get("/people/E1007").get_data(as_text=True)
    assert "Evan" in html and 'href="/team"' not in html
    manager = app.test_client()
    sign_in(manager, "manager@example.org")
    assert 'href="/team"' in manager.get("/people/E1007").get_data(as_text=True)


def test_personal_pages_are_never_stored_and_https_adds_hsts(app, demo, monkeypatch):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    for path in ("/", "/profile", "/api/v1/me/progress"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "Strict-Transport-Security" not in response.headers
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_email_links_follow_the_port_the_server_runs_on(monkeypatch, tmp_path):
    monkeypatch.delenv("LEARNHUB_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "8123")  # `make run PORT=8123` binds gunicorn there
    assert load_config(tmp_path)["LEARNHUB_BASE_URL"] == "http://127.0.0.1:8123"
    monkeypatch.delenv("PORT")
    assert load_config(tmp_path)["LEARNHUB_BASE_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("LEARNHUB_BASE_URL", "https://learn.example.org/")
    monkeypatch.setenv("PORT", "8123")
    assert load_config(tmp_path)["LEARNHUB_BASE_URL"] == "https://learn.example.org"


def test_the_deadline_is_shown_in_the_learners_time_zone(app, demo, timed):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    url, html = _start(app, client)
    with app.app_context():
        deadline = _attempt(app, url).deadline_at
        brussels = deadline.astimezone(ZoneInfo("Europe/Brussels")).strftime("%H:%M %Z")
        person = db.session.scalar(select(Employee).where(Employee.employee_number == "E1007"))
        assert person.timezone is None  # nobody set one: the organisation's zone
        person.timezone = "America/New_York"
        db.session.commit()
    assert f"Submit by {brussels}" in html and "UTC" not in html
    new_york = deadline.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M %Z")
    assert f"Submit by {new_york}" in client.get(url).get_data(as_text=True)


def test_the_result_says_that_time_ran_out(app, demo, timed):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    url, _html = _start(app, client)
    with freeze_time(utcnow() + timedelta(minutes=25)):
        result = client.get(url).get_data(as_text=True)
    assert "Not passed yet" in result and "Time ran out at" in result


def test_a_quiz_with_unanswered_questions_asks_before_it_is_submitted(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    url, html = _start(app, client)
    with app.app_context():
        total = len(_attempt(app, url).layout["questions"])
    first = dict(list(form_answers(app, int(url.rsplit("/", 1)[1])).items())[:1])
    check = client.post(url, data=first | {"csrf_token": csrf_from(html), "action": "submit"})
    assert check.status_code == 200
    page = check.get_data(as_text=True)
    assert "Check before you submit" in page
    assert f"You have not answered {total - 1} questions" in page
    # Moodle's attempt summary: every question, answered or not, links back to itself
    assert page.count('href="' + url + "#q") == total
    assert (
        page.count(">Answered<") == 1 and page.count("<strong>Not answered</strong>") == total - 1
    )
    assert f"Your answers (1 of {total} answered)" in page
    with app.app_context():
        attempt = _attempt(app, url)
        assert attempt.state == "in_progress"  # nothing scored yet; the answer given is saved
        assert sum(1 for r in attempt.responses if r.answer) == 1
    done = client.post(url, data={"csrf_token": csrf_from(page), "action": "submit_saved"})
    assert done.status_code == 302
    with app.app_context():
        attempt = _attempt(app, url)
        assert attempt.state == "submitted" and sum(1 for r in attempt.responses if r.answer) == 1


def test_an_expired_page_gives_the_quiz_back_with_the_answers_filled_in(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    url, html = _start(app, client)
    answers = form_answers(app, int(url.rsplit("/", 1)[1]))
    sent = client.post(url, data=answers | {"csrf_token": "expired", "action": "submit"})
    assert sent.status_code == 302 and sent.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "This page had expired, so your answers were not sent" in page
    assert "CSRF check failed" not in page
    assert page.count(" checked") == html.count(" checked") + _choices(answers)
    with app.app_context():  # nothing was written without a valid token
        assert not _attempt(app, url).responses
    again = client.get(url).get_data(as_text=True)  # kept once, then forgotten
    assert again.count(" checked") == html.count(" checked")


def test_an_ended_session_keeps_the_quiz_answers_through_signing_in_again(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    url, html = _start(app, client)
    answers = form_answers(app, int(url.rsplit("/", 1)[1]))
    with client.session_transaction() as session:
        session.clear()  # the session ended (a restarted browser, the idle timeout)
    sent = client.post(url, data=answers | {"csrf_token": csrf_from(html), "action": "submit"})
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/sign-in?next=" + url
    sign_in(client, "employee@example.org")
    page = client.get(url).get_data(as_text=True)
    assert page.count(" checked") == _choices(answers)


def test_a_form_refused_elsewhere_says_so_in_plain_words(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    _module_id, quiz_id = first_module(app)
    refused = client.post(f"/quizzes/{quiz_id}/start", data={})
    assert refused.status_code == 400
    assert "This page had expired or your session had ended" in refused.get_data(as_text=True)


def _choices(fields: dict[str, object]) -> int:
    """How many boxes the form fields tick (single and multiple choice)."""
    ticked = 0
    for name, value in fields.items():
        if "_m" in name:
            continue
        if isinstance(value, list):
            ticked += len(value)
        elif str(value).isdecimal():
            ticked += 1
    return ticked
