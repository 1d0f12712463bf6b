"""Benchmark: every team skill-gap summary at once against one hand-written SQL statement over a
closure table, one manager chain after one new piece of evidence, and the team page.

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts, not tests).

    .venv/bin/python bench/team_summaries.py [--employees 20000] [--fanout 8] [--runs 3]
        [--load-seconds 0 --rate 30] [--reuse]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...

It builds an organisation as a tree (each manager has --fanout reports), gives everyone a job
code with a target profile from content/roles/, random evidence for about a third of the
(person, competence) targets, then prints, all on that one database:

- LearnHub's full recompute (``store_all_summaries``, the nightly task; median of --runs) and
  the number of SQL statements it sends (an executemany counts once per parameter set);
- the reference: one hand-written statement over a closure table of the reporting tree
  (``bench_closure``, built here by a recursive CTE and timed apart) that computes the same
  summaries for every manager (median of --runs; its rows are fetched), and the ratio;
- the chain recompute after one new piece of evidence (what a passed quiz triggers);
- the team page (``team_view``, median of --runs after one warm-up) for the director, one level
  down and a team lead;
- with ``--load-seconds N [--rate 30]`` (PostgreSQL and Redis only), chain freshness under a
  stated load: a real worker, ``rate`` evidence commits a second for N seconds, the time until
  each commit's manager chain is stored again (p50/p95/max), full recomputes and the most that
  held the summaries lock at once (``bench/freshness.py``);
- the trend snapshots' time and storage a day and a month (``bench/snapshot_cost.py``).

``--reuse`` (PostgreSQL) keeps the organisation an earlier run built in that database (only
migrations are applied): a 100,000-people build takes minutes. Copy it first to compare two
commits on the same data (``CREATE DATABASE b TEMPLATE a``): a run adds the load's evidence.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchdb import fresh_database_url
from people import analyze, content, evidence, people, profile_roles
from people import targets as target_rows
from snapshot_cost import print_snapshot_cost
from sqlalchemy import delete, event, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: the reference: every manager's summary per competence from one statement over a closure
#: table (ancestor, descendant) of the reporting tree; {levels} expands to one column per level
REFERENCE = """
WITH attained AS (
    SELECT employee_id, competence_id, max(level_number) AS lvl
    FROM evidence
    WHERE kind IN ('quiz_passed', 'manager_validation', 'prior_learning')
      AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
    GROUP BY employee_id, competence_id
), person AS (
    SELECT e.id AS employee_id, tp.framework_id, tl.competence_id,
           tl.level_number AS target, coalesce(a.lvl, 0) AS lvl
    FROM employees e
    JOIN job_roles r ON r.id = e.job_role_id
    JOIN profile_job_codes pj ON pj.job_code = r.code
    JOIN target_profiles tp ON tp.id = pj.profile_id
    JOIN target_levels tl ON tl.profile_id = tp.id
    LEFT JOIN attained a ON a.employee_id = e.id AND a.competence_id = tl.competence_id
    WHERE e.active
), targeted_roles AS (
    SELECT DISTINCT r.id FROM job_roles r
    JOIN profile_job_codes pj ON pj.job_code = r.code
    JOIN target_levels tl ON tl.profile_id = pj.profile_id
), managers AS (
    SELECT m.id FROM employees m
    WHERE m.active AND EXISTS (SELECT 1 FROM employees r WHERE r.manager_id = m.id AND r.active)
), heads AS (
    SELECT c.ancestor_id AS manager_id, count(*) AS headcount,
           sum(CASE WHEN e.job_role_id IN (SELECT id FROM targeted_roles) THEN 1 ELSE 0 END)
               AS people_with_targets
    FROM bench_closure c
    JOIN employees e ON e.id = c.descendant_id AND e.active
    WHERE c.ancestor_id IN (SELECT id FROM managers)
    GROUP BY c.ancestor_id
), cells AS (
    SELECT c.ancestor_id AS manager_id, p.framework_id, p.competence_id,
           count(*) AS with_target,
           sum(CASE WHEN p.lvl >= p.target THEN 1 ELSE 0 END) AS meeting,
           sum(CASE WHEN p.target > p.lvl THEN p.target - p.lvl ELSE 0 END) AS gap_sum,
           max(CASE WHEN p.target > p.lvl THEN p.target - p.lvl ELSE 0 END) AS max_gap
           {levels}
    FROM bench_closure c JOIN person p ON p.employee_id = c.descendant_id
    WHERE c.ancestor_id IN (SELECT id FROM managers)
    GROUP BY c.ancestor_id, p.framework_id, p.competence_id
)
SELECT h.manager_id, h.headcount, h.people_with_targets, cells.*
FROM heads h LEFT JOIN cells ON cells.manager_id = h.manager_id
"""

CLOSURE = """
CREATE TABLE bench_closure AS
WITH RECURSIVE up(descendant_id, ancestor_id) AS (
    SELECT id, manager_id FROM employees WHERE manager_id IS NOT NULL
    UNION ALL
    SELECT up.descendant_id, e.manager_id FROM up JOIN employees e ON e.id = up.ancestor_id
    WHERE e.manager_id IS NOT NULL
)
SELECT ancestor_id, descendant_id FROM up
"""


def timed(action: Callable[[], object], runs: int) -> tuple[float, list[float], object]:
    """(median seconds, every run's seconds, the last result) of ``action`` run ``runs`` times."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--fanout", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--load-seconds", type=float, default=0, help="then chain freshness under load (0: off)"
    )
    parser.add_argument("--rate", type=float, default=30, help="evidence commits a second")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="the database holds an organisation this script built before: keep it (PostgreSQL)",
    )
    args = parser.parse_args()
    url = fresh_database_url(keep=args.reuse)

    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.org.models import Employee
    from learnhub.org.services import all_manager_ids, subtree_ids_query
    from learnhub.reports.team import team_view
    from learnhub.skills.models import RecomputeRequest, TeamSummary
    from learnhub.skills.rollup import WORK_MEM, store_all_summaries
    from learnhub.skills.tasks import compute_team_summaries

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        if args.reuse:
            ids, targets, evidence_rows, lines_built = _reused()
        else:
            ids, targets, evidence_rows, lines_built = _build(args.employees, args.fanout)
        managers = all_manager_ids()
        print(
            f"database: {db.engine.dialect.name}; employees: {len(ids)}; managers: "
            f"{len(managers)}; targets: {len(targets)}; evidence rows: {evidence_rows}; "
            + ("reused" if args.reuse else f"built in {time.perf_counter() - started:.1f} s")
            + f" (LearnHub's reporting-line closure: {lines_built:.2f} s); load average {_load()}"
        )

        # --- the reference: one hand-written statement over a closure table
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS bench_closure"))
            built_at = time.perf_counter()
            connection.execute(text(CLOSURE))
            built = time.perf_counter() - built_at
        analyze()
        levels = max(len(f.levels) for f in _frameworks())
        postgres = db.engine.dialect.name == "postgresql"
        sql = text(
            REFERENCE.format(
                levels="".join(
                    f", sum(CASE WHEN p.lvl = {n} THEN 1 ELSE 0 END) AS level_{n}"
                    for n in range(levels + 1)
                )
            )
        )

        def reference() -> int:
            with db.engine.connect() as connection:
                if postgres:  # the same memory for sorts and hashes as LearnHub's recompute
                    connection.execute(text(f"SET work_mem = '{WORK_MEM}'"))
                return len(connection.execute(sql, {"now": utcnow()}).all())

        # --- LearnHub's full recompute, its statements counted
        statements = [0]

        def count(_conn, _cursor, _statement, parameters, _context, executemany) -> None:
            statements[0] += len(parameters) if executemany else 1

        def full() -> int:
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                stored = store_all_summaries()
                db.session.commit()
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            return stored

        full()  # the first run creates every row; the timed ones replace them
        # the request for everyone that migration 0008 recorded is covered: the chain
        # recompute below must find only its own
        db.session.execute(delete(RecomputeRequest))
        db.session.commit()
        first_statements, statements[0] = statements[0], 0
        # taken in turns, so a change in the machine's load falls on both alike
        our_runs, their_runs = [], []
        for _ in range(args.runs):
            our_runs.append(timed(full, 1)[0])
            their_runs.append(timed(reference, 1)[0])
        stored = db.session.scalar(select(func.count()).select_from(TeamSummary))
        cells = reference()
        ours, theirs = statistics.median(our_runs), statistics.median(their_runs)
        print(
            f"LearnHub full recompute (store_all_summaries): {stored} summaries, median "
            f"{ours:.2f} s of {_runs(our_runs)}; {statements[0] // args.runs} SQL statements "
            f"a run ({first_statements} on the first, empty-table run)"
        )
        print(
            f"closure-table SQL statement: {cells} (manager, competence) rows, median "
            f"{theirs:.2f} s of {_runs(their_runs)} (closure built in {built:.2f} s"
            + (f"; work_mem {WORK_MEM} as for LearnHub" if postgres else "")
            + "; runs alternate with LearnHub's)"
        )
        print(f"ratio LearnHub / closure statement: {ours / theirs:.2f} (goal <= 1.0)")

        # --- one new piece of evidence: the chain above a leaf
        leaf = ids[-1]
        started = time.perf_counter()
        result = compute_team_summaries.run(employee_ids=[leaf])
        print(
            f"one new piece of evidence: chain of {result['managers']} managers recomputed "
            f"in {time.perf_counter() - started:.3f} s (target: within 1 s)"
        )

        # --- the team page
        director = ids[0]
        lead = db.session.scalar(select(Employee.manager_id).where(Employee.id == leaf))
        below = ids[1]
        for label, manager_id in (
            ("director", director),
            ("one level down", below),
            ("team lead", lead),
        ):
            size = db.session.scalar(
                select(func.count()).select_from(subtree_ids_query(manager_id).subquery())
            )

            def view(manager_id: int = manager_id) -> dict:
                data = team_view(manager_id)
                db.session.rollback()
                return data

            view()  # warm-up
            page, page_runs, _ = timed(view, args.runs)
            print(
                f"team page ({label}, {size} people below): median {1000 * page:.0f} ms "
                f"of {_runs(page_runs, ms=True)} (goal for the director: under 300 ms)"
            )
        print_snapshot_cost(targets, app.config["LEARNHUB_TREND_RETENTION_DAYS"])
        print(f"load average at the end: {_load()}")
        db.session.remove()
        db.engine.dispose()
    if args.load_seconds:  # last, so that the figures above are the same with or without it
        from freshness import run_load

        run_load(url, ids, args.fanout, targets, args.load_seconds, args.rate)


def _build(employees: int, fanout: int) -> tuple[list[int], list, int, float]:
    """Fill the empty bench database (bench/people.py): content, job roles, ``employees``
    people in a tree of ``fanout``, evidence for about a third of the targets. Returns
    (employee ids in order, targets as (employee id, competence id, target level), evidence
    rows, seconds the reporting-line closure took)."""
    rng = random.Random(7)
    content()
    ids, lines_built = people(employees, fanout, role_ids=profile_roles(), rng=rng)
    found = target_rows()
    return ids, found, evidence(found, rng), lines_built


def _reused() -> tuple[list[int], list, int, float]:
    """What :func:`_build` returns, read from a database it filled before (``--reuse``); the
    reporting-line closure is not rebuilt (0 s)."""
    from learnhub.extensions import db
    from learnhub.org.models import Employee
    from learnhub.skills.models import Evidence

    ids = list(db.session.scalars(select(Employee.id).order_by(Employee.id)))
    rows = db.session.scalar(select(func.count()).select_from(Evidence)) or 0
    return ids, target_rows(), rows, 0.0


def _frameworks():
    from learnhub.skills.services import frameworks_with_profiles

    return frameworks_with_profiles()


def _runs(times: list[float], ms: bool = False) -> str:
    if ms:
        return ", ".join(f"{1000 * t:.0f}" for t in times) + " ms"
    return ", ".join(f"{t:.2f}" for t in times) + " s"


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()
