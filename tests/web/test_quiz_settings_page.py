"""A quiz's settings page for content admins (issue 13): what the settings service changes,
errors named per field with nothing changed, audited as the API; a change of essay grading on
a quiz with submitted attempts says a regrade is due and offers it (previewed, then applied
once)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from learnhub.auth import services as auth
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.services import get_by_email
from learnhub.questionbank.models import Question
from learnhub.quizzes import services
from learnhub.quizzes.models import Quiz
from tests.conftest import form_value as _field
from tests.conftest import sign_in
from tests.journeys.helpers import first_module

CONTENT_ADMIN = "oliver.bennett@example.org"
TF_AND_ESSAY = "::Fact::Phishing emails can look genuine. {T}\n\n::Why::Explain why. {}\n"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def admin(app, demo):
    with app.app_context():
        oliver = db.session.scalar(select(Employee).where(Employee.email == CONTENT_ADMIN))
        auth.grant_role(auth.account_for(oliver), "content_admin")
        db.session.commit()
    client = app.test_client()
    sign_in(client, CONTENT_ADMIN)
    return client


def _form(client, quiz_id: int, **changes) -> dict:
    """The settings form as the page fills it, with ``changes``; a box left out is unticked."""
    html = client.get(f"/content/quizzes/{quiz_id}/settings").get_data(as_text=True)
    data = {"csrf_token": _field(html, "csrf_token")}
    data["time_limit_minutes"] = _field(html, "time_limit_minutes")
    for name in ("review_policy", "feedback_after_fail"):
        data[name] = re.search(rf'name="{name}" value="([^"]+)" checked', html).group(1)
    for name in ("shuffle_questions", "shuffle_answers", "essays_graded"):
        if re.search(rf'name="{name}" value="y" checked', html):
            data[name] = "y"
    for n, value in enumerate(re.findall(r'name="draw_counts-(\d+)"', html)):
        data[f"draw_counts-{value}"] = _field(html, f"draw_counts-{n}")
    return data | changes


def _audits(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


@pytest.mark.parametrize("email", ["employee@example.org", "manager@example.org"])
def test_employees_and_managers_are_refused(app, demo, email):
    _module, quiz_id = first_module(app)
    client = app.test_client()
    sign_in(client, email)
    for path in [
        "/content/quizzes",
        f"/content/quizzes/{quiz_id}/settings",
        f"/content/quizzes/{quiz_id}/regrade",
    ]:
        assert client.get(path).status_code == 403, path


def test_hr_sees_the_quizzes_and_the_regrade_but_not_the_settings_form(app, demo):
    _module, quiz_id = first_module(app)
    client = app.test_client()
    sign_in(client, "hr@example.org")
    listing = _text(client.get("/content/quizzes"))
    assert "Spotting phishing" in listing and f"/content/quizzes/{quiz_id}/regrade" in listing
    assert f"/content/quizzes/{quiz_id}/settings" not in listing
    assert client.get(f"/content/quizzes/{quiz_id}/settings").status_code == 403
    assert client.get(f"/content/quizzes/{quiz_id}/regrade").status_code == 200


def test_the_page_shows_every_setting_and_saves_a_change_audited(app, admin):
    _module, quiz_id = first_module(app)
    listing = _text(admin.get("/content/quizzes"))
    assert f'href="/content/quizzes/{quiz_id}/settings"' in listing
    page = _text(admin.get(f"/content/quizzes/{quiz_id}/settings"))
    for words in ("Pass mark", "Attempts allowed", "Grading method", "Questions per attempt"):
        assert words in page
    assert "Questions drawn at random for each attempt" in page and "From content \u203a" in page
    data = _form(admin, quiz_id, time_limit_minutes="20", review_policy="after_submit")
    data.pop("shuffle_answers", None)
    response = admin.post(f"/content/quizzes/{quiz_id}/settings", data=data)
    assert response.status_code == 302 and "regrade" not in response.headers["Location"]
    shown = _text(admin.get(response.headers["Location"]))
    assert "Saved: time limit, option order, review. It applies from the next attempt on." in shown
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        assert quiz.time_limit_seconds == 1200 and quiz.review_policy == "after_submit"
        assert quiz.shuffle_answers is False
    [event] = _audits(app, "quizzes.settings")
    assert event.target == f"quiz:{quiz_id}"
    assert event.details["after"] == {
        "time_limit_seconds": 1200,
        "shuffle_answers": False,
        "review_policy": "after_submit",
    }
    # the same form again changes nothing and records nothing
    again = admin.post(f"/content/quizzes/{quiz_id}/settings", data=data)
    assert "Nothing changed" in _text(admin.get(again.headers["Location"]))
    assert len(_audits(app, "quizzes.settings")) == 1


def test_errors_are_named_per_field_and_nothing_changes(app, admin):
    _module, quiz_id = first_module(app)
    with app.app_context():
        before = db.session.get(Quiz, quiz_id).draw_rules
    data = _form(admin, quiz_id, time_limit_minutes="0", review_policy="sometimes")
    response = admin.post(f"/content/quizzes/{quiz_id}/settings", data=data)
    text = _text(response)
    assert response.status_code == 422 and "There is a problem" in text
    assert 'href="#time_limit_minutes">Enter a time limit from 1 to 10080 minutes' in text
    assert 'href="#review_policy">Not a valid choice' in text
    # a draw the bank cannot fill: the service's error on that count
    data = _form(admin, quiz_id, **{"draw_counts-0": "100"})
    response = admin.post(f"/content/quizzes/{quiz_id}/settings", data=data)
    text = _text(response)
    assert response.status_code == 422
    assert re.search(r'href="#draw_counts-0">&#39;content&#39; / .* holds \d+ question\(s\)', text)
    with app.app_context():
        assert db.session.get(Quiz, quiz_id).draw_rules == before
    assert _audits(app, "quizzes.settings") == []


def test_a_fraction_gets_one_message(app, admin):
    """A tester's "2.5" minutes: "Not a valid integer value." and the range message both."""
    _module, quiz_id = first_module(app)
    data = _form(admin, quiz_id, time_limit_minutes="2.5", **{"draw_counts-0": "2.5"})
    text = _text(admin.post(f"/content/quizzes/{quiz_id}/settings", data=data))
    assert text.count('href="#time_limit_minutes"') == 1, text[:3000]
    assert "Enter the time limit as a whole number of minutes, like 30" in text
    assert text.count('href="#draw_counts-0"') == 1
    assert "Enter how many questions to draw as a whole number, like 5" in text
    assert "Not a valid integer value" not in text and "from 1 to 10080" not in text
    # blank: no time limit, saved
    saved = admin.post(
        f"/content/quizzes/{quiz_id}/settings", data=_form(admin, quiz_id, time_limit_minutes="")
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Quiz, quiz_id).time_limit_seconds is None


def test_essay_grading_on_a_quiz_with_attempts_offers_the_regrade(app, admin, make_quiz):
    quiz_id = make_quiz(TF_AND_ESSAY, pass_mark="100")
    with app.app_context():
        learner = get_by_email("employee@example.org").id
        fact, essay = db.session.scalars(
            select(Question).where(Question.quiz_id == quiz_id).order_by(Question.position)
        ).all()
        attempt = services.start_attempt(quiz_id, learner)
        services.submit_attempt(attempt, {fact.id: {"choice": 0}, essay.id: {"text": "Because"}})
        db.session.commit()
    data = _form(admin, quiz_id, essays_graded="y")
    response = admin.post(f"/content/quizzes/{quiz_id}/settings", data=data)
    assert response.status_code == 302 and "regrade=True" in response.headers["Location"]
    page = _text(admin.get(response.headers["Location"]))
    assert "The submitted attempts need a regrade" in page
    preview = admin.get(f"/content/quizzes/{quiz_id}/regrade")
    text = _text(preview)
    assert "<dt>Submitted attempts</dt><dd>1</dd>" in text
    assert "<dt>Scores that would change</dt><dd>1</dd>" in text
    assert _audits(app, "quizzes.regrade") == []  # the preview keeps nothing
    html = preview.get_data(as_text=True)
    form = {"csrf_token": _field(html, "csrf_token"), "submit_token": _field(html, "submit_token")}
    admin.post(f"/content/quizzes/{quiz_id}/regrade", data=form)
    admin.post(f"/content/quizzes/{quiz_id}/regrade", data=form)  # a double click
    assert len(_audits(app, "quizzes.regrade")) == 1
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).where(AuditEvent.action == "quizzes.settings")
        )
        assert count == 1
