"""Benchmark: required learning at scale (issue 10) — preview, create and materialise an
assignment to everyone, and the reminder run and the weekly digest over every requirement.

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts, not tests).

    .venv/bin/python bench/assignments.py [--employees 100000] [--fanout 8]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...

It builds an organisation of --employees people (a reporting tree, --fanout reports each,
people spread over five time zones, a tenth of them with the course already passed), then
times, on that one database:

- ``preview`` of an assignment of a content course to everyone (30 days after assignment);
- ``create_assignment`` of it (check, store, materialise targets and requirements, enrol,
  count prior completions) and its commit; then materialising it again (nothing changed:
  what a rule costs when re-applied);
- with the requirements' due dates spread from 30 days ago to 30 days ahead, the reminder
  run (``send_reminders``, LEARNHUB_REMINDER_DAYS_BEFORE=7, the manager after 7 days, late
  reminders never back-sent after LEARNHUB_REMINDER_LATE_WINDOW_DAYS=7): the first run (a
  first deployment: only what became late within the window is reminded), the next
  hourly run (everything already sent: the steady state) and the next day's run; each with
  its commit, the number of SQL statements and of emails queued;
- the weekly manager digest (first run, and the same week again).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from benchdb import fresh_database_url
from people import analyze, content, people
from sqlalchemy import event, func, insert, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ZONES = ["Europe/London", "Europe/Helsinki", "America/New_York", "Asia/Kolkata", None]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--fanout", type=int, default=8)
    parser.add_argument("--slowest", type=int, default=0, help="print each step's N slowest SQL")
    args = parser.parse_args()
    url = fresh_database_url()

    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.assignments import materialise, services
    from learnhub.assignments.digest import send_digests
    from learnhub.assignments.models import AudienceKind, DueKind, Requirement
    from learnhub.assignments.reminders import ReminderSettings, send_reminders
    from learnhub.catalog.models import Course, Module
    from learnhub.core.mail import OutboxEmail
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.org.time_zones import end_of_day, zone_named
    from learnhub.quizzes.models import Attempt, Quiz

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LEARNHUB_SMTP_HOST": None})
    with app.app_context():
        engine = db.engine
        print(f"database: {engine.dialect.name}, {args.employees:,} employees")
        upgrade()
        content()
        rng = random.Random(10)
        started = time.perf_counter()
        ids, _closure = people(
            args.employees,
            args.fanout,
            extra=lambda n: {
                "timezone": ZONES[n % len(ZONES)],
                "hire_date": date(2020, 1, 1) + timedelta(days=n % 2000),
            },
        )
        course = db.session.scalars(
            select(Course).where(Course.published.is_(True)).order_by(Course.id)
        ).first()
        assert course is not None, "no published course in content/"
        quizzes = db.session.scalars(
            select(Quiz.id)
            .join(Module, Module.id == Quiz.module_id)
            .where(Module.course_id == course.id, Module.active.is_(True), Quiz.is_current)
        ).all()
        now = utcnow().replace(hour=14, minute=0, second=0, microsecond=0)
        passers = rng.sample(ids, len(ids) // 10)
        db.session.execute(
            insert(Attempt),
            [
                {
                    "quiz_id": quiz,
                    "employee_id": person,
                    "number": 1,
                    "state": "submitted",
                    "layout": {},
                    "started_at": now - timedelta(days=40),
                    "submitted_at": now - timedelta(days=40),
                    "passed": True,
                }
                for person in passers
                for quiz in quizzes
            ],
        )
        db.session.commit()
        analyze()
        print(f"organisation built in {time.perf_counter() - started:.1f} s")
        print(f"course: {course.title!r} ({len(quizzes)} modules)")

        statements: list[str] = []
        durations: list[tuple[float, str]] = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

        @event.listens_for(engine, "before_cursor_execute")
        def _started(conn, *_: object) -> None:
            conn.info["bench_started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _ended(conn, _cursor, statement, *_: object) -> None:
            durations.append((time.perf_counter() - conn.info["bench_started"], statement))

        def timed(label: str, action: Callable[[], object]) -> object:
            statements.clear()
            durations.clear()
            began = time.perf_counter()
            result = action()
            db.session.commit()
            took = time.perf_counter() - began
            print(f"{label:<44} {took:8.2f} s  {len(statements):5d} statements")
            for seconds, sql in sorted(durations, reverse=True)[: args.slowest]:
                print(f"    {seconds:7.2f} s  {' '.join(sql.split())[:110]}")
            return result

        spec = services.AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.EVERYONE,
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=30,
        )
        preview = timed("preview (everyone)", lambda: services.preview(spec))
        print(f"  {preview}")
        assignment = timed(
            "create + materialise (everyone)",
            lambda: services.create_assignment(spec, created_by_id=None),
        )
        timed("materialise again (nothing changed)", lambda: materialise.materialise(assignment))
        requirements = db.session.scalar(select(func.count(Requirement.id)))
        completed = db.session.scalar(
            select(func.count(Requirement.id)).where(Requirement.completed_at.is_not(None))
        )
        print(f"  requirements: {requirements:,} ({completed:,} completed before)")

        # due dates spread over 61 local days, from 30 days ago to 30 days ahead, by employee
        # id (the same people on every database), scattered over the reporting tree
        brussels = zone_named("")
        for offset in range(61):
            day = (now + timedelta(days=offset - 30)).date()
            db.session.execute(
                update(Requirement)
                .where(Requirement.employee_id * 37 % 61 == offset)
                .values(due_at=end_of_day(day, brussels))
            )
        db.session.commit()
        analyze()
        settings = ReminderSettings(days_before=(7,), manager_after_days=7, hour=8)
        for label, at in (
            ("reminders: first run (late: 7 days back)", now),
            ("reminders: the next hourly run (all sent)", now + timedelta(hours=1)),
            ("reminders: the next day's run", now + timedelta(days=1)),
        ):
            result = timed(label, lambda at=at: send_reminders(at, settings=settings))
            sent = ", ".join(f"{n:,} {kind}" for kind, n in result.sent.items())  # type: ignore[attr-defined]
            print(f"  sent: {sent} ({result.emails:,} emails)")  # type: ignore[attr-defined]
        monday = now - timedelta(days=now.weekday())
        digest = timed("digest: first run of the week", lambda: send_digests(monday))
        print(f"  managers emailed: {digest.managers:,}")  # type: ignore[attr-defined]
        timed("digest: the same week again", lambda: send_digests(monday + timedelta(hours=5)))
        queued = db.session.scalar(select(func.count(OutboxEmail.id)))
        print(f"outbox: {queued:,} emails queued in all")
        db.session.remove()
        engine.dispose()


if __name__ == "__main__":
    main()
