"""Benchmark: the completions export (learnhub.reports.completions) against PostgreSQL's own
``COPY (SELECT …) TO STDOUT`` of the same rows, through the CLI and through HTTP, old path
(the Python writer: ORM rows, per-cell neutralising, Fraction grades) and new path (each CSV
line built in SQL, neutralising and rounding included, read through a server-side cursor),
side by side in one run on the same data (``LEARNHUB_EXPORT_IN_SQL`` picks the path).

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts, not tests).

    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> \\
    .venv/bin/python bench/completions_export.py [--rows 100000,1000000] [--repeat 2]

PostgreSQL only (COPY is the yardstick). For each size the schema is rebuilt and seeded with
set-based SQL (people x 2 courses x 5 active modules; 70% of the cells have progress, grades as
fractions that need rounding down, timestamps with and without microseconds, some formula-
leading names and units). Each measurement runs in a child process, so "peak RSS" is that
export's own high-water mark (``ru_maxrss``; the app's imports included). The yardstick is
``COPY (<the export's SELECT with its raw columns>) TO STDOUT WITH (FORMAT csv)``; a ratio is
the path's rows/s over COPY's (1.0 = as fast as COPY). The best of ``--repeat`` runs counts.
The old and new files are compared byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdb import fresh_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODULES = 5  # active modules per course; 2 courses, so 10 rows per person

SEED = [
    "INSERT INTO org_units (code, name) SELECT 'U' || g, "
    "CASE WHEN g % 7 = 0 THEN '=Unit ' || g ELSE 'Unit, \"' || g || '\"' END "
    "FROM generate_series(1, 200) g",
    "INSERT INTO employees (employee_number, first_name, last_name, email, job_title, "
    "org_unit_id, active, source, created_at, updated_at) "
    "SELECT 'E' || lpad(g::text, 7, '0'), CASE WHEN g % 50 = 0 THEN '@Ann' ELSE 'Ann' END, "
    "'Smith ' || g, 'e' || g || '@bench.invalid', "
    "CASE WHEN g % 3 = 0 THEN NULL ELSE 'Officer, \"grade\" ' || (g % 9) END, "
    "1 + g % 200, true, 'bench', now(), now() FROM generate_series(1, :people) g",
    "UPDATE employees SET manager_id = id / 10 WHERE id >= 10",
    "INSERT INTO courses (slug, title, summary, framework_slug, published, content_sha256, "
    "updated_at) VALUES ('a', 'Course A', '', 'digcomp', true, '', now()), "
    "('b', '-Course B', '', 'digcomp', true, '', now())",
    "INSERT INTO modules (course_id, slug, position, title, minutes, body_markdown, body_html, "
    "active) SELECT c, 'm' || p, p, 'Module ' || p || E'\\n\"two\"', 10, '', '', p <= :modules "
    "FROM generate_series(1, 2) c, generate_series(1, :modules + 1) p",
    "INSERT INTO enrolments (employee_id, course_id, source, enrolled_at) "
    "SELECT e.id, c.id, 'self', now() FROM employees e, courses c",
    "INSERT INTO module_progress (employee_id, module_id, status, started_at, completed_at, "
    "attempts, grade_exact, grade_points, max_points, passed, updated_at) "
    "SELECT e.id, m.id, CASE WHEN x % 3 = 0 THEN 'in_progress' ELSE 'completed' END, "
    "now(), CASE WHEN x % 3 = 0 THEN NULL WHEN x % 2 = 0 "
    "THEN timestamptz '2026-01-01 00:00:00+00' + x * interval '1 second' "
    "ELSE timestamptz '2026-01-01 00:00:00+00' + x * interval '1.000123 second' END, "
    "x % 4, CASE WHEN x % 3 = 0 THEN NULL WHEN x % 5 = 0 THEN '1' "
    "ELSE (x % 7) || '/' || (7 + x % 293) END, "
    "CASE WHEN x % 3 = 0 THEN NULL ELSE round((x % 7) * 10.0 / (7 + x % 293), 7) END, "
    "CASE WHEN x % 3 = 0 THEN NULL ELSE 10 END, x % 3 <> 0, now() "
    "FROM (SELECT e.id, m.id AS module_id, e.id * 7 + m.id * 13 AS x FROM employees e "
    "CROSS JOIN modules m WHERE m.active) AS pairs (eid, mid, x) "
    "JOIN employees e ON e.id = pairs.eid JOIN modules m ON m.id = pairs.mid "
    "WHERE x % 10 < 7",
    "ANALYZE",
]


def seed(rows: int) -> tuple[int, str]:
    """Rebuild the schema, seed ``rows`` export rows; returns (rows, an exports:read token)."""
    url = fresh_database_url()
    from flask_migrate import upgrade
    from sqlalchemy import text

    from learnhub.app import create_app
    from learnhub.auth.tokens import create_token
    from learnhub.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        people = max(1, rows // (2 * MODULES))
        for statement in SEED:
            db.session.execute(text(statement), {"people": people, "modules": MODULES})
        _token, secret = create_token("bench", ["exports:read"], 1)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return people * 2 * MODULES, secret


def measure(what: str, use_copy: bool, out: Path, secret: str) -> dict:
    """One measurement in this (child) process: ``what`` is copy, cli or http."""
    from learnhub.app import create_app
    from learnhub.extensions import db

    url = os.environ["LEARNHUB_BENCH_DATABASE_URL"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LEARNHUB_EXPORT_IN_SQL": use_copy})
    started = time.perf_counter()
    digest = hashlib.sha256()
    size = 0
    if what == "copy":
        from learnhub.reports.completions import completions_query

        with app.app_context():
            sql = str(
                completions_query().compile(
                    dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
                )
            )
            raw = db.engine.raw_connection()
            try:
                started = time.perf_counter()
                with raw.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                    for block in copy:
                        size += len(block)
            finally:
                raw.close()
            db.engine.dispose()
    elif what == "cli":
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(
            args=["reports", "export-completions", "--out", str(out)]
        )
        if result.exit_code:
            raise SystemExit(result.output)
        with out.open("rb") as written:  # in blocks: the bench must not raise the peak itself
            while block := written.read(1 << 20):
                size += len(block)
                digest.update(block)
    else:
        client = app.test_client()
        started = time.perf_counter()
        response = client.get(
            "/api/v1/exports/completions.csv",
            headers={"Authorization": f"Bearer {secret}"},
            buffered=False,
        )
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_encoded():
            size += len(chunk)
            digest.update(chunk)
        response.close()
    took = time.perf_counter() - started
    with app.app_context():
        db.engine.dispose()
    return {
        "seconds": took,
        "bytes": size,
        "sha256": digest.hexdigest() if what != "copy" else "",
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(what: str, use_copy: bool, secret: str, tree: Path = ROOT) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                what,
                "--copy-path" if use_copy else "--python-path",
                "--out",
                str(Path(tmp) / "export.csv"),
                "--secret",
                secret,
                "--tree",
                str(tree),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child")
    parser.add_argument("--copy-path", dest="use_copy", action="store_true", default=True)
    parser.add_argument("--python-path", dest="use_copy", action="store_false")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--secret", default="")
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument(
        "--base-tree",
        type=Path,
        help="a checked-out tree whose SQL path runs beside this tree's, instead of the "
        "Python writer (both trees' files compared byte for byte)",
    )
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(args.tree))
        print(json.dumps(measure(args.child, args.use_copy, args.out, args.secret)))
        return
    if "postgresql" not in os.environ.get("LEARNHUB_BENCH_DATABASE_URL", ""):
        raise SystemExit("set LEARNHUB_BENCH_DATABASE_URL to a PostgreSQL database (COPY)")
    for wanted in (int(n) for n in args.rows.split(",")):
        started = time.perf_counter()
        rows, secret = seed(wanted)
        print(f"\n{rows:,} rows (seeded in {time.perf_counter() - started:.1f} s)")

        def best(what: str, use_copy: bool, secret: str = secret, tree: Path = ROOT) -> dict:
            runs = [child(what, use_copy, secret, tree) for _ in range(args.repeat)]
            return min(runs, key=lambda r: r["seconds"])

        copy = best("copy", True)
        print(
            f"  COPY yardstick      {copy['seconds']:6.2f} s {rows / copy['seconds']:9,.0f} rows/s"
            f"  peak RSS {copy['peak_rss_mb']:5.0f} MB"
        )
        digests = {}
        paths = [("old (Python writer)", False, ROOT), ("new (lines in SQL)", True, ROOT)]
        if args.base_tree:
            paths[0] = (f"{args.base_tree.name} (in SQL)", True, args.base_tree)
        print(f"  load average {os.getloadavg()}")
        for label, use_copy, tree in paths:
            for what in ("cli", "http"):
                run = best(what, use_copy, tree=tree)
                digests[(label, what)] = run["sha256"]
                print(
                    f"  {label:19} {what:4} {run['seconds']:6.2f} s "
                    f"{rows / run['seconds']:9,.0f} rows/s  "
                    f"{copy['seconds'] / run['seconds']:.2f}x COPY"
                    f"  peak RSS {run['peak_rss_mb']:5.0f} MB  {run['bytes'] / 2**20:6.1f} MB"
                )
        same = len(set(digests.values())) == 1
        print(f"  old and new files byte-identical (CLI and HTTP): {'yes' if same else 'NO'}")
        print(f"  load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
