"""`flask demo seed`: the demo organisation goes through the HR importer; a second run keeps
everything (passwords, history)."""

from __future__ import annotations

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
