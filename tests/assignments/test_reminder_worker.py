"""The reminder task through a real ``celery -A workers worker`` (STYLE.md: one real-worker test
besides the eager ones): queued twice by name, as two beat processes would, it sends each
reminder once. Needs PostgreSQL and Redis (fails in CI without them)."""

from __future__ import annotations

from sqlalchemy import func, select

from learnhub.assignments.reminder_models import SentReminder
from learnhub.core.mail import OutboxEmail
from learnhub.extensions import db
from tests.assignments.test_reminders_concurrent import NOW, _organisation
from tests.skills.conftest import (  # noqa: F401  (fixtures)
    make_web,
    postgres,
    production_web,
    redis_url,
    start_worker,
    wait_until,
)


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        counts = (
            db.session.scalar(select(func.count()).select_from(SentReminder)),
            db.session.scalar(select(func.count()).select_from(OutboxEmail)),
        )
        db.session.rollback()
        return counts


def _succeeded(log: str) -> int:
    return sum(
        1
        for line in log.splitlines()
        if "assignments.send_reminders[" in line and "succeeded" in line
    )


def test_the_reminder_task_twice_on_a_real_worker_sends_once(
    app,
    postgres,  # noqa: F811
    production_web,  # noqa: F811
    start_worker,  # noqa: F811
):
    _organisation(app)
    worker = start_worker()
    celery = production_web.extensions["celery"]
    # by name, as beat sends it; the worker's settings are the defaults (7 days before, the
    # manager after 7 days late, from 08:00 local time)
    for _ in range(2):
        celery.send_task("assignments.send_reminders", kwargs={"now": NOW.isoformat()})
    wait_until(lambda: _succeeded(worker.text()) == 2, "both tasks ran", timeout=90)
    # 10 overdue + 10 to their manager, 10 due in 5 days, 10 due today: each once
    assert _counts(app) == (40, 40)
    assert "'overdue': 10" in worker.text() and "{}" in worker.text()
