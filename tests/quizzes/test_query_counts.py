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


@pytest.mark.parametrize(("colleagues", "revision"), [(3, None), (30, None), (3, 0)])
def test_submit_statements_do_not_grow_with_the_team(
    app, database_url, count_queries, colleagues, revision
):
    """``revision``: the answer revision the page sent (None: none sent); checked inside the
    claim's WHERE, it costs no statement."""
    _module_id, quiz_id = first_module(app)
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, _learner(app, colleagues), PASSWORD)}
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    answers: dict = {"responses": api_answers(app, attempt["id"])}
    if revision is not None:
        answers["answers_revision"] = revision
    questions = len(answers["responses"])
    with count_queries() as queries:
        response = client.post(
            f"/api/v1/attempts/{attempt['id']}/submit", json=answers, headers=headers
        )
    assert response.status_code == 200 and response.get_json()["result"]["passed"] is True
    assert questions == 6
    # The request: 14 statements (21 before this round of issue 14, 27 on SQLite, which wrote
    # one INSERT a response):
    #  1. the user loader;
    #  2. the attempt with its quiz joined (its responses and the quiz's own questions are not
    #     loaded: the answers sent cover every question, and the layout names the questions);
    #  3. the attempt's questions (the quiz's own and those drawn from the module's bank, issue
    #     12) with their bank's name, read once for the whole request (the answers' display ids,
    #     the scoring, the evidence, the xAPI statements and the result reuse them);
    #  4. the UPDATE that claims the submit AND stores the attempt's score (scored in memory
    #     first; only one transaction can win it; its WHERE checks the answer revision the
    #     page sent, if any: learnhub.quizzes.revisions);
    #  5. one INSERT … ON CONFLICT DO UPDATE of the 6 responses with their scores (one
    #     statement on SQLite too), returning them;
    #  evidence (the quiz_passed rows of the module's competences and, this bank's questions
    #  carrying competence tags (issue 11), the question_result rows):
    #  6. the module's validity with its competences, and the tagged competences' ids, in one
    #     SELECT (UNION ALL);
    #  7. one INSERT of every row of both kinds (ON CONFLICT DO NOTHING: a repeat keeps them);
    #  8. one INSERT of the learner's recompute request row;
    #  progress:
    #  9. the module (title, course) with its course, the learner's enrolment and module
    #     progress (outer joins);
    # 10. the learner's attempts at the module (state and score only: the count and grade);
    # 11. the progress UPDATE;
    # 12. xAPI (issue 15): one INSERT of the answered, result and module completed statements
    #     (one executemany; the banks' names came with the questions);
    # 13. course completion (modules and completed ones, one statement);
    # 14. required learning: the learner's requirements for the module or its course (none
    #     here; a pass completes them).
    # The result shown is built from the scores computed for the submit (not scored again).
    # The manager's summary, recomputed after the commit (Celery runs eagerly in tests; a
    # worker does it in production), 29 statements in one drain round: the summaries lock
    # (PostgreSQL's pg_advisory_xact_lock; none on SQLite, whose write lock serialises; not
    # counted in the 29), 1 the DELETE …
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
    lock = 0 if database_url.startswith("sqlite") else 1
    assert queries.count == 14 + 29 + lock, queries
    verbs = [" ".join(sql.split()[:3]) for sql in queries.statements[:14]]
    assert verbs == [
        "SELECT accounts.id, accounts.employee_id,",
        "SELECT attempts.id, attempts.quiz_id,",
        "SELECT questions.id, questions.quiz_id,",
        "UPDATE attempts SET",
        "INSERT INTO responses",
        "SELECT modules.validity_months AS",
        "INSERT INTO evidence",
        "INSERT INTO recompute_requests",
        "SELECT modules.id, modules.course_id,",
        "SELECT attempts.state, attempts.score_exact,",
        "UPDATE module_progress SET",
        "INSERT INTO xapi_statements",
        "SELECT count(modules.id) AS",
        "SELECT requirements.id, requirements.employee_id,",
    ], queries
