"""Quiz settings per attempt: random draws from a bank, shuffled questions, the time limit
enforced on the server with extra time per person, review policies, and the quiz page usable
by keyboard and screen reader."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import update

from learnhub.core.errors import Conflict
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.questionbank import services as banks
from learnhub.quizzes import review_policy, scoring, services
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt
from learnhub.quizzes.responses import to_display
from learnhub.quizzes.tasks import close_overdue_attempts
from learnhub.quizzes.timing import set_time_adjustment
from tests.conftest import csrf_from, sign_in

FOUR = "\n\n".join(
    f"::P{n}::Phishing question {n}? {{=right{n} ~wrong{n}}}" for n in range(1, 5)
).encode()
SIX_TF = "\n\n".join(f"::T{n}::Statement {n}. {{T}}" for n in range(1, 7))
EVERY_TYPE = """::Single::Which one? {=a ~b ~c}

::Multi::Which ones? {~%50%a ~%50%b ~%-100%c}

::TF::Is it? {T}

::Short::Capital of France? {=Paris}

::Num::Two and two? {#4:0}

::Match::Match them. {=cat -> animal =rose -> plant = -> mineral}

::Essay::Explain. {}

::Gap::The sky is {=blue ~green} today.

::Intro::Read this first.
"""


def _employee_id(app, email: str = "employee@example.org") -> int:
    with app.app_context():
        return get_by_email(email).id


def _answer_all(attempt) -> dict[int, dict]:
    return {
        q.id: scoring.score_question(q.spec, None).correct_response or {}
        for q in attempt_questions(attempt)
    }


def test_draws_prefer_questions_not_shown_before_and_are_stored_per_attempt(app, demo, make_quiz):
    employee_id = _employee_id(app)
    with app.app_context():
        banks.import_questions("Draws", "four.gift", b"$CATEGORY: Phishing\n\n" + FOUR)
        db.session.commit()
    rule = {"bank": "Draws", "category": "Phishing", "count": 2, "subcategories": False}
    quiz_id = make_quiz("", draw_rules=[rule])
    with app.app_context():
        first = services.start_attempt(quiz_id, employee_id)
        db.session.commit()
        drawn_first = list(first.layout["drawn"])
        assert len(set(drawn_first)) == 2 and first.layout["questions"] == drawn_first
        resumed = services.start_attempt(quiz_id, employee_id)
        assert resumed.id == first.id and resumed.layout["drawn"] == drawn_first
        services.submit_attempt(first, _answer_all(first))
        db.session.commit()
        assert first.passed is True and first.raw_points == 2

        second = services.start_attempt(quiz_id, employee_id)
        db.session.commit()
        assert set(second.layout["drawn"]).isdisjoint(drawn_first)  # not the first one again
        services.submit_attempt(second, {})
        db.session.commit()
        assert second.passed is False and second.max_points == 2


def test_a_draw_the_bank_cannot_fill_is_refused(app, demo, make_quiz):
    employee_id = _employee_id(app)
    rule = {"bank": "Nowhere", "category": None, "count": 1, "subcategories": False}
    quiz_id = make_quiz(SIX_TF, draw_rules=[rule])
    with app.app_context(), pytest.raises(Conflict, match="holds 0 it can use"):
        services.start_attempt(quiz_id, employee_id)


def test_shuffled_questions_keep_their_order_for_the_whole_attempt(app, demo, make_quiz):
    employee_id = _employee_id(app)
    quiz_id = make_quiz(SIX_TF, shuffle_questions=True)
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "employee@example.org")}
    body = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    order = [q["id"] for q in body["questions"]]
    with app.app_context():
        attempt = db.session.get(Attempt, body["id"])
        assert attempt.layout["questions"] == order
        assert sorted(order) == sorted(q.id for q in attempt.quiz.questions)
        assert attempt.employee_id == employee_id
    again = client.get(f"/api/v1/attempts/{body['id']}").get_json()
    assert [q["id"] for q in again["questions"]] == order


def test_an_overdue_attempt_is_submitted_with_what_was_saved(app, demo, make_quiz):
    employee_id = _employee_id(app)
    quiz_id = make_quiz(SIX_TF, time_limit_seconds=600)
    with app.app_context():
        attempt = services.start_attempt(quiz_id, employee_id)
        assert attempt.deadline_at == attempt.started_at + timedelta(seconds=600)
        answers = _answer_all(attempt)
        first_three = dict(list(answers.items())[:3])
        services.save_responses(attempt, first_three)
        attempt_id = attempt.id
        db.session.commit()
        # nothing is overdue yet
        assert close_overdue_attempts.run() == 0
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(deadline_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
        assert close_overdue_attempts.run() == 1
        db.session.expire_all()
        closed = db.session.get(Attempt, attempt_id)
        assert closed.state == "submitted" and closed.raw_points == 3 and closed.max_points == 6
        # a late submit with more answers changes nothing, and says so (409)
        with pytest.raises(Conflict, match="already submitted"):
            services.submit_attempt(closed, answers)
        assert closed.raw_points == 3


def test_an_overdue_attempt_is_closed_when_it_is_next_opened(app, demo, make_quiz):
    quiz_id = make_quiz(SIX_TF, time_limit_seconds=600)
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "employee@example.org")}
    body = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    assert (
        595 <= body["seconds_left"] <= 600 and body["warning_seconds"] == 120
    )  # a fifth of 10 minutes
    with app.app_context():
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == body["id"])
            .values(deadline_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    late = client.get(f"/api/v1/attempts/{body['id']}").get_json()
    assert late["state"] == "submitted" and late["result"]["raw_points"] == "0"
    assert late["seconds_left"] is None


def test_extra_time_per_person_and_no_time_limit(app, demo, make_quiz):
    employee_id = _employee_id(app)
    quiz_id = make_quiz(SIX_TF, time_limit_seconds=600)
    hr = app.test_client()
    headers = {"X-CSRFToken": sign_in(hr, "hr@example.org")}
    url = f"/api/v1/employees/{employee_id}/quiz-time-adjustment"
    assert hr.get(url).get_json()["extra_percent"] == 0
    too_much = hr.put(url, json={"extra_percent": 1000}, headers=headers)
    assert too_much.status_code == 422
    response = hr.put(url, json={"extra_percent": 50}, headers=headers)
    assert response.status_code == 200 and response.get_json()["extra_percent"] == 50
    learner = app.test_client()
    learner_headers = {"X-CSRFToken": sign_in(learner, "employee@example.org")}
    assert learner.put(url, json={"extra_percent": 900}, headers=learner_headers).status_code == 403
    with app.app_context():
        attempt = services.start_attempt(quiz_id, employee_id)
        assert attempt.deadline_at - attempt.started_at == timedelta(seconds=900)
        services.submit_attempt(attempt, {})
        set_time_adjustment(employee_id, extra_percent=0, no_time_limit=True, set_by_id=None)
        db.session.commit()
        unlimited = services.start_attempt(quiz_id, employee_id)
        assert unlimited.deadline_at is None
        db.session.commit()


def test_extra_time_api_takes_the_employee_number(app, demo):
    """A tester's 404: every other employee endpoint takes the employee number, and the
    employee list gives no internal id; the id this endpoint took first still works."""
    employee_id = _employee_id(app)
    hr = app.test_client()
    headers = {"X-CSRFToken": sign_in(hr, "hr@example.org")}
    url = "/api/v1/employees/E1007/quiz-time-adjustment"
    saved = hr.put(url, json={"extra_percent": 25}, headers=headers)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["employee_number"] == "E1007"
    by_number = hr.get(url).get_json()
    assert (by_number["extra_percent"], by_number["employee_id"]) == (25, employee_id)
    by_id = hr.get(f"/api/v1/employees/{employee_id}/quiz-time-adjustment").get_json()
    assert (by_id["extra_percent"], by_id["employee_number"]) == (25, "E1007")
    for nobody in ("E9999", "99999", "9" * 30):
        missing = hr.get(f"/api/v1/employees/{nobody}/quiz-time-adjustment")
        assert missing.status_code == 404 and missing.get_json()["message"] == "No such employee."
    spec = hr.get("/api/v1/openapi.json").get_json()
    path = spec["paths"]["/api/v1/employees/{employee_number}/quiz-time-adjustment"]
    assert "employee number (E1008)" in path["parameters"][0]["description"]


@pytest.mark.parametrize(
    ("policy", "max_attempts", "passing", "allowed"),
    [
        ("after_submit", 0, False, True),
        ("after_pass", 1, False, False),
        ("after_pass", 0, True, True),
        ("after_last_attempt", 0, True, False),
        ("after_last_attempt", 1, False, True),
        ("never", 1, True, False),
    ],
)
def test_review_policies(app, demo, make_quiz, policy, max_attempts, passing, allowed):
    employee_id = _employee_id(app)
    quiz_id = make_quiz(SIX_TF, review_policy=policy, max_attempts=max_attempts)
    with app.app_context():
        attempt = services.start_attempt(quiz_id, employee_id)
        services.submit_attempt(attempt, _answer_all(attempt) if passing else {})
        assert attempt.passed is passing
        assert review_policy.review_allowed(attempt) is allowed


class _Controls(HTMLParser):
    """Collects element ids, form controls, labels and anything draggable."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.draggable = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "draggable" in attrs or "ondragstart" in attrs:
            self.draggable = True
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append({"tag": tag, **attrs})
        if attrs.get("role") in ("group", "radiogroup"):
            self.controls.append({"tag": "group", **attrs})


def test_every_question_type_is_labelled_and_answered_without_dragging(app, demo, make_quiz):
    quiz_id = make_quiz(EVERY_TYPE, time_limit_seconds=1200)
    client = app.test_client()
    sign_in(client, "employee@example.org")
    module_page = client.get("/").get_data(as_text=True)
    start = client.post(f"/quizzes/{quiz_id}/start", data={"csrf_token": csrf_from(module_page)})
    html = client.get(start.headers["Location"]).get_data(as_text=True)
    page = _Controls()
    page.feed(html)
    assert not page.draggable
    assert html.count("<select") == 2  # matching is answered with a select per item
    assert 'role="timer"' in html and 'role="alert"' in html and "quiz-timer.js" in html
    assert '<span class="visually-hidden">(blank)</span>' in html  # the missing-word gap
    for control in page.controls:
        labelled_by = control.get("aria-labelledby", "").split()
        assert labelled_by or control.get("id") in page.label_for, control
        assert all(ref in page.ids for ref in labelled_by), control
    radios = [c for c in page.controls if c.get("type") == "radio"]
    assert all(c["id"] in page.label_for for c in radios)
    assert html.count('<h2 class="qhead"') == 9


def test_content_quiz_settings_for_draws_shuffle_and_essays(tmp_path):
    from learnhub.quizzes.content_loader import validate_quiz

    folder = tmp_path / "content" / "courses" / "demo"
    folder.mkdir(parents=True)
    (folder / "q.gift").write_text(
        "\n\n".join(f"::T{n}::Statement {n}. {{T#no#yes}}" for n in range(1, 4)), encoding="utf-8"
    )
    base = {"file": "q.gift", "pass_mark": 80}
    plain, issues = validate_quiz(base, folder, "course.yaml, line 9")
    assert [i.message for i in issues] == ["a quiz has 5-10 scored questions, this one 3"]
    assert "draw_rules" not in plain["settings"]  # unchanged settings keep the content hash
    draw = [{"bank": "Security", "category": "top/Phishing", "count": 2}]
    spec = {**base, "draw": draw, "shuffle_questions": True, "essays_graded": True}
    parsed, issues = validate_quiz(spec, folder, "course.yaml, line 9")
    assert issues == []
    assert parsed["settings"]["draw_rules"] == [
        {"bank": "Security", "category": "Phishing", "count": 2, "subcategories": False}
    ]
    assert parsed["settings"]["shuffle_questions"] is True
    _parsed, issues = validate_quiz({**base, "draw": [{"bank": "S", "count": 0}]}, folder, "here")
    assert "draw is a list of {bank, category, count >= 1, subcategories}" in [
        i.message for i in issues
    ]


def test_the_page_saves_every_minute_and_reviews_every_type(app, demo, make_quiz):
    quiz_id = make_quiz(EVERY_TYPE, time_limit_seconds=1200, review_policy="after_submit")
    client = app.test_client()
    sign_in(client, "employee@example.org")
    start = client.post(
        f"/quizzes/{quiz_id}/start",
        data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))},
    )
    url = start.headers["Location"]
    token = csrf_from(client.get(url).get_data(as_text=True))
    with app.app_context():
        attempt = db.session.get(Attempt, int(url.rsplit("/", 1)[1]))
        ids = {q.name: q.id for q in attempt_questions(attempt)}
    saved = client.post(
        url, data={"csrf_token": token, "action": "autosave", f"q{ids['Short']}": "Paris"}
    )
    assert saved.status_code == 204
    with app.app_context():
        assert db.session.get(Attempt, attempt.id).responses[0].answer == {"text": "Paris"}
    match = ids["Match"]
    with app.app_context():  # the first item of the spec, under its id in this attempt's order
        attempt = db.session.get(Attempt, attempt.id)
        spec = next(q.spec for q in attempt_questions(attempt) if q.id == match)
        shown = to_display(attempt, match, spec, {"matches": {"0": "animal"}})["matches"]
    # a browser sends every field again: the saved short answer is still in its input
    form = {
        "csrf_token": token,
        "action": "submit",
        "confirmed": "1",
        f"q{ids['Short']}": "Paris",
    } | {f"q{match}_m{left}": right for left, right in shown.items()}
    client.post(url, data=form)
    page = client.get(url).get_data(as_text=True)
    assert "Your answer: <strong>Paris</strong>" in page
    assert "<strong>animal</strong> <em>(correct: animal)</em>" in page
    assert "(correct: plant)" in page and "no answer" in page


def test_extra_time_api_refuses_what_the_page_refuses(app, demo):
    """A tester's findings: HR gave herself extra time through the API (the page says 403),
    1.5 was stored as 1, and extra time with no time limit stored both; each is refused,
    naming the field, and nothing is stored."""
    hr = app.test_client()
    headers = {"X-CSRFToken": sign_in(hr, "hr@example.org")}
    own = hr.put(
        "/api/v1/employees/E1020/quiz-time-adjustment", json={"extra_percent": 10}, headers=headers
    )
    assert own.status_code == 403, own.get_json()
    assert own.get_json()["message"].startswith("You cannot change your own extra time")
    url = "/api/v1/employees/E1007/quiz-time-adjustment"
    fraction = hr.put(url, json={"extra_percent": 1.5}, headers=headers)
    assert fraction.status_code == 422
    assert "extra_percent" in fraction.get_json()["errors"]["json"]
    both = hr.put(url, json={"extra_percent": 50, "no_time_limit": True}, headers=headers)
    assert both.status_code == 422
    assert both.get_json()["errors"]["issues"][0]["where"] == "extra_percent"
    assert "not both" in both.get_json()["message"]
    with app.app_context():
        evan = get_by_email("employee@example.org")
        evan.active = False
        db.session.commit()
    leaver = hr.put(url, json={"extra_percent": 10}, headers=headers)
    assert leaver.status_code == 403
    assert hr.get(url).get_json()["extra_percent"] == 0
    own_get = hr.get("/api/v1/employees/E1020/quiz-time-adjustment")
    assert own_get.status_code == 200 and own_get.get_json()["extra_percent"] == 0
