"""A real ``celery -A workers worker`` runs the daily snapshot task that beat schedules
(``skills.snapshot_team_summaries``, workers/__init__.py). Needs LEARNHUB_TEST_REDIS_URL."""

from __future__ import annotations

import time

from sqlalchemy import delete, func, select

from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.skills.models import TeamSummary, TeamSummarySnapshot

TASK = "skills.snapshot_team_summaries"


def _snapshots(app, manager_id: int) -> list[TeamSummarySnapshot]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(TeamSummarySnapshot).where(TeamSummarySnapshot.manager_id == manager_id)
            )
        )
        db.session.expunge_all()
        return rows


def test_a_worker_takes_the_daily_snapshot(app, demo, start_worker, production_web):
    with app.app_context():
        manager_id = get_by_email("manager@example.org").id
        db.session.execute(delete(TeamSummarySnapshot))
        summary = db.session.scalar(select(TeamSummary).where(TeamSummary.manager_id == manager_id))
        summaries = db.session.scalar(select(func.count()).select_from(TeamSummary))
        targets_met = summary.data["targets_met"]
        db.session.commit()
    worker = start_worker()
    assert TASK in worker.text()  # registered under the name the beat entry uses
    production_web.extensions["celery"].send_task(TASK)
    deadline = time.monotonic() + 30
    while not (rows := _snapshots(app, manager_id)):
        assert worker.process.poll() is None, worker.text()
        assert time.monotonic() < deadline, "no snapshot within 30 s:\n" + worker.text()
        time.sleep(0.2)
    [row] = rows
    assert row.targets_met == targets_met
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TeamSummarySnapshot)) == summaries
