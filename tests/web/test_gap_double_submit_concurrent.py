"""A double click on "Assign these modules" sends the form twice at the same moment: one set
of assignments, on PostgreSQL (SQLite serialises writers, so it would prove nothing). Each
request in its own thread, session and transaction. Fails in CI without PostgreSQL
(LEARNHUB_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from learnhub.assignments.models import Assignment
from learnhub.extensions import db
from tests.conftest import csrf_from, require_service, sign_in
from tests.reports.gap_helpers import PASSWORD, gap_team


def test_two_simultaneous_submits_of_one_form_assign_once(app):
    with app.app_context():
        require_service("PostgreSQL", "LEARNHUB_TEST_DATABASE_URL")
        assert db.engine.dialect.name == "postgresql"
    t = gap_team(app)
    clients, forms = [], []
    token = None
    for _ in range(2):
        client = app.test_client()
        sign_in(client, t.boss_email, PASSWORD)
        html = client.get("/team/gaps/4.2").get_data(as_text=True)
        found = re.search(r'name="submit_token"[^>]*value="([^"]+)"', html)
        assert found
        token = token or found.group(1)  # both send the first page's token
        clients.append(client)
        forms.append(
            {
                "csrf_token": csrf_from(html),
                "submit_token": token,
                "due_kind": "fixed",
                "due_date": (date.today() + timedelta(days=30)).isoformat(),
            }
        )
    with app.app_context():
        before = db.session.scalar(select(func.count(Assignment.id)))
    barrier = threading.Barrier(2)
    answers: list[object] = [None, None]

    def send(index: int) -> None:
        barrier.wait(timeout=30)
        try:
            answers[index] = clients[index].post("/team/gaps/4.2", data=forms[index])
        except Exception as error:  # reported by the assertion below
            answers[index] = error

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(hasattr(a, "status_code") for a in answers), answers
    assert [a.status_code for a in answers] == [302, 302]  # type: ignore[union-attr]
    locations = {a.headers["Location"] for a in answers}  # type: ignore[union-attr]
    assert len(locations) == 1  # both show the one result
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == before + 2
