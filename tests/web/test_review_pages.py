"""The essay review pages (issue 13): the queue lists attempts waiting for a mark, oldest
first, with course, module and question; the review page shows the question, the learner's
answer and the question's feedback; saving re-scores the attempt through the service (pass
or fail, evidence and xAPI follow) and can change pass into fail; points out of range or not a
number are refused naming the field, changing nothing; a double submit changes nothing the
second time; HR and content admins only (a manager never reads responses), never one's own."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from learnhub.auth import services as auth
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.progress.models import XapiStatement
from learnhub.questionbank.models import Question
from learnhub.quizzes import services
from learnhub.quizzes.models import Attempt
from learnhub.skills.models import Evidence
from tests.conftest import csrf_from, sign_in

#: one true/false point and one essay point with general feedback as guidance; pass mark 75%
QUIZ = (
    "::Fact::Phishing emails can look genuine. {T}\n\n"
    "::Why::Explain how you would spot a phishing email. "
    "{####Good answers name urgency and a sender that does not match.}\n"
)
ANSWER = "Urgent tone,\nand the sender's address is not the bank's."


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def waiting(app, demo, make_quiz) -> dict[str, int]:
    """Evan's submitted attempt (true/false right, essay answered): waiting for a mark."""
    quiz_id = make_quiz(QUIZ, pass_mark="75", essays_graded=True)
    with app.app_context():
        fact, essay = db.session.scalars(
            select(Question).where(Question.quiz_id == quiz_id).order_by(Question.position)
        ).all()
        evan = get_by_email("employee@example.org")
        attempt = services.start_attempt(quiz_id, evan.id)
        services.submit_attempt(attempt, {fact.id: {"choice": 0}, essay.id: {"text": ANSWER}})
        db.session.commit()
        assert attempt.needs_review and attempt.passed is None
        return {"attempt": attempt.id, "essay": essay.id, "quiz": quiz_id, "evan": evan.id}


def _attempt(app, attempt_id: int) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def _evidence(app, attempt_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(Evidence)
            .where(Evidence.source == f"attempt:{attempt_id}", Evidence.revoked_at.is_(None))
        )


def _mark(client, attempt_id: int, essay_id: int, points: str, comment: str = ""):
    page = client.get(f"/reviews/{attempt_id}")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        f"/reviews/{attempt_id}",
        data={"csrf_token": token, f"points-{essay_id}": points, f"comment-{essay_id}": comment},
    )


def test_the_queue_and_the_review_page_show_what_a_reviewer_needs(app, waiting):
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    queue = _text(hr.get("/reviews"))
    assert "Waiting for a mark (1), oldest first" in queue
    assert "Evan Price (E1007), attempt 1" in queue
    assert "Phishing and account security" in queue and "Why" in queue
    assert f'href="/reviews/{waiting["attempt"]}"' in queue
    page = _text(hr.get(f"/reviews/{waiting['attempt']}"))
    assert "Explain how you would spot a phishing email." in page
    assert "Good answers name urgency and a sender that does not match." in page
    assert "Urgent tone, and the sender&#39;s address is not the bank&#39;s." in page
    assert "Points for question 1, from 0 to 1" in page and "Waiting for a mark" in page

    # a content admin marks by attempt number: no name
    with app.app_context():
        auth.grant_role(
            auth.account_for(get_by_email("oliver.bennett@example.org")), "content_admin"
        )
        db.session.commit()
    admin = app.test_client()
    sign_in(admin, "oliver.bennett@example.org")
    for url in ("/reviews", f"/reviews/{waiting['attempt']}"):
        body = admin.get(url).get_data(as_text=True)
        assert (
            f"Attempt reference {waiting['attempt']}" in body
            and "Evan Price" not in body.replace("<span>Oliver Bennett</span>", "")
        )


def test_saving_rescores_and_a_new_mark_turns_a_pass_into_a_fail(app, waiting):
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    saved = _mark(hr, waiting["attempt"], waiting["essay"], "0,5", "Name the sender check.")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/reviews")
    attempt = _attempt(app, waiting["attempt"])
    # 1.5 of 2 points = 75%: passed at a 75% pass mark
    assert attempt.needs_review is False and attempt.passed is True
    assert (attempt.raw_points, attempt.max_points) == (1.5, 2)
    assert _evidence(app, waiting["attempt"]) > 0  # the module's competences
    queue = _text(hr.get("/reviews"))  # the flash, and nothing left waiting
    # named as the queue and the page name it: the person's own attempt number (not the id)
    assert "Saved. Evan Price (E1007), attempt 1: passed (1.5 of 2 points)" in queue
    assert f"Attempt {waiting['attempt']}" not in queue
    assert "No essay is waiting for a mark." in queue

    # the learner sees the comment with the result
    learner = app.test_client()
    sign_in(learner, "employee@example.org")
    result = _text(learner.get(f"/attempts/{waiting['attempt']}"))
    assert "Name the sender check." in result

    # marked again lower: the attempt fails and its evidence is revoked; xAPI corrects it
    page = _text(hr.get(f"/reviews/{waiting['attempt']}"))
    assert 'value="0.5"' in page and "you can change the mark" in page
    again = _mark(hr, waiting["attempt"], waiting["essay"], "0.25")
    assert again.status_code == 302
    attempt = _attempt(app, waiting["attempt"])
    assert attempt.passed is False and attempt.raw_points == 1.25
    assert _evidence(app, waiting["attempt"]) == 0
    with app.app_context():
        verbs = db.session.scalars(
            select(XapiStatement.verb).where(XapiStatement.employee_id == waiting["evan"])
        ).all()
        assert any(v.endswith("/voided") for v in verbs) and any(
            v.endswith("/failed") for v in verbs
        )
        marks = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "quizzes.essay_scored")
        ).all()
        assert [m.details["passed"] for m in marks] == [True, False]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("2", "Points for question 1 must be from 0 to 1"),
        ("-1", "Points for question 1 must be from 0 to 1"),
        ("lots", "Points for question 1: enter a plain number, like 1 or 0.5"),
        ("NaN", "Points for question 1: enter a plain number, like 1 or 0.5"),
        # Decimal takes these; a mark is plain figures (a tester's finding)
        ("1e-1", "Points for question 1: enter a plain number, like 1 or 0.5"),
        ("inf", "Points for question 1: enter a plain number, like 1 or 0.5"),
        (" 1_0", "Points for question 1: enter a plain number, like 1 or 0.5"),
        ("0x1", "Points for question 1: enter a plain number, like 1 or 0.5"),
        ("\u0661", "Points for question 1: enter a plain number, like 1 or 0.5"),
        ("0.123456789", "Points for question 1: use at most 7 decimal places"),
        ("", "Points for question 1: enter the points, from 0 to 1"),
    ],
)
def test_bad_points_are_refused_on_their_field_and_change_nothing(app, waiting, points, message):
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    refused = _mark(hr, waiting["attempt"], waiting["essay"], points, "kept comment")
    assert refused.status_code == 422  # a form sent back with errors (was 200)
    text = _text(refused)
    assert "There is a problem" in text and "<title>Error: Mark essays" in text
    assert f'<a href="#points-{waiting["essay"]}">{message}</a>' in text
    assert f'id="points-{waiting["essay"]}-error"' in text and "kept comment" in text
    attempt = _attempt(app, waiting["attempt"])
    assert attempt.needs_review is True and attempt.passed is None
    with app.app_context():
        assert not db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "quizzes.essay_scored")
        )


def test_a_double_submit_changes_nothing_the_second_time(app, waiting):
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    page = hr.get(f"/reviews/{waiting['attempt']}")
    token = csrf_from(page.get_data(as_text=True))
    data = {"csrf_token": token, f"points-{waiting['essay']}": "1"}
    first = hr.post(f"/reviews/{waiting['attempt']}", data=data)
    after_first = _attempt(app, waiting["attempt"])
    with app.app_context():
        statements = db.session.scalar(select(func.count()).select_from(XapiStatement))
    evidence = _evidence(app, waiting["attempt"])
    second = hr.post(f"/reviews/{waiting['attempt']}", data=data)
    assert first.status_code == second.status_code == 302
    after_second = _attempt(app, waiting["attempt"])
    assert (after_second.score_exact, after_second.passed) == (after_first.score_exact, True)
    assert after_second.regraded_at == after_first.regraded_at
    assert _evidence(app, waiting["attempt"]) == evidence > 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(XapiStatement)) == statements


def test_a_save_over_marks_made_since_the_page_was_opened_is_refused(app, waiting):
    """Two reviewers, or Back and save again: the second save does not overwrite unseen."""
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    html = hr.get(f"/reviews/{waiting['attempt']}").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]*)"', html).group(1)
    data = {"csrf_token": csrf_from(html), "seen": seen, f"points-{waiting['essay']}": "1"}
    assert hr.post(f"/reviews/{waiting['attempt']}", data=data).status_code == 302
    marked = _attempt(app, waiting["attempt"]).score_exact
    late = hr.post(
        f"/reviews/{waiting['attempt']}", data=data | {f"points-{waiting['essay']}": "0"}
    )
    assert late.status_code == 422 and "marked after you opened this page" in _text(late)
    assert _attempt(app, waiting["attempt"]).score_exact == marked


@pytest.mark.parametrize(
    ("email", "role", "status"),
    [
        ("employee@example.org", None, 403),
        ("manager@example.org", None, 403),  # Evan's manager: never his responses
        ("niamh.gallagher@example.org", "platform_admin", 403),
        ("oliver.bennett@example.org", "content_admin", 200),
        ("manager@example.org", "content_admin", 200),  # a manager who also marks
    ],
)
def test_who_may_mark(app, waiting, email, role, status):
    if role:
        with app.app_context():
            auth.grant_role(auth.account_for(get_by_email(email)), role)
            db.session.commit()
    client = app.test_client()
    sign_in(client, email)
    for url in ("/reviews", f"/reviews/{waiting['attempt']}"):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 403:
            assert ANSWER.split(",")[0] not in response.get_data(as_text=True)
    token = csrf_from(client.get("/").get_data(as_text=True))
    posted = client.post(
        f"/reviews/{waiting['attempt']}",
        data={"csrf_token": token, f"points-{waiting['essay']}": "1"},
    )
    assert posted.status_code == (302 if status == 200 else 403)


def test_in_progress_and_own_attempts_are_not_for_marking(app, waiting, make_quiz):
    with app.app_context():
        hr = get_by_email("hr@example.org")
        own = services.start_attempt(waiting["quiz"], hr.id)
        db.session.commit()
        own_id = own.id
        evan_open = services.start_attempt(waiting["quiz"], waiting["evan"])
        db.session.commit()
        open_id = evan_open.id
    client = app.test_client()
    sign_in(client, "hr@example.org")
    assert client.get(f"/reviews/{open_id}").status_code == 404  # the learner's alone
    assert client.get("/reviews/999999").status_code == 404
    with app.app_context():
        attempt = db.session.get(Attempt, own_id)
        question = next(q for q in attempt.quiz.questions if q.name == "Why")
        services.submit_attempt(attempt, {question.id: {"text": "My own essay"}})
        db.session.commit()
    refused = client.get(f"/reviews/{own_id}")
    assert refused.status_code == 403 and "My own essay" not in refused.get_data(as_text=True)
    queue = _text(client.get("/reviews"))
    assert "1 attempt of yours is waiting too" in queue and f"/reviews/{own_id}" not in queue


@pytest.mark.parametrize(
    ("typed", "points"),
    [
        ("1", "1"),
        (" 0,5 ", "0.5"),
        ("0.25", "0.25"),
        ("0.1234567", "0.1234567"),
        ("1.00000000", "1"),
    ],
)
def test_plain_decimals_are_taken(typed, points):
    from decimal import Decimal

    from learnhub.web.lnd_forms import parse_points

    assert parse_points(typed, Decimal(1), "Points") == (Decimal(points), None)
