"""Statement counts of the learner's quiz API (``count_queries``): the module a quiz belongs
to and submitting an attempt. Exact numbers measured on the code as it is; a change that adds a
statement must change the number here, on purpose.

Every signed-in request starts with 2 statements of the user loader: the account (with its
employee, job role and org unit joined) and its role grants (selectin).
"""

from __future__ import annotations

import pytest

from learnhub.extensions import db
from tests.conftest import sign_in
from tests.factories import EmployeeFactory, team
from tests.journeys.helpers import api_answers, first_module

PASSWORD = "a-test-password"


def _learner(app, colleagues: int = 0) -> str:
    """A case officer who can sign in, with a manager and ``colleagues`` beside them; their
    email."""
    with app.app_context():
        boss = EmployeeFactory(job_code="SVC_MGR")
        learner = EmployeeFactory(manager=boss, job_code="CASE_OFF", password=PASSWORD)
        team(boss, colleagues, job_code="CASE_OFF")
        db.session.commit()
        return learner.email


def test_module_api_statements(app, count_queries):
    module_id, _quiz_id = first_module(app)
    client = app.test_client()
    sign_in(client, _learner(app), PASSWORD)
    with count_queries() as queries:
        response = client.get(f"/api/v1/modules/{module_id}")
    assert response.status_code == 200
    # 2 user loader; 3 the module with its course, then its competences and outcomes
    # (selectin); 2 the current quiz and its questions (Quiz.questions is selectin, though only
    # the quiz's settings are sent)
    assert queries.count == 7, queries


@pytest.mark.parametrize("colleagues", [3, 30])
def test_submit_statements_do_not_grow_with_the_team(app, database_url, count_queries, colleagues):
    _module_id, quiz_id = first_module(app)
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, _learner(app, colleagues), PASSWORD)}
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    answers = {"responses": api_answers(app, attempt["id"])}
    questions = len(answers["responses"])
    with count_queries() as queries:
        response = client.post(
            f"/api/v1/attempts/{attempt['id']}/submit", json=answers, headers=headers
        )
    assert response.status_code == 200 and response.get_json()["result"]["passed"] is True
    assert questions == 7
    # 2 user loader; 3 the attempt, its quiz's questions and its responses (selectin);
    # 1 the UPDATE that claims the submit, 3 the attempt refreshed (with questions and
    # responses); the 7 responses INSERTed (one statement a row on SQLite, which cannot batch
    # an INSERT … RETURNING in order; one statement on PostgreSQL); 2 UPDATEs scoring the
    # attempt and its responses (one executemany).
    # Evidence: 3 the module (competences, outcomes), 3 for each of its 2 competences (look
    # up, INSERT, and the INSERT of the learner's recompute request row, in the same
    # transaction). Progress: 3 the module again, 1 enrolment, 1 module progress, 1 submitted
    # count, 1 UPDATE, 3 the grade over the attempts (attempts, questions, responses),
    # 1 UPDATE, 2 course completion counts, 1 xAPI statement INSERT.
    # The manager's summary, recomputed after the commit (Celery runs eagerly in tests; a
    # worker does it in production), one drain round: the summaries lock (PostgreSQL's
    # pg_advisory_xact_lock; none on SQLite, whose write lock serialises), 1 the DELETE …
    # RETURNING that claims the pending requests (fewer than a batch: no second round),
    # 2 frameworks and levels, then the chain round (learnhub.skills.chain): 2 the manager
    # chain (one query a level: the learner's manager, then nobody above), 1 which changed
    # people have reports, 2 the managers of the chain and of the changed people, 2 frameworks
    # and levels again, 1 which summaries exist, 4 the two temporary tables of differences
    # dropped if left and created, 2 emptied; the manager's summary composed: 2 its old
    # buckets and counts recorded, 1 its reports without a summary (none), 1 the upsert, 2 the
    # new ones recorded; 2 the temporary tables dropped; 1 "is anyone changed at the top?"
    # (yes: the organisation's benchmark cells follow) 1 the people at the top without a
    # summary, 1 DELETE of the framework's cells, 1 INSERT … SELECT of them.
    # The response is dumped before the request's one commit, so the attempt is not read
    # again after it.
    sqlite = database_url.startswith("sqlite")
    inserts = questions if sqlite else 1
    lock = 0 if sqlite else 1
    assert queries.count == 63 + inserts + lock, queries
