"""Benchmark: closing a skill gap at scale (issue 11) — the learning hours of every gap from a
director's stored summary, and the proposal for one competence over a whole organisation.

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts, not tests).

    .venv/bin/python bench/gap_closing.py [--employees 100000] [--fanout 8]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...

It builds --employees case officers in a reporting tree (--fanout reports each): a third with
evidence of 4.2 at level 1, a tenth with the level-1 module of 4.2 completed, stores every team
summary, then times, for the person at the top (everyone below them) and for a manager of
about a thousand:

- the team view (``team_view``: the team page and API) and, inside it, the learning hours of
  every gap (``team_gap_costs`` over the stored buckets: no query per person);
- the proposal for 4.2 (``propose``: the people with the gap, the ladder of modules, what each
  already completed or has required), with its number of SQL statements.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchdb import fresh_database_url
from people import analyze, content, people
from sqlalchemy import event, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--fanout", type=int, default=8)
    parser.add_argument("--slowest", type=int, default=0, help="print each step's N slowest SQL")
    args = parser.parse_args()
    url = fresh_database_url()

    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.catalog.models import Module
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.org.models import Employee, JobRole, ReportingLine
    from learnhub.progress.models import ModuleProgress
    from learnhub.reports import closing
    from learnhub.reports.gap_cost import team_gap_costs
    from learnhub.reports.team import team_view
    from learnhub.skills.models import Competence, Evidence
    from learnhub.skills.rollup import store_all_summaries
    from learnhub.skills.summaries import get_summary

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LEARNHUB_SMTP_HOST": None})
    with app.app_context():
        engine = db.engine
        print(f"database: {engine.dialect.name}, {args.employees:,} employees")
        upgrade()
        content()
        role = JobRole(code="CASE_OFF", title="Case officer")
        db.session.add(role)
        db.session.commit()
        started = time.perf_counter()
        ids, _closure = people(args.employees, args.fanout, role_ids=[role.id])
        c42 = db.session.scalars(select(Competence).where(Competence.code == "4.2")).first()
        assert c42 is not None
        now = utcnow()
        db.session.execute(
            insert(Evidence),
            [
                {
                    "employee_id": e,
                    "competence_id": c42.id,
                    "level_number": 1,
                    "kind": "prior_learning",
                    "source": f"bench:{e}",
                    "achieved_at": now,
                }
                for e in ids[::3]
            ],
        )
        level_1 = db.session.scalar(select(Module.id).where(Module.slug == "what-personal-data-is"))
        db.session.execute(
            insert(ModuleProgress),
            [
                {"employee_id": e, "module_id": level_1, "status": "completed", "completed_at": now}
                for e in ids[1::10]
            ],
        )
        db.session.commit()
        store_all_summaries()
        db.session.commit()
        analyze()
        print(f"organisation built in {time.perf_counter() - started:.1f} s")

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
            took = time.perf_counter() - began
            print(f"{label:<52} {took * 1000:9.1f} ms  {len(statements):4d} statements")
            for seconds, sql in sorted(durations, reverse=True)[: args.slowest]:
                print(f"    {seconds * 1000:9.1f} ms  {' '.join(sql.split())[:100]}")
            db.session.rollback()
            return result

        top = ids[0]
        middle = db.session.scalar(
            select(ReportingLine.ancestor_id)
            .group_by(ReportingLine.ancestor_id)
            .having(db.func.count() >= 500)
            .order_by(db.func.count())
            .limit(1)
        )
        framework_id = c42.framework_id
        for who, manager_id in (("top", top), ("a manager of ~1,000", middle)):
            size = db.session.scalar(
                select(db.func.count()).where(ReportingLine.ancestor_id == manager_id)
            )
            print(f"-- {who}: {size:,} people below")
            timed("team view (page 1 of people)", lambda m=manager_id: team_view(m))
            summary = get_summary(manager_id, framework_id)
            buckets = summary.data["buckets"] if summary else []
            costs = timed(
                f"learning hours of every gap ({len(buckets)} buckets)",
                lambda b=buckets: team_gap_costs(b),
            )
            cost = costs[str(c42.id)]  # type: ignore[index]
            print(f"  4.2: {cost['people']:,} people, {cost['hours']:,} hours")
            manager = db.session.get(Employee, manager_id)
            found = closing.find_competence("4.2", None)
            proposal = timed(
                "proposal for 4.2",
                lambda m=manager, f=found: closing.propose(m, f[0], f[1]),
            )
            groups = ", ".join(
                f"{len(g.people):,} at {g.attained} ({len(g.path.modules)} modules)"
                for g in proposal.groups  # type: ignore[attr-defined]
            )
            print(f"  {proposal.people:,} people, {proposal.hours:,} hours: {groups}")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
