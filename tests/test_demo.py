"""`flask demo seed`: the demo organisation goes through the HR importer; a second run keeps
everything (passwords, history)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from learnhub.auth.models import Account
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.services import get_by_email, subtree_ids
from learnhub.quizzes.models import Attempt


def _state():
    hashes = dict(db.session.execute(select(Account.employee_id, Account.password_hash)).all())
    attempts = db.session.scalar(select(func.count(Attempt.id)))
    return hashes, attempts


def test_seed_twice_keeps_data_and_has_the_three_sign_ins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    for email in ("employee@example.org", "manager@example.org", "hr@example.org"):
        assert email in first.output
    assert "oliver.bennett@example.org" in first.output  # the content admin (tester E11)
    with app.app_context():
        before = _state()
        manager = get_by_email("manager@example.org")
        employee = get_by_email("employee@example.org")
        hr = get_by_email("hr@example.org")
        assert employee.manager_id == manager.id
        assert len(subtree_ids(manager.id)) >= 5
        assert hr.id not in subtree_ids(manager.id)
        assert {e.source for e in db.session.scalars(select(Employee))} == {"demo"}
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert _state() == before


def test_seed_assigns_the_mandatory_courses_to_everyone_once(app):
    from learnhub.assignments.models import Assignment
    from learnhub.demo import DEMO_MANDATORY
    from tests.conftest import sign_in

    runner = app.test_cli_runner()
    for _ in range(2):  # a second seed adds no assignment
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            assert db.session.scalar(select(func.count(Assignment.id))) == len(DEMO_MANDATORY)
    client = app.test_client()
    sign_in(client, "employee@example.org")
    page = client.get("/").get_data(as_text=True)
    to_do = page[page.index('id="to-do"') : page.index('id="optional"')]
    for title in ("Phishing and account security", "Personal data and privacy"):
        assert title in to_do
    assert to_do.count("due by") == 2


def test_the_demo_has_a_content_admin_who_reaches_quiz_settings(app):
    """HR only reads quiz settings ("change with the course's content files"): without a
    content admin they were out of reach in the demo (tester report E11)."""
    from tests.conftest import sign_in

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    client = app.test_client()
    sign_in(client, "oliver.bennett@example.org")
    listing = client.get("/content/quizzes")
    assert listing.status_code == 200
    settings = re.search(r'href="(/content/quizzes/\d+/settings)"', listing.get_data(as_text=True))
    assert settings is not None
    page = client.get(settings.group(1))
    assert page.status_code == 200 and "Pass mark" in page.get_data(as_text=True)
    assert "change with the course" not in page.get_data(as_text=True)


def test_seed_leaves_no_recompute_request_for_a_worker(app, monkeypatch):
    """Finding 12d: the trend's passes, made on the seed's frozen clock weeks ago, left their
    recompute requests dated then, and a deployment with no worker running yet showed
    /healthz "degraded" (a 70-day-old request). The seed recomputes every summary itself and
    its requests go with that recompute (committed together), so nothing waits for a worker."""
    from learnhub.skills.models import RecomputeRequest

    # no worker: the wake-up after the commit reaches nobody (eager tests would drain in-process)
    monkeypatch.setattr("learnhub.skills.tasks.wake_worker", lambda *_ids: None)
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(RecomputeRequest.id))) == 0
    health = app.test_client().get("/healthz").get_json()
    assert health["recompute_requests"] == {"pending": 0, "oldest_age_seconds": None}
    assert health["status"] == "ok"
