"""Benchmark: the xAPI "was assigned" statements of an assignment to everyone (issue 15), made
set-based. Prints figures; asserts nothing.

    .venv/bin/python bench/assigned_statements.py [--employees 20000]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...

On one database of --employees people, in the same run: ``create_assignment`` of one course
to everyone with the statements switched off (the baseline: what assigning cost before), then
of another course with them on; each with its commit. Prints both times, the ratio, and the
statements stored (one per person).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchdb import fresh_database_url
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=20_000)
    args = parser.parse_args()
    url = fresh_database_url()

    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.assignments import materialise, services
    from learnhub.assignments.models import AudienceKind, DueKind
    from learnhub.catalog.loader import load_content
    from learnhub.catalog.models import Course
    from learnhub.extensions import db
    from learnhub.org.models import Employee
    from learnhub.progress.models import XapiStatement

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LEARNHUB_SMTP_HOST": None})
    with app.app_context():
        print(f"database: {db.engine.dialect.name}, {args.employees:,} employees")
        upgrade()
        load_content(ROOT / "content")
        db.session.execute(
            insert(Employee),
            [
                {
                    "employee_number": f"B{n:07d}",
                    "first_name": "Bench",
                    "last_name": str(n),
                    "email": f"b{n}@bench.invalid",
                    "active": True,
                    "source": "bench",
                }
                for n in range(args.employees)
            ],
        )
        db.session.commit()
        courses = db.session.scalars(
            select(Course).where(Course.published.is_(True)).order_by(Course.id)
        ).all()[:2]
        real = materialise.record_assigned
        times = []
        for course, stated in ((courses[0], False), (courses[1], True)):
            materialise.record_assigned = real if stated else (lambda *a, **k: 0)  # type: ignore[assignment]
            started = time.perf_counter()
            services.create_assignment(
                services.AssignmentSpec(
                    course_id=course.id,
                    audience=AudienceKind.EVERYONE,
                    due_kind=DueKind.AFTER_ASSIGNMENT,
                    due_days=30,
                ),
                created_by_id=None,
            )
            db.session.commit()
            times.append(time.perf_counter() - started)
            label = "with statements" if stated else "without (baseline)"
            print(f"create_assignment to everyone, {label}: {times[-1]:.2f} s")
        materialise.record_assigned = real
        count = db.session.scalar(select(func.count()).select_from(XapiStatement))
        print(f"statements stored: {count:,}; ratio with/without: {times[1] / times[0]:.2f}")


if __name__ == "__main__":
    main()
