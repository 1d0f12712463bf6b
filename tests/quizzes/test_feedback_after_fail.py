"""What a failed attempt shows per question while the review policy withholds the review: the
quiz setting ``feedback_after_fail`` (none | correctness | feedback) from course.yaml and the
quiz settings API. Never a correct answer (DESIGN.md's first rule), in the API or the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learnhub.auth.services import account_for, grant_role, revoke_role
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.quizzes import review_policy, services
from learnhub.quizzes.content_loader import validate_quiz
from learnhub.quizzes.models import Quiz
from tests.conftest import sign_in

# each option and typed answer has its own feedback; the right ones must never show on a fail
QUIZ = """::Single::Which letter comes first? {=alpha#RIGHT-SINGLE ~beta#Think of the order. \
~gamma#GAMMA-FEEDBACK ####GENERAL-SINGLE}

::TF::The sky is blue. {T#Look outside again.#RIGHT-TF}

::Short::Capital of France? {=Paris#RIGHT-SHORT =%0%Lyon#Lyon is a big city, not the capital.}

::Num::Two and two? {#4:0#RIGHT-NUM}

::Multi::Which are colours? {~%50%red#RIGHT-RED ~%50%green#RIGHT-GREEN ~%-100%cat#A cat is an \
animal.}
"""
#: wrong answers in the spec's indexes: beta, False, "Lyon", 5, and red alone (half right)
WRONG = {
    "Single": {"choice": 1},
    "TF": {"choice": 1},
    "Short": {"text": "Lyon"},
    "Num": {"value": "5"},
    "Multi": {"choices": [0]},
}
KEYS = ("RIGHT-", "Paris", '"4"')


def _failed_attempt(app, make_quiz, level: str, policy: str = "after_pass") -> int:
    """A submitted, failed attempt of employee@ at a quiz with these settings; its id."""
    quiz_id = make_quiz(QUIZ, review_policy=policy, feedback_after_fail=level, pass_mark="80")
    with app.app_context():
        employee_id = get_by_email("employee@example.org").id
        attempt = services.start_attempt(quiz_id, employee_id)
        by_name = {q.name: q.id for q in attempt.quiz.questions}
        services.submit_attempt(attempt, {by_name[n]: a for n, a in WRONG.items()})
        assert attempt.passed is False and not review_policy.review_allowed(attempt)
        db.session.commit()
        return attempt.id


def _api_result(app, attempt_id: int) -> tuple[dict, str]:
    client = app.test_client()
    sign_in(client, "employee@example.org")
    body = client.get(f"/api/v1/attempts/{attempt_id}")
    assert body.status_code == 200
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    return body.get_json()["result"], page


def test_none_shows_the_score_only(app, demo, make_quiz) -> None:
    result, page = _api_result(app, _failed_attempt(app, make_quiz, "none"))
    assert result["questions_detail"] == "none" and result["questions"] == []
    assert "Read the module again" in page and "Your answers" not in page


def test_correctness_says_right_or_wrong_and_points_never_the_answer(app, demo, make_quiz) -> None:
    result, page = _api_result(app, _failed_attempt(app, make_quiz, "correctness"))
    assert result["questions_detail"] == "correctness"
    states = [(q["state"], q["points"]) for q in result["questions"]]
    assert states == [("incorrect", "0")] * 4 + [("partial", "0.5")]
    assert all(q["correct_response"] is None and q["feedback"] == [] for q in result["questions"])
    assert all(q["general_feedback"] is None for q in result["questions"])
    text = json.dumps(result)
    assert not any(key in text for key in KEYS)
    assert "Think of the order" not in text  # correctness only: no feedback either
    # the page: each question marked, the learner's answers shown, nothing marked correct
    assert page.count('class="mark">Incorrect') == 4 and "Partly correct" in page
    assert "(your answer)" in page and "Lyon" in page
    assert "(correct)" not in page and "a correct answer" not in page
    assert not any(key in page for key in ("RIGHT-", "Paris", "GENERAL-"))
    assert "each question says whether your answer was right" in page


def test_feedback_adds_the_feedback_on_the_answers_given_only(app, demo, make_quiz) -> None:
    result, page = _api_result(app, _failed_attempt(app, make_quiz, "feedback"))
    assert result["questions_detail"] == "feedback"
    feedback = [" ".join(q["feedback"]) for q in result["questions"]]
    assert "Think of the order." in feedback[0] and "Look outside again." in feedback[1]
    assert "Lyon is a big city" in feedback[2]
    assert feedback[4] == "RIGHT-RED"  # the ticked option's feedback, not the others'

    assert result["questions"][0]["general_feedback"] and "GENERAL-SINGLE" in json.dumps(result)
    assert all(q["correct_response"] is None for q in result["questions"])
    text = json.dumps(result)
    for key in ("RIGHT-SINGLE", "RIGHT-TF", "RIGHT-SHORT", "RIGHT-NUM", "RIGHT-GREEN", "Paris"):
        assert key not in text and key not in page, key
    assert "GAMMA-FEEDBACK" not in text  # an option not chosen keeps its feedback
    assert "Think of the order." in page and "(correct)" not in page
    assert "with feedback on it" in page


def test_the_review_when_the_policy_allows_it_whatever_the_setting(app, demo, make_quiz) -> None:
    quiz_id = make_quiz(QUIZ, review_policy="after_submit", feedback_after_fail="none")
    with app.app_context():
        attempt = services.start_attempt(quiz_id, get_by_email("employee@example.org").id)
        services.submit_attempt(attempt, {})
        db.session.commit()
        attempt_id = attempt.id
    result, page = _api_result(app, attempt_id)
    assert result["questions_detail"] == "review" and result["review_allowed"] is True
    assert result["questions"][2]["correct_response"] == {"text": "Paris"}
    assert "(correct)" in page and "a correct answer: <strong>" not in page


def test_a_passed_attempt_without_review_shows_no_question_detail(app, demo, make_quiz) -> None:
    quiz_id = make_quiz(QUIZ, review_policy="never", feedback_after_fail="feedback")
    with app.app_context():
        attempt = services.start_attempt(quiz_id, get_by_email("employee@example.org").id)
        by_name = {q.name: q for q in attempt.quiz.questions}
        right = {
            "Single": {"choice": 0},
            "TF": {"choice": 0},
            "Short": {"text": "Paris"},
            "Num": {"value": "4"},
            "Multi": {"choices": [0, 1]},
        }
        services.submit_attempt(attempt, {by_name[n].id: a for n, a in right.items()})
        db.session.commit()
        assert attempt.passed is True
        attempt_id = attempt.id
    result, _page = _api_result(app, attempt_id)
    assert result["questions_detail"] == "none" and result["questions"] == []


def test_course_yaml_sets_it_and_refuses_other_words(tmp_path: Path) -> None:
    folder = tmp_path / "course" / "mod" / "quiz"
    folder.mkdir(parents=True)
    (folder / "q.gift").write_text(
        "\n\n".join(f"::T{n}::Statement {n}. {{T#no#yes}}" for n in range(1, 6)), encoding="utf-8"
    )
    base = {"file": "q.gift", "pass_mark": 80}
    plain, issues = validate_quiz(base, folder, "course.yaml, line 9")
    assert issues == [] and "feedback_after_fail" not in plain["settings"]  # same hash as before
    parsed, issues = validate_quiz({**base, "feedback_after_fail": "correctness"}, folder, "y")
    assert issues == [] and parsed["settings"]["feedback_after_fail"] == "correctness"
    assert parsed["sha256"] != plain["sha256"]  # a changed setting makes a new version
    _parsed, issues = validate_quiz({**base, "feedback_after_fail": "answers"}, folder, "y, line 3")
    assert [(i.where, i.message) for i in issues] == [
        (
            "y, line 3",
            "feedback_after_fail 'answers' is not one of ('none', 'correctness', 'feedback')",
        )
    ]


@pytest.fixture
def content_admin(app, demo):
    """A signed-in client of manager@, granted content_admin for the test; its CSRF headers."""
    with app.app_context():
        grant_role(account_for(get_by_email("manager@example.org")), "content_admin")
        db.session.commit()
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "manager@example.org")}
    yield client, headers
    with app.app_context():
        revoke_role(account_for(get_by_email("manager@example.org")), "content_admin")
        db.session.commit()


def test_the_settings_api_changes_it_audited(app, make_quiz, content_admin) -> None:
    client, headers = content_admin
    quiz_id = make_quiz(QUIZ)
    url = f"/api/v1/quizzes/{quiz_id}/settings"
    changed = client.patch(url, json={"feedback_after_fail": "feedback"}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["feedback_after_fail"] == "feedback"
    wrong = client.patch(url, json={"feedback_after_fail": "full"}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"]["issues"][0]["where"].endswith("feedback_after_fail")
    with app.app_context():
        assert db.session.get(Quiz, quiz_id).feedback_after_fail == "feedback"
        event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        assert event.action == "quizzes.settings"
        assert event.details["after"] == {"feedback_after_fail": "feedback"}
