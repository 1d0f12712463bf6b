"""Journey 1: an employee signs in, reads a module, takes its quiz through the HTML form and
sees score, feedback, progress and competence profile change."""

from __future__ import annotations

import re

from tests.conftest import csrf_from, sign_in
from tests.journeys.helpers import first_module, form_answers


def test_employee_reads_module_takes_quiz_and_profile_changes(app, client, demo):
    sign_in(client, "employee@example.org")
    home = client.get("/").get_data(as_text=True)
    assert "Phishing and account security" in home

    profile = client.get("/profile").get_data(as_text=True)
    assert re.search(r"4\.1 Protecting devices</th>\s*<td>\d</td>\s*<td>0</td>", profile)

    module_id, quiz_id = first_module(app)
    page = client.get(f"/modules/{module_id}").get_data(as_text=True)
    assert "What you will be able to do" in page and "Start the quiz" in page

    started = client.post(f"/quizzes/{quiz_id}/start", data={"csrf_token": csrf_from(page)})
    assert started.status_code == 302
    attempt_url = started.headers["Location"]
    form_page = client.get(attempt_url).get_data(as_text=True)
    # no answer key or feedback in the page before submitting
    assert "weight" not in form_page and "correct" not in form_page.lower().replace("correct_", "")

    answers = form_answers(app, int(attempt_url.rsplit("/", 1)[1])) | {
        "csrf_token": csrf_from(form_page),
        "action": "submit",
    }
    submitted = client.post(attempt_url, data=answers)
    assert submitted.status_code == 302
    result = client.get(attempt_url).get_data(as_text=True)
    assert "You passed" in result and "100.0%" in result
    assert 'class="feedback"' in result  # feedback shown once passed

    profile = client.get("/profile").get_data(as_text=True)
    assert re.search(r"4\.1 Protecting devices</th>\s*<td>\d</td>\s*<td>1</td>", profile)
    progress = client.get("/api/v1/me/progress").get_json()
    course = next(c for c in progress["courses"] if c["slug"] == "phishing-and-account-security")
    assert course["modules"][0]["status"] == "completed"
    assert course["modules"][0]["attempts"] == 1


def test_failed_attempt_hides_answers_and_can_be_retried(app, client, demo):
    sign_in(client, "employee@example.org")
    module_id, quiz_id = first_module(app)
    page = client.get(f"/modules/{module_id}").get_data(as_text=True)
    attempt_url = client.post(
        f"/quizzes/{quiz_id}/start", data={"csrf_token": csrf_from(page)}
    ).headers["Location"]
    form_page = client.get(attempt_url).get_data(as_text=True)
    answers = form_answers(app, int(attempt_url.rsplit("/", 1)[1]), correct=False)
    client.post(
        attempt_url,
        # "confirmed": submit although questions are unanswered (else a page asks first)
        data=answers | {"csrf_token": csrf_from(form_page), "action": "submit", "confirmed": "1"},
    )
    result = client.get(attempt_url).get_data(as_text=True)
    assert "Not passed yet" in result
    assert 'class="feedback"' not in result and "(correct)" not in result
    page = client.get(f"/modules/{module_id}").get_data(as_text=True)
    assert "Try again" in page


def test_form_post_without_csrf_is_refused(app, client, demo):
    sign_in(client, "employee@example.org")
    _module_id, quiz_id = first_module(app)
    response = client.post(f"/quizzes/{quiz_id}/start", data={})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
