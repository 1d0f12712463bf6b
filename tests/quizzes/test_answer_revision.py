"""Two pages of one attempt never overwrite each other silently (tester's finding 3): a save
or submit carrying an older answer revision than the stored one is refused (409, Moodle's
"This quiz has been changed in another window or tab") and writes nothing; a fresh one is
taken and moves the revision on; the same page's double submit still gives one result; when
the time is up the attempt is submitted with what was saved, whichever page asked
(learnhub.quizzes.revisions)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.quizzes import services
from learnhub.quizzes.models import Attempt
from learnhub.quizzes.revisions import CHANGED_ELSEWHERE
from tests.conftest import sign_in

SIX_TF = "\n\n".join(f"::T{n}::Statement {n}. {{T}}" for n in range(1, 7))


def _start(app, make_quiz, **settings):
    quiz_id = make_quiz(SIX_TF, shuffle_answers=False, **settings)
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "employee@example.org")}
    body = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    return client, headers, body


def _stored(app, attempt_id: int) -> tuple[str, int, dict[int, dict]]:
    """The committed state, answer revision and answers of the attempt."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        answers = {r.question_id: r.answer for r in attempt.responses if r.answer}
        return attempt.state, attempt.answers_revision, answers


def test_a_fresh_save_is_taken_and_moves_the_revision_on(app, demo, make_quiz):
    client, headers, body = _start(app, make_quiz)
    assert body["answers_revision"] == 0
    first = str(body["questions"][0]["id"])
    url = f"/api/v1/attempts/{body['id']}/responses"
    saved = client.put(
        url, json={"responses": {first: {"choice": 0}}, "answers_revision": 0}, headers=headers
    )
    assert saved.status_code == 200 and saved.get_json()["answers_revision"] == 1
    again = client.put(
        url, json={"responses": {first: {"choice": 1}}, "answers_revision": 1}, headers=headers
    )
    assert again.status_code == 200 and again.get_json()["answers_revision"] == 2
    assert _stored(app, body["id"])[1:] == (2, {int(first): {"choice": 1}})


def test_a_stale_save_is_refused_with_409_and_writes_nothing(app, demo, make_quiz):
    client, headers, body = _start(app, make_quiz)
    first = str(body["questions"][0]["id"])
    url = f"/api/v1/attempts/{body['id']}/responses"
    # two tabs opened at revision 0: tab 2 saves first, then tab 1
    tab2 = client.put(
        url, json={"responses": {first: {"choice": 1}}, "answers_revision": 0}, headers=headers
    )
    assert tab2.status_code == 200
    tab1 = client.put(
        url, json={"responses": {first: {"choice": 0}}, "answers_revision": 0}, headers=headers
    )
    assert tab1.status_code == 409
    assert tab1.get_json()["message"] == CHANGED_ELSEWHERE
    assert "another window or tab" in CHANGED_ELSEWHERE
    assert _stored(app, body["id"]) == ("in_progress", 1, {int(first): {"choice": 1}})


def test_a_stale_page_sending_the_stored_answers_is_taken(app, demo, make_quiz):
    """Nothing would be overwritten (a save sent twice, its first answer lost): no refusal."""
    client, headers, body = _start(app, make_quiz)
    first = str(body["questions"][0]["id"])
    url = f"/api/v1/attempts/{body['id']}/responses"
    same = {"responses": {first: {"choice": 1}}, "answers_revision": 0}
    assert client.put(url, json=same, headers=headers).status_code == 200
    assert client.put(url, json=same, headers=headers).status_code == 200
    assert _stored(app, body["id"]) == ("in_progress", 1, {int(first): {"choice": 1}})


def test_a_stale_submit_is_refused_and_nothing_is_scored(app, demo, make_quiz):
    client, headers, body = _start(app, make_quiz)
    ids = [str(q["id"]) for q in body["questions"]]
    url = f"/api/v1/attempts/{body['id']}"
    saved = {"responses": {ids[0]: {"choice": 1}}, "answers_revision": 0}
    assert client.put(f"{url}/responses", json=saved, headers=headers).status_code == 200
    stale = {"responses": {i: {"choice": 0} for i in ids}, "answers_revision": 0}
    refused = client.post(f"{url}/submit", json=stale, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["message"] == CHANGED_ELSEWHERE
    assert _stored(app, body["id"]) == ("in_progress", 1, {int(ids[0]): {"choice": 1}})
    # the page shown again carries revision 1: its submit is taken, twice gives one result
    fresh = {"responses": {i: {"choice": 0} for i in ids}, "answers_revision": 1}
    one = client.post(f"{url}/submit", json=fresh, headers=headers)
    two = client.post(f"{url}/submit", json=fresh, headers=headers)
    assert one.status_code == two.status_code == 200
    assert one.get_json()["result"] == two.get_json()["result"]
    assert one.get_json()["state"] == "submitted"


def test_time_up_submits_what_was_saved_whichever_page_asks(app, demo, make_quiz):
    client, headers, body = _start(app, make_quiz, time_limit_seconds=600)
    ids = [str(q["id"]) for q in body["questions"]]
    saved = {"responses": {ids[0]: {"choice": 1}}, "answers_revision": 0}
    put = client.put(f"/api/v1/attempts/{body['id']}/responses", json=saved, headers=headers)
    assert put.status_code == 200
    with app.app_context():
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == body["id"])
            .values(deadline_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
    with app.app_context():  # the time-up submit of a page left at revision 0
        attempt = db.session.get(Attempt, body["id"])
        services.submit_attempt(attempt, {int(i): {"choice": 0} for i in ids}, 0)
        db.session.commit()
    assert _stored(app, body["id"]) == ("submitted", 1, {int(ids[0]): {"choice": 1}})


def test_the_service_refuses_a_stale_save_of_another_session(app, demo, make_quiz):
    quiz_id = make_quiz(SIX_TF, shuffle_answers=False)
    with app.app_context():
        attempt = services.start_attempt(quiz_id, get_by_email("employee@example.org").id)
        db.session.commit()
        attempt_id, question = attempt.id, attempt.layout["questions"][0]
        services.save_responses(attempt, {question: {"choice": 1}}, 0)
        db.session.commit()
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        try:
            services.save_responses(attempt, {question: {"choice": 0}}, 0)
        except services.Conflict as error:
            assert error.status_code == 409 and error.message == CHANGED_ELSEWHERE
        else:
            raise AssertionError("a stale save was taken")
        db.session.rollback()
    assert _stored(app, attempt_id) == ("in_progress", 1, {question: {"choice": 1}})
