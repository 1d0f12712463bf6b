"""A submitted attempt through the API: new responses sent to submit are refused with 409 (as
``PUT …/responses`` does), a bare or identical re-submit answers the stored result (QA
findings, item 3)."""

from __future__ import annotations

from learnhub.extensions import db
from learnhub.quizzes.models import Attempt
from tests.conftest import sign_in

TWO_TF = "::One::First statement. {T}\n\n::Two::Second statement. {T}\n"


def test_new_responses_to_a_submitted_attempt_are_refused(app, demo, make_quiz):
    quiz_id = make_quiz(TWO_TF)
    client = app.test_client()
    client.environ_base["HTTP_X_CSRFTOKEN"] = sign_in(client, "employee@example.org")
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts").get_json()
    one, two = (str(q["id"]) for q in attempt["questions"])
    wrong = {"responses": {one: {"choice": 1}, two: {"choice": 1}}}
    first = client.post(f"/api/v1/attempts/{attempt['id']}/submit", json=wrong)
    assert first.status_code == 200 and first.get_json()["result"]["passed"] is False

    right = {"responses": {one: {"choice": 0}, two: {"choice": 0}}}
    again = client.post(f"/api/v1/attempts/{attempt['id']}/submit", json=right)
    assert again.status_code == 409, again.get_json()
    assert "already submitted" in again.get_json()["message"]
    saved = client.put(f"/api/v1/attempts/{attempt['id']}/responses", json=right)
    assert saved.status_code == 409

    # a bare re-submit and a double click (the same responses) answer the stored result
    bare = client.post(f"/api/v1/attempts/{attempt['id']}/submit")
    assert bare.status_code == 200 and bare.get_json()["result"]["passed"] is False
    twice = client.post(f"/api/v1/attempts/{attempt['id']}/submit", json=wrong)
    assert twice.status_code == 200 and twice.get_json()["result"]["passed"] is False
    with app.app_context():
        stored = db.session.get(Attempt, attempt["id"])
        assert stored.passed is False and stored.score_exact == "0"
