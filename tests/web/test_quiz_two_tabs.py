"""The quiz page in two tabs (tester's finding 3): the page carries the attempt's answer
revision; a save, submit or autosave from the older tab is refused (409) with "This quiz has
been changed in another window or tab" and, for the form without script, the page shown again
with the answers stored now; a fresh one is taken."""

from __future__ import annotations

import re

from learnhub.extensions import db
from learnhub.quizzes.models import Attempt
from tests.conftest import csrf_from, sign_in

SIX_TF = "\n\n".join(f"::T{n}::Statement {n}. {{T}}" for n in range(1, 7))
MESSAGE = "This quiz has been changed in another window or tab"


def _open(app, make_quiz):
    """Start a quiz of six true/false questions and open its page; (client, url, page html,
    question ids)."""
    quiz_id = make_quiz(SIX_TF, shuffle_answers=False)
    client = app.test_client()
    sign_in(client, "employee@example.org")
    start = client.post(
        f"/quizzes/{quiz_id}/start",
        data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))},
    )
    url = start.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    ids = [int(i) for i in dict.fromkeys(re.findall(r'name="q(\d+)"', page))]
    return client, url, page, ids


def _form(page: str, action: str, answers: dict[int, int]) -> dict[str, str]:
    """The page's form as a browser sends it: its token and answer revision, ``answers``."""
    revision = re.search(r'name="answers_revision"[^>]*value="(\d+)"', page)
    assert revision, "the quiz form carries no answers_revision"
    return {
        "csrf_token": csrf_from(page),
        "answers_revision": revision.group(1),
        "action": action,
        **{f"q{qid}": str(choice) for qid, choice in answers.items()},
    }


def _stored(app, url: str) -> tuple[str, dict[int, dict]]:
    with app.app_context():
        attempt = db.session.get(Attempt, int(url.rsplit("/", 1)[1]))
        return attempt.state, {r.question_id: r.answer for r in attempt.responses if r.answer}


def test_the_older_tab_save_is_refused_and_shows_the_stored_answers(app, demo, make_quiz):
    """The tester's steps: option 1 in tab 2, Submit there (unanswered questions: the
    check-before-you-submit page, the answers saved), then Save in tab 1 with option 0."""
    client, url, tab1, ids = _open(app, make_quiz)
    tab2 = client.get(url).get_data(as_text=True)
    confirm = client.post(url, data=_form(tab2, "submit", {ids[0]: 1}))
    assert confirm.status_code == 200 and "Check before you submit" in confirm.get_data(True)
    refused = client.post(url, data=_form(tab1, "save", {ids[0]: 0}))
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert MESSAGE in html and "The answers saved there are shown below" in html
    assert re.search(rf'id="q{ids[0]}-1"[^>]*checked', html)  # tab 2's answer, as stored
    assert not re.search(rf'id="q{ids[0]}-0"[^>]*checked', html)
    assert _stored(app, url) == ("in_progress", {ids[0]: {"choice": 1}})
    # the page shown again is current: its save is taken
    saved = client.post(url, data=_form(html, "save", {ids[0]: 0}))
    assert saved.status_code == 302
    assert _stored(app, url) == ("in_progress", {ids[0]: {"choice": 0}})


def test_the_older_tab_submit_is_refused_and_nothing_is_scored(app, demo, make_quiz):
    client, url, tab1, ids = _open(app, make_quiz)
    tab2 = client.get(url).get_data(as_text=True)
    assert client.post(url, data=_form(tab2, "save", {ids[0]: 1})).status_code == 302
    refused = client.post(url, data=_form(tab1, "submit", dict.fromkeys(ids, 0)))
    assert refused.status_code == 409 and MESSAGE in refused.get_data(as_text=True)
    assert _stored(app, url) == ("in_progress", {ids[0]: {"choice": 1}})
    # the same (fresh) page submitted twice gives one result
    fresh = client.get(url).get_data(as_text=True)
    one = client.post(url, data=_form(fresh, "submit", dict.fromkeys(ids, 0)))
    two = client.post(url, data=_form(fresh, "submit", dict.fromkeys(ids, 0)))
    assert one.status_code == two.status_code == 302
    assert _stored(app, url) == ("submitted", {qid: {"choice": 0} for qid in ids})


def test_the_autosave_answers_its_revision_or_409_with_the_message(app, demo, make_quiz):
    client, url, tab1, ids = _open(app, make_quiz)
    tab2 = client.get(url).get_data(as_text=True)
    taken = client.post(url, data=_form(tab2, "autosave", {ids[0]: 1}))
    assert taken.status_code == 204 and taken.headers["X-Answers-Revision"] == "1"
    refused = client.post(url, data=_form(tab1, "autosave", {ids[0]: 0}))
    assert refused.status_code == 409
    assert refused.get_json()["message"].startswith(MESSAGE)
    assert "Reload the page" in refused.get_json()["message"]
    assert _stored(app, url) == ("in_progress", {ids[0]: {"choice": 1}})
