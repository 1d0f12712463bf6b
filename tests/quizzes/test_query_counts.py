"""Statement counts of the learner's quiz API (``count_queries``): the module a quiz belongs
to and submitting an attempt. Exact numbers measured on the code as it is; a change that adds a
statement must change the number here, on purpose.

Every signed-in request starts with 1 statement of the user loader: the account with its
employee (job role, org unit) and role grants joined, and "has reports?" (the derived manager
role) as a column of it (``learnhub.auth.sessions.load_account``).
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
    # 1 user loader; 1 the module with its course and outcomes joined; 1 the current quiz's
    # settings with its questions' ids only (the API sends how many). Before issue 14: 7; 4
    # while the outcomes were a selectin
    assert queries.count == 3, queries


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
    assert questions == 6
    # 1 user loader; 2 the attempt (quiz joined) and its quiz's questions (selectin; its
    # responses are read once, after the claim); 1 the questions this quiz drew at random from
    # the module's bank (issue 12), read once for the whole request (the answers' display ids,
    # the scoring, the xAPI statements and the result reuse them: quizzes.layout); 1 the
    # UPDATE that claims the submit (the attempt's state and time are then known: no
    # refresh), 1 the responses saved so far; 1 UPDATE scoring the attempt; the 6 responses
    # INSERTed with their scores (one statement a row on SQLite, which cannot batch an
    # INSERT … RETURNING in order; one statement on PostgreSQL). Evidence: 1 the module's
    # competences with its validity period, 1 INSERT of both rows (ON CONFLICT DO NOTHING: a
    # repeat keeps the stored rows), 1 INSERT of the learner's recompute request row (one for
    # the employee, in the same transaction).
    # Progress: 1 the module (title, course) with its course, the learner's enrolment and
    # module progress (outer joins), 1 the learner's attempts at the module (state and score
    # only: the count and the grade), 1 UPDATE, 1 course completion (modules and completed
    # ones, one statement); xAPI (issue 15): 1 the names of the drawn questions' banks
    # (stable activity ids), 1 INSERT of the answered, result and module completed statements
    # (one executemany). Required learning: 1 the learner's requirements for the module or
    # its course (none here; a pass completes them). Issue 14 "Fast" (second round): 6 fewer
    # (3 re-reads of the drawn questions, the UPDATE of the responses' scores, the enrolment
    # and progress apart).
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
    # Question-level evidence (issue 11; this bank's questions carry competence tags): 1 the
    # tagged competences' ids with the module's validity, 1 INSERT of the question_result
    # rows, 1 INSERT of its recompute request (the drawn questions are the scoring's: not
    # read again). An untagged quiz adds none.
    sqlite = database_url.startswith("sqlite")
    inserts = questions if sqlite else 1
    lock = 0 if sqlite else 1
    assert queries.count == 49 + inserts + lock, queries
