"""Recompute requests (DESIGN.md): recorded with the change, deleted only by the recompute that
covered them, in its own transaction; concurrent recomputes of overlapping chains serialised."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, func, insert, select, text

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.services import get_by_email, manager_chain_ids
from learnhub.skills import recompute, tasks
from learnhub.skills.chain import store_chain_summaries
from learnhub.skills.models import RecomputeRequest, TeamSummary
from learnhub.skills.services import (
    add_recompute_requests,
    frameworks_with_profiles,
    record_evidence,
    request_recompute,
    targets_query,
)
from tests.skills.conftest import pending_requests, stale_summaries


def _pass(email: str, source: str) -> int:
    """Record evidence meeting the employee's first target; returns the employee's id."""
    employee = get_by_email(email)
    framework = frameworks_with_profiles()[0]
    _e, competence, target = db.session.execute(targets_query([employee.id], framework.id)).first()
    record_evidence(
        employee_id=employee.id,
        competence_id=competence,
        level=target,
        kind="quiz_passed",
        source=source,
    )
    return employee.id


def test_a_request_commits_and_rolls_back_with_its_change(app_ctx, demo, monkeypatch):
    woken = []
    monkeypatch.setattr(tasks, "schedule_recompute", lambda e, m: woken.append((e, m)))
    employee = _pass("employee@example.org", "test:rolled-back")
    assert db.session.scalar(select(func.count(RecomputeRequest.id))) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count(RecomputeRequest.id))) == 0 and woken == []

    _pass("employee@example.org", "test:committed")
    db.session.commit()
    rows = db.session.scalars(select(RecomputeRequest)).all()
    assert [(r.employee_id, r.manager_id, r.everyone) for r in rows] == [(employee, None, False)]
    assert woken == [({employee}, set())]  # the hook only wakes a worker


def test_a_failed_recompute_keeps_its_requests_for_the_next_one(app_ctx, demo, monkeypatch):
    def crash(*_args, **_kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr(recompute, "store_chain_summaries", crash)
    _pass("employee@example.org", "test:crash")
    with pytest.raises(RuntimeError):
        db.session.commit()  # committed; the eager recompute after it failed (TESTING raises)
    assert pending_requests(app_ctx) == 1
    assert stale_summaries(app_ctx)

    monkeypatch.setattr(recompute, "store_chain_summaries", store_chain_summaries)
    # a later wake-up, sweep or redelivered message, in its own app context and session
    result = tasks.compute_team_summaries.apply(throw=True).get()
    assert result["requests"] == 1 and result["managers"] == 2
    assert pending_requests(app_ctx) == 0
    assert stale_summaries(app_ctx) == []


def test_many_people_make_one_request_for_everyone(app_ctx, demo, monkeypatch):
    monkeypatch.setattr("learnhub.skills.services.EVERYONE_ABOVE", 2)
    monkeypatch.setattr(tasks, "schedule_recompute", lambda e, m: None)
    request_recompute([1, 2, 3])
    db.session.commit()
    rows = db.session.scalars(select(RecomputeRequest)).all()
    assert [(r.employee_id, r.manager_id, r.everyone) for r in rows] == [(None, None, True)]
    result = tasks.compute_team_summaries.run()
    assert result["managers"] == 7  # the roll-up: every manager of the demo organisation
    assert pending_requests(app_ctx) == 0


def test_requests_are_one_row_per_employee_then_per_manager(app_ctx):
    """One row per employee, then one per manager, each in id order, all at one time (on
    PostgreSQL one INSERT of two arrays, elsewhere an executemany: the same rows)."""
    assert add_recompute_requests({30, 10, 20}, {70, 50}) == 5
    assert add_recompute_requests(set(), {80}) == 1
    rows = db.session.scalars(select(RecomputeRequest).order_by(RecomputeRequest.id)).all()
    assert [(r.employee_id, r.manager_id, r.everyone) for r in rows] == [
        (10, None, False),
        (20, None, False),
        (30, None, False),
        (None, 50, False),
        (None, 70, False),
        (None, 80, False),
    ]
    assert len({r.requested_at for r in rows[:5]}) == 1
    assert rows[0].requested_at.tzinfo is not None
    db.session.rollback()


def test_requests_committed_during_a_recompute_stay_for_the_next(app, demo, postgres):
    other = create_engine(postgres)
    with app.app_context():
        first = _pass("employee@example.org", "test:first")
        db.session.info.clear()  # no wake-up: this test drains by hand
        db.session.commit()
        recompute.lock_summaries()
        claimed = recompute.claim_requests(recompute.BATCH)
        # a learner's change commits while the recompute's transaction is open
        with other.begin() as connection:
            connection.execute(
                insert(RecomputeRequest),
                [{"employee_id": first, "everyone": False, "requested_at": utcnow()}],
            )
        db.session.commit()
        assert claimed == [(first, None, False)]
        assert db.session.scalar(select(func.count(RecomputeRequest.id))) == 1
    other.dispose()


def test_two_concurrent_recomputes_of_overlapping_chains(app, demo, postgres):
    """Two tasks at once on an empty summaries table, their chains meeting at the director:
    no deadlock, no duplicate key, and every summary of both chains right."""
    with app.app_context():
        learners = [get_by_email(e).id for e in ("employee@example.org", "liam.byrne@example.org")]
        chains = manager_chain_ids(learners)
        assert len(chains) == 4 and manager_chain_ids(learners[:1]) & manager_chain_ids(
            learners[1:]
        )
    for trial in range(5):
        with app.app_context():
            db.session.execute(TeamSummary.__table__.delete())
            db.session.commit()
        start, errors = threading.Barrier(2), []

        def run(learner: int, start: threading.Barrier, errors: list[Exception]) -> None:
            start.wait()
            try:
                tasks.compute_team_summaries.apply(kwargs={"employee_ids": [learner]}, throw=True)
            except Exception as error:  # pragma: no cover - the assertion shows it
                errors.append(error)

        threads = [
            threading.Thread(target=run, args=(learner, start, errors)) for learner in learners
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == [], trial
        assert stale_summaries(app, only=chains) == [], trial
        assert pending_requests(app) == 0


def test_the_recompute_lock_is_a_postgresql_advisory_lock(app, postgres):
    mine = text(  # this session's only: other work on the server may hold its own
        "SELECT count(*) FROM pg_locks"
        " WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
    )
    with app.app_context():
        recompute.lock_summaries()
        held = db.session.scalar(mine)
        db.session.commit()
        released = db.session.scalar(mine)
    assert (held, released) == (1, 0)
