"""Statement counts of the hot pages (``count_queries``): the module page a learner reads and
the manager's team page. Exact numbers measured on the code as it is; a change that adds a
statement must change the number here, on purpose.

Every signed-in request starts with 1 statement of the user loader: the account with its
employee (job role, org unit) and role grants joined, and "has reports?" (the derived manager
role) as a column of it (``learnhub.auth.sessions.load_account``).
"""

from __future__ import annotations

import pytest

from learnhub.extensions import db
from learnhub.quizzes.models import Quiz
from tests.conftest import sign_in
from tests.factories import (
    AttemptFactory,
    EmployeeFactory,
    manager_with_summaries,
)
from tests.journeys.helpers import first_module

PASSWORD = "a-test-password"


@pytest.mark.parametrize("earlier_attempts", [1, 3])
def test_module_page_statements_do_not_grow_with_the_learners_attempts(
    app, count_queries, earlier_attempts
):
    module_id, quiz_id = first_module(app)
    with app.app_context():
        learner = EmployeeFactory(password=PASSWORD, job_code="CASE_OFF")
        quiz = db.session.get(Quiz, quiz_id)
        for number in range(1, earlier_attempts + 1):
            AttemptFactory(quiz=quiz, employee=learner, number=number, state="submitted")
        db.session.commit()
        email = learner.email
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    with count_queries() as queries:
        page = client.get(f"/modules/{module_id}")
    assert page.status_code == 200
    # 1 user loader (its "has reports?" serves the navigation); 1 the module with its course
    # and its outcomes joined (their competences too; its competence mappings are not read;
    # issue 14 "Fast": 2 before, the outcomes were a selectin); 1 the learner's
    # attempts at the module (id, number, state, pass: no quiz, questions or responses) and
    # their timed attempts still open anywhere (none overdue here: nothing to close); 1 the
    # current quiz's settings with its questions' ids only (the page shows how many).
    # Before issue 14: 12 (the quiz's questions loaded twice, every attempt's responses, the
    # competences, "has reports?" and the role grants apart). xAPI (issue 15), the first visit
    # only: +1 "opened before?" (no), +1 INSERT of the "experienced" statement (its actor is the
    # signed-in learner, loaded already); a later visit: +1 "opened before?" (yes).
    assert queries.count == 6, queries
    with count_queries() as queries:
        again = client.get(f"/modules/{module_id}")
    assert again.status_code == 200
    assert queries.count == 5, queries


@pytest.mark.parametrize("size", [3, 30])
def test_team_page_statements_do_not_grow_with_the_team(app, count_queries, size):
    email = manager_with_summaries(app, size, PASSWORD)
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    with count_queries() as queries:
        page = client.get("/team")
    assert page.status_code == 200 and f"{size} people" in page.get_data(as_text=True)
    # reports/team.py: "no query walks the subtree person by person". 1 user loader (its "has
    # reports?" answers the view's 403 check and the navigation); 2 the subtree's size and one page
    # of its people (one index range of the reporting-line closure); 2 completion (enrolments,
    # completed modules: grouped); 1 attained levels (grouped); 2 frameworks with profiles and their
    # levels (selectin); per framework (DigComp 3.0 only): 3 stored summary and, folding its buckets
    # (TeamSummary.data), the competences they name and the framework's number of levels, 1
    # competence codes, 1 targets of the page's people, 3 the modules closing the gaps (one query,
    # plus the selectin competences and outcomes of those modules), 4 the stored organisation
    # benchmark (the summary's buckets by job role, the benchmark cells of those roles, the job
    # roles, the competences); 1 the modules that price closing each gap (issue 11:
    # reports/gap_cost.py, one query over the buckets); 1 the managers' employee numbers; the
    # trend (team_trends.html, issue 11): 1 the framework, 1 the assignments reaching the team
    # (none here: their modules and competences are not read), 1 the snapshots in force, 1 the
    # competences' names; 1 per framework the gaps whose learning is already assigned or
    # completed (a tester's finding 8: reports/gap_assigned.py, one set-based statement over
    # the subtree); 1 the oldest pending recompute request covering the team (finding 3:
    # skills/summaries.pending_since, one MIN over the pending rows)
    assert queries.count == 28, queries
