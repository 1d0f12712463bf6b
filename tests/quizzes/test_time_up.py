"""Time up: saving answers after the deadline (plus grace) submits the attempt with what was
saved before, keeps that closing and refuses the late answers — in the service, whoever calls
it (the API, the page's save button, the page's autosave)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.quizzes import services
from learnhub.quizzes.models import Attempt
from tests.conftest import csrf_from, sign_in

SIX_TF = "\n\n".join(f"::T{n}::Statement {n}. {{T}}" for n in range(1, 7))


def _overdue(app, attempt_id: int) -> None:
    with app.app_context():
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(deadline_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()


def _state(app, attempt_id: int) -> tuple[str, int]:
    """The committed state of the attempt and how many answers it kept."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return attempt.state, sum(1 for r in attempt.responses if r.answer)


def test_the_service_closes_the_attempt_and_raises_time_up_which_keeps_it(app, demo, make_quiz):
    quiz_id = make_quiz(SIX_TF, time_limit_seconds=600)
    with app.app_context():
        attempt = services.start_attempt(quiz_id, get_by_email("employee@example.org").id)
        db.session.commit()
        attempt_id, question = attempt.id, attempt.layout["questions"][0]
    _overdue(app, attempt_id)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        with pytest.raises(services.TimeUp) as raised:
            services.save_responses(attempt, {question: {"choice": 0}})
        assert raised.value.keep_changes and raised.value.status_code == 409
        assert attempt.state == "submitted"  # closed in the session; the caller's commit keeps it


def test_the_api_answers_409_and_the_closed_attempt_is_committed(app, demo, make_quiz):
    quiz_id = make_quiz(SIX_TF, time_limit_seconds=600)
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "employee@example.org")}
    body = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    first = str(body["questions"][0]["id"])
    _overdue(app, body["id"])
    late = client.put(
        f"/api/v1/attempts/{body['id']}/responses",
        json={"responses": {first: {"choice": 0}}},
        headers=headers,
    )
    assert late.status_code == 409 and late.get_json()["message"] == services.TIME_UP
    assert _state(app, body["id"]) == ("submitted", 0)


@pytest.mark.parametrize("action", ["save", "autosave"])
def test_the_page_keeps_the_closed_attempt_and_refuses_late_answers(app, demo, make_quiz, action):
    quiz_id = make_quiz(SIX_TF, time_limit_seconds=600)
    client = app.test_client()
    sign_in(client, "employee@example.org")
    start = client.post(
        f"/quizzes/{quiz_id}/start",
        data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))},
    )
    url = start.headers["Location"]
    token = csrf_from(client.get(url).get_data(as_text=True))
    attempt_id = int(url.rsplit("/", 1)[1])
    with app.app_context():
        first = db.session.get(Attempt, attempt_id).layout["questions"][0]
    _overdue(app, attempt_id)
    answer = client.post(url, data={"csrf_token": token, "action": action, f"q{first}": "0"})
    if action == "autosave":  # the page's script is told (and opens the result), not a 204
        assert answer.status_code == 409
        assert answer.get_json() == {"message": services.TIME_UP, "closed": True}
    else:
        assert answer.status_code == 302
        assert services.TIME_UP in client.get(url).get_data(as_text=True)
    assert _state(app, attempt_id) == ("submitted", 0)
