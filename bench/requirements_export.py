"""Benchmark: the required-learning export (learnhub.reports.requirements) over N people with
every published course assigned to everyone, so N x courses requirement rows.

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts, not tests).

    .venv/bin/python bench/requirements_export.py [--employees 100000]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> ...

For each format (CSV, JSON Lines, XLSX) the export is written to a temporary file and timed
(rows a second); "peak MB" is the Python heap's peak while writing (tracemalloc, measured in a
second, separate run so that tracing does not slow the timed one): flat means it does not grow
with the rows. On PostgreSQL the same rows' plain ``COPY (SELECT …) TO STDOUT`` of the
requirements joined to their people is timed as the yardstick (DESIGN.md: an export at a third
of COPY's rate or better).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchdb import fresh_database_url
from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ZONES = ["Europe/London", "Europe/Helsinki", "Europe/Lisbon", None]


def _write(fmt: str, records, path: Path) -> None:
    from learnhub.reports.formats import csv_text, jsonl_text, write_xlsx

    if fmt == "xlsx":
        with path.open("wb") as handle:
            write_xlsx(records, handle)
        return
    write = csv_text if fmt == "csv" else jsonl_text
    with path.open("w", encoding="utf-8", newline="") as handle:
        for chunk in write(records):
            handle.write(chunk)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,jsonl,xlsx")
    args = parser.parse_args()
    url = fresh_database_url()

    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.assignments import services
    from learnhub.assignments.models import AudienceKind, DueKind, Requirement
    from learnhub.catalog.loader import load_content
    from learnhub.catalog.models import Course
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.org.models import Employee, OrgUnit
    from learnhub.reports.requirements import RequirementFilters, requirement_records

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_content(ROOT / "content")
        db.session.commit()
        rng = random.Random(7)
        db.session.execute(
            insert(OrgUnit), [{"code": f"U{n}", "name": f"Unit {n}"} for n in range(200)]
        )
        units = list(db.session.scalars(select(OrgUnit.id)))
        db.session.execute(
            insert(Employee),
            [
                {
                    "employee_number": f"B{n:07d}",
                    "first_name": "Bench",
                    "last_name": str(n),
                    "email": f"b{n}@bench.invalid",
                    "org_unit_id": rng.choice(units),
                    "timezone": rng.choice(ZONES),
                    "active": True,
                    "source": "bench",
                }
                for n in range(args.employees)
            ],
        )
        db.session.commit()
        started = time.perf_counter()
        courses = list(db.session.scalars(select(Course.id).where(Course.published.is_(True))))
        for course_id in courses:
            services.create_assignment(
                services.AssignmentSpec(
                    course_id=course_id,
                    audience=AudienceKind.EVERYONE,
                    due_kind=DueKind.AFTER_ASSIGNMENT,
                    due_days=30,
                ),
                created_by_id=None,
            )
        db.session.commit()
        rows = db.session.scalar(select(db.func.count(Requirement.id)))
        print(
            f"{db.engine.dialect.name}: {args.employees:,} people x {len(courses)} courses = "
            f"{rows:,} requirements (assigned in {time.perf_counter() - started:.1f} s)"
        )
        if db.engine.dialect.name == "postgresql":
            sql = (
                "COPY (SELECT e.employee_number, e.first_name, e.last_name, e.email, "
                "r.assigned_at, r.due_at, r.completed_at, r.expires_at FROM requirements r "
                "JOIN employees e ON e.id = r.employee_id ORDER BY e.employee_number) TO STDOUT "
                "WITH (FORMAT csv)"
            )
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                started = time.perf_counter()
                with cursor.copy(sql) as copy:  # type: ignore[attr-defined]
                    for _ in copy:
                        pass
                took = time.perf_counter() - started
            finally:
                raw.close()
            print(f"  COPY yardstick: {took:.2f} s, {rows / took:,.0f} rows/s")
        with tempfile.TemporaryDirectory() as tmp:
            for fmt in args.formats.split(","):
                path = Path(tmp) / f"export.{fmt}"
                db.session.rollback()
                started = time.perf_counter()
                _write(fmt, requirement_records(RequirementFilters(), utcnow()), path)
                took = time.perf_counter() - started
                db.session.rollback()
                tracemalloc.start()
                _write(fmt, requirement_records(RequirementFilters(), utcnow()), path)
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                print(
                    f"  {fmt:5}: {took:6.2f} s, {rows / took:8,.0f} rows/s, "
                    f"{path.stat().st_size / 2**20:6.1f} MB file, peak heap {peak:5.1f} MB"
                )
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
