"""Benchmark: what the upload request of a large HR file costs, planned in the request (as
before issue 13's jobs, :func:`learnhub.org.import_previews.stage_preview`, unchanged) and
handed to a worker (:func:`learnhub.org.import_jobs.start_planning`: the cheap row count, the
file kept, the run recorded; the task queued, not run); and the cheap count alone, for a CSV
and an XLSX. SQLite (the row path) unless LEARNHUB_BENCH_DATABASE_URL. Prints figures; asserts
nothing.

    .venv/bin/python bench/hr_import_job.py [--rows 45000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import fresh_database_url

HEADER = (
    "employee_number,first_name,last_name,email,job_code,job_title,org_unit,"
    "manager_employee_number,hire_date\n"
)


def csv_file(rows: int) -> bytes:
    lines = [HEADER]
    for n in range(rows):
        manager = f"B{(n - 1) // 8:06d}" if n else ""
        lines.append(
            f"B{n:06d},Ann{n},Lee{n},ann.lee{n}@example.org,CASE_OFF,Case Officer,"
            f"Unit {n // 100},{manager},2020-01-01\n"
        )
    return "".join(lines).encode()


def xlsx_file(data: bytes) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for line in data.decode().splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=45_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    url = fresh_database_url()
    from learnhub.app import create_app
    from learnhub.extensions import db
    from learnhub.org import import_jobs, import_previews
    from learnhub.org.import_runs import RunChannel
    from learnhub.org.import_service import Actor, ImportRequest

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LEARNHUB_INVITE_ON_IMPORT": False})
    data = csv_file(args.rows)
    book = xlsx_file(data)
    actor = Actor(RunChannel.PAGE)
    with app.app_context():
        db.create_all()
        print(f"{args.rows:,} rows; database {db.engine.dialect.name}")
        for name, blob in (("people.csv", data), ("people.xlsx", book)):
            started = time.perf_counter()
            rows = import_jobs.count_rows(blob, name)
            counted = time.perf_counter() - started
            size = len(blob) / 2**20
            print(f"{name}: {size:.1f} MB; count_rows {rows:,} in {counted * 1000:.1f} ms")
        for round_ in range(1, args.rounds + 1):
            for name, blob in (("people.csv", data), ("people.xlsx", book)):
                request = ImportRequest(data=blob, file_name=name, source="bench")
                started = time.perf_counter()
                import_previews.stage_preview(request, actor)
                db.session.commit()
                before = time.perf_counter() - started
                with mock.patch.object(import_jobs, "_queue", lambda run: None):
                    started = time.perf_counter()
                    rows = import_jobs.count_rows(blob, name)
                    import_jobs.start_planning(request, actor, rows)
                    db.session.commit()
                    after = time.perf_counter() - started
                print(
                    f"round {round_} {name}: upload request planned in it {before:.2f} s -> "
                    f"handed to a worker {after:.3f} s"
                )


if __name__ == "__main__":
    main()
