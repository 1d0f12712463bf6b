"""Numeric responses through the API must be numbers as the scorer reads them: "NaN" and
"1e999" are refused as malformed, naming the question (QA findings, item 5)."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in

NUMERIC = "::Num::Two and two? {#4:0}\n\n::TF::Is it? {T}\n"


@pytest.mark.parametrize("value", ["NaN", "1e999", "Infinity", "3,5"])
def test_a_numeric_answer_that_is_not_a_number_is_refused(app, demo, make_quiz, value):
    quiz_id = make_quiz(NUMERIC)
    client = app.test_client()
    client.environ_base["HTTP_X_CSRFTOKEN"] = sign_in(client, "employee@example.org")
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts").get_json()
    numeric = next(q["id"] for q in attempt["questions"] if q["type"] == "numeric")
    url = f"/api/v1/attempts/{attempt['id']}/responses"
    refused = client.put(url, json={"responses": {str(numeric): {"value": value}}})
    assert refused.status_code == 422, refused.get_json()
    issue = refused.get_json()["errors"]["issues"][0]
    assert issue["where"] == f"question {numeric}" and "not a number" in issue["message"]
    taken = client.put(url, json={"responses": {str(numeric): {"value": " 4.0 "}}})
    assert taken.status_code == 200, taken.get_json()
