"""Reminders and digests are sent once under concurrent runs (two beat processes, a retried
task): each run in its own thread, connection and transaction, on PostgreSQL (SQLite
serialises writers, so it would prove nothing). Fails in CI without PostgreSQL
(LEARNHUB_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from flask import Flask
from freezegun import freeze_time
from sqlalchemy import func, select

from learnhub.assignments import reminders
from learnhub.assignments.digest import send_digests
from learnhub.assignments.reminder_models import SentDigest, SentReminder
from learnhub.assignments.reminders import ReminderSettings, send_reminders
from learnhub.core.mail import OutboxEmail
from learnhub.extensions import db
from tests.assignments.helpers import assign, course_with_modules
from tests.conftest import require_service
from tests.factories import EmployeeFactory

SETTINGS = ReminderSettings(days_before=(7,), manager_after_days=7, hour=8)
NOW = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
PEOPLE = 30


def _organisation(app: Flask) -> None:
    """A manager and PEOPLE reports: a third overdue by 7 days (overdue, on the last day the
    default late window sends it, and the manager's), a third due in 5 days (before), a
    third due today; committed, as the runs read it from other connections."""
    with app.app_context():
        require_service("PostgreSQL", "LEARNHUB_TEST_DATABASE_URL")
        assert db.engine.dialect.name == "postgresql"
        manager = EmployeeFactory()
        people = [EmployeeFactory(manager=manager) for _ in range(PEOPLE)]
        course, _, _ = course_with_modules()
        with freeze_time("2027-03-01 09:00:00"):
            assign(course, people[:10], date(2027, 3, 13))
            assign(course, people[10:20], date(2027, 3, 25))
            assign(course, people[20:], date(2027, 3, 20))
        db.session.commit()


def _concurrently(app: Flask, job: Callable[[], object], runs: int = 2) -> list[object]:
    """``job`` in ``runs`` threads started together, each in its own app context (session,
    connection) and committing its own transaction; returns their results."""
    barrier = threading.Barrier(runs)
    results: list[object] = [None] * runs

    def work(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[index] = job()
                db.session.commit()
            except Exception as error:  # reported by the assertion below
                db.session.rollback()
                results[index] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(not t.is_alive() for t in threads)
    assert not [r for r in results if isinstance(r, Exception)], results
    return results


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_two_concurrent_reminder_runs_send_each_reminder_once(app):
    _organisation(app)
    runs = _concurrently(app, lambda: send_reminders(NOW, settings=SETTINGS).emails)
    expected = 10 + 10 + 10 + 10  # overdue, manager, before, due today
    assert sorted(runs) == [0, expected]  # one run sent everything, the other nothing
    with app.app_context():
        assert _count(SentReminder) == expected
        assert _count(OutboxEmail) == expected
        addresses = db.session.scalars(select(OutboxEmail.to_address)).all()
        assert len(addresses) - len(set(addresses)) == 9  # the manager's 10, nobody else twice


def test_without_the_lock_the_unique_key_still_sends_once(app, monkeypatch):
    """The advisory lock only queues runs; the keyed INSERT … ON CONFLICT DO NOTHING is what
    makes a reminder go once. Without the lock, a run that starts while another one's rows are
    inserted but not committed waits for that commit, then inserts (and sends) nothing."""
    _organisation(app)
    monkeypatch.setattr(reminders, "advisory_lock", lambda name: None)
    first_done, second_started = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        with app.app_context():
            results["first"] = send_reminders(NOW, settings=SETTINGS).emails
            first_done.set()
            second_started.wait(timeout=30)
            time.sleep(0.5)  # the second run is now blocked on our uncommitted keys
            db.session.commit()

    def second() -> None:
        with app.app_context():
            first_done.wait(timeout=30)
            second_started.set()
            results["second"] = send_reminders(NOW, settings=SETTINGS).emails
            db.session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == {"first": 40, "second": 0}
    with app.app_context():
        assert _count(SentReminder) == 40 and _count(OutboxEmail) == 40


def test_two_concurrent_digest_runs_send_one_digest(app):
    _organisation(app)
    runs = _concurrently(app, lambda: send_digests(NOW, settings=SETTINGS).managers)
    assert sorted(runs) == [0, 1]
    with app.app_context():
        assert _count(SentDigest) == 1 and _count(OutboxEmail) == 1
