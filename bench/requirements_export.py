"""Benchmark: the required-learning CSV (learnhub.reports.requirements) against PostgreSQL's own
``COPY (SELECT …) TO STDOUT`` of the same rows, through the CLI and through HTTP, for a
baseline tree (main before the SQL path: the Python writer) and this tree (each CSV line built
in SQL, learnhub.reports.requirements_sql), side by side in one run on the same data.

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts, not tests).

    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> \\
    .venv/bin/python bench/requirements_export.py [--rows 100000,1000000] [--repeat 2] \\
        [--base 8c68e86 | --base-tree /path/to/a/checkout] [--reuse]

PostgreSQL only (COPY is the yardstick). ``--base`` is a commit of this repository, unpacked
with ``git archive`` into a temporary folder; each measurement runs in a child process whose
``sys.path`` starts with that tree (or ``--base-tree``, a checked-out tree) or this one, so
"peak RSS" is that export's own high-water mark (``ru_maxrss``, the app's imports included).
For each size the schema is rebuilt and seeded (or, with ``--reuse``, one size is read as an
earlier run left it: 1M rows take minutes to build): people (names with formula-like starts,
five time zones and none) x 2 courses, assigned by twelve rules (everyone, and ten org
units: a twentieth of the people reached by two, with two assignment ids), then one
requirement in ten each waived, completed (with and without an expiry, renewal open) or
overdue.
The yardstick is ``COPY (<the export's SELECT with its raw columns>) TO STDOUT WITH (FORMAT
csv)``; a ratio is the path's rows/s over COPY's (1.0 = as fast as COPY). The best of
``--repeat`` rounds counts (each round runs every path once, so they share the load). Every
file is compared byte for byte with the baseline's CLI file.
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

SEED = [
    "INSERT INTO org_units (code, name) SELECT 'U' || g, "
    "CASE WHEN g % 7 = 0 THEN '=Unit ' || g ELSE 'Unit, \"' || g || '\"' END "
    "FROM generate_series(1, 200) g",
    "INSERT INTO employees (employee_number, first_name, last_name, email, job_title, "
    "org_unit_id, timezone, active, source, created_at, updated_at) "
    "SELECT 'E' || lpad(g::text, 7, '0'), CASE WHEN g % 50 = 0 THEN '=cmd' ELSE 'Zoë' END, "
    "'Ōtsuka ' || g, 'e' || g || '@bench.invalid', "
    "CASE WHEN g % 3 = 0 THEN NULL ELSE 'Officer, \"grade\" ' || (g % 9) END, 1 + g % 200, "
    "(ARRAY['Europe/London', 'Europe/Helsinki', 'America/New_York', 'Asia/Kathmandu', "
    "'Pacific/Chatham', NULL])[1 + g % 6], true, 'bench', now(), now() "
    "FROM generate_series(1, :people) g",
    "UPDATE employees SET manager_id = id / 10 WHERE id >= 10",
    "INSERT INTO courses (slug, title, summary, framework_slug, published, content_sha256, "
    "updated_at) VALUES ('a', 'Course A', '', 'digcomp', true, '', now()), "
    "('b', '-Course B', '', 'digcomp', true, '', now())",
    "INSERT INTO modules (course_id, slug, position, title, minutes, body_markdown, body_html, "
    "active) SELECT c, 'm' || p, p, 'Module ' || p, 10, '', '', true "
    "FROM generate_series(1, 2) c, generate_series(1, 3) p",
]
STATUSES = [
    "UPDATE requirements SET waived_at = now() - interval '1 day' WHERE id % 10 = 0",
    "UPDATE requirements SET completed_at = timestamptz '2026-01-01 00:00:00+00' "
    "+ id * interval '1.000123 second' WHERE id % 10 = 1",
    "UPDATE requirements SET completed_at = now() - interval '300 days', "
    "expires_at = now() + interval '10 days', renewal_opens_at = now() - interval '1 day' "
    "WHERE id % 10 = 2",
    "UPDATE requirements SET due_at = now() - interval '3 days' WHERE id % 10 = 3",
    "ANALYZE",
]


def seed(rows: int, reuse: bool = False) -> tuple[int, str]:
    """Rebuild the schema and seed ``rows`` requirements; returns (rows, an exports:read
    token's secret). ``reuse``: keep what an earlier run seeded in the database (1M rows take
    minutes to build) and only make a token."""
    url = fresh_database_url(keep=reuse)
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from learnhub.app import create_app
    from learnhub.assignments import services
    from learnhub.assignments.models import AudienceKind, DueKind, Requirement
    from learnhub.auth.tokens import create_token
    from learnhub.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if reuse:
            _token, secret = create_token("bench", ["exports:read"], 1)
            db.session.commit()
            count = db.session.scalar(select(func.count(Requirement.id))) or 0
            db.session.remove()
            db.engine.dispose()
            return count, secret
        upgrade()
        for statement in SEED:
            db.session.execute(text(statement), {"people": max(1, rows // 2)})
        courses = list(db.session.scalars(text("SELECT id FROM courses ORDER BY id")))
        units = list(db.session.scalars(text("SELECT id FROM org_units WHERE id % 20 = 0")))
        for course in courses:
            services.create_assignment(
                services.AssignmentSpec(
                    course_id=course, audience=AudienceKind.EVERYONE,
                    due_kind=DueKind.AFTER_ASSIGNMENT, due_days=30, note="=everyone",
                ),
                created_by_id=None,
            )  # fmt: skip
        for unit in units:
            services.create_assignment(
                services.AssignmentSpec(
                    course_id=courses[0], audience=AudienceKind.ORG_UNIT, org_unit_id=unit,
                    due_kind=DueKind.AFTER_ASSIGNMENT, due_days=60,
                ),
                created_by_id=None,
            )  # fmt: skip
        for statement in STATUSES:
            db.session.execute(text(statement))
        _token, secret = create_token("bench", ["exports:read"], 1)
        db.session.commit()
        count = db.session.scalar(select(func.count(Requirement.id))) or 0
        db.session.remove()
        db.engine.dispose()
    return count, secret


def measure(what: str, out: Path, secret: str) -> dict:
    """One measurement in this (child) process, on the tree at the head of ``sys.path``:
    ``what`` is copy, cli or http."""
    from learnhub.app import create_app
    from learnhub.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["LEARNHUB_BENCH_DATABASE_URL"]})
    digest = hashlib.sha256()
    size = 0
    started = time.perf_counter()
    if what == "copy":
        from learnhub.core.models import utcnow
        from learnhub.reports.requirements import RequirementFilters, requirements_query

        with app.app_context():
            query = requirements_query(RequirementFilters(), utcnow())
            sql = str(
                query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
            )
            raw = db.engine.raw_connection()
            try:
                started = time.perf_counter()
                with raw.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                    for block in copy:
                        size += len(block)
            finally:
                raw.close()
    elif what == "cli":
        result = app.test_cli_runner().invoke(
            args=["reports", "export-requirements", "--out", str(out)]
        )
        if result.exit_code:
            raise SystemExit(result.output)
        with out.open("rb") as written:  # in blocks: the bench must not raise the peak itself
            while block := written.read(1 << 20):
                size += len(block)
                digest.update(block)
    else:
        response = app.test_client().get(
            "/api/v1/exports/requirements",
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


def child(tree: Path, what: str, secret: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        output = subprocess.run(
            [sys.executable, __file__, "--child", what, "--tree", str(tree), "--secret", secret,
             "--out", str(Path(tmp) / "export.csv")],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


def unpack(commit: str, into: Path) -> Path:
    """The tree of ``commit`` (this repository's), unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--base", default="8c68e86")
    parser.add_argument(
        "--base-tree", type=Path, help="a checked-out tree to compare with instead of --base"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="one size: the rows an earlier run seeded"
    )
    parser.add_argument("--child")
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--secret", default="")
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(args.tree))
        print(json.dumps(measure(args.child, args.out, args.secret)))
        return
    if "postgresql" not in os.environ.get("LEARNHUB_BENCH_DATABASE_URL", ""):
        raise SystemExit("set LEARNHUB_BENCH_DATABASE_URL to a PostgreSQL database (COPY)")
    with tempfile.TemporaryDirectory() as tmp:
        base = args.base_tree or unpack(args.base, Path(tmp))
        base_label = f"base {args.base_tree.name if args.base_tree else args.base}"
        trees = {base_label: base, "new (lines in SQL)": ROOT}
        print(f"load average {os.getloadavg()}")
        for wanted in (int(n) for n in args.rows.split(",")):
            started = time.perf_counter()
            rows, secret = seed(wanted, args.reuse)
            print(f"\n{rows:,} rows (seeded in {time.perf_counter() - started:.1f} s)")

            # rounds, each running every path once: on a shared machine the load moves
            # over minutes, so paths measured one after another in a round see the same load
            paths = [("COPY yardstick", ROOT, "copy")] + [
                (label, tree, what) for label, tree in trees.items() for what in ("cli", "http")
            ]
            runs: dict[tuple[str, str], list[dict]] = {}
            for n in range(args.repeat):
                for label, tree, what in paths:
                    runs.setdefault((label, what), []).append(child(tree, what, secret))
                print(f"  round {n + 1}: load average {os.getloadavg()}")
            best = {key: min(found, key=lambda r: r["seconds"]) for key, found in runs.items()}
            copy = best[("COPY yardstick", "copy")]
            print(
                f"  COPY yardstick          {copy['seconds']:6.2f} s "
                f"{rows / copy['seconds']:9,.0f} rows/s  peak RSS {copy['peak_rss_mb']:5.0f} MB"
            )
            digests = set()
            for label, _tree, what in paths[1:]:
                run = best[(label, what)]
                every = ", ".join(f"{r['seconds']:.1f}" for r in runs[(label, what)])
                digests.update(r["sha256"] for r in runs[(label, what)])
                print(
                    f"  {label:19} {what:4} {run['seconds']:6.2f} s "
                    f"{rows / run['seconds']:9,.0f} rows/s  "
                    f"{copy['seconds'] / run['seconds']:.2f}x COPY"
                    f"  peak RSS {run['peak_rss_mb']:5.0f} MB  {run['bytes'] / 2**20:6.1f} MB"
                    f"  (rounds: {every} s)"
                )
            same = "yes" if len(digests) == 1 else "NO"
            print(f"  base and new files byte-identical (CLI and HTTP): {same}")
            print(f"  load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
