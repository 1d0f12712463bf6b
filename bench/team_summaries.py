"""Benchmark: recomputing team skill-gap summaries, and one new piece of evidence.

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts, not tests).

    .venv/bin/python bench/team_summaries.py [--employees 20000] [--fanout 8]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...

It builds an organisation as a tree (each manager has --fanout reports), gives everyone a job
code with a target profile from content/roles/, random evidence for about a third of the
(person, competence) targets, then times: all summaries (the nightly run), and the recompute
of one manager chain after one new piece of evidence (what a passed quiz triggers).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from benchdb import fresh_database_url
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--fanout", type=int, default=8)
    parser.add_argument(
        "--per-manager",
        action="store_true",
        help="also time one SQL aggregate per manager (slow at scale)",
    )
    args = parser.parse_args()
    url = fresh_database_url()

    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.catalog.loader import load_content
    from learnhub.extensions import db
    from learnhub.org.models import Employee, JobRole
    from learnhub.org.services import all_manager_ids
    from learnhub.skills.models import Evidence, ProfileJobCode, TargetLevel, TargetProfile
    from learnhub.skills.rollup import store_all_summaries
    from learnhub.skills.services import frameworks_with_profiles
    from learnhub.skills.summaries import store_summary
    from learnhub.skills.tasks import compute_team_summaries

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_content(ROOT / "content")
        db.session.commit()
        rng = random.Random(7)
        codes = list(db.session.scalars(select(ProfileJobCode.job_code)))
        db.session.execute(insert(JobRole), [{"code": c, "title": c} for c in codes])
        role_ids = dict(db.session.execute(select(JobRole.code, JobRole.id)).all())
        started = time.perf_counter()
        rows = []
        for n in range(args.employees):
            rows.append(
                {
                    "employee_number": f"B{n:07d}",
                    "first_name": "Bench",
                    "last_name": str(n),
                    "email": f"b{n}@bench.invalid",
                    "job_role_id": role_ids[rng.choice(codes)],
                    "active": True,
                    "source": "bench",
                }
            )
        db.session.execute(insert(Employee), rows)
        ids = list(db.session.scalars(select(Employee.id).order_by(Employee.id)))
        # a tree: employee i reports to employee (i - 1) // fanout
        db.session.execute(
            Employee.__table__.update()
            .where(Employee.id == db.bindparam("eid"))
            .values(manager_id=db.bindparam("mid")),
            [{"eid": ids[i], "mid": ids[(i - 1) // args.fanout]} for i in range(1, len(ids))],
        )
        targets = db.session.execute(
            select(Employee.id, TargetLevel.competence_id, TargetLevel.level_number)
            .join(JobRole, Employee.job_role_id == JobRole.id)
            .join(ProfileJobCode, ProfileJobCode.job_code == JobRole.code)
            .join(TargetProfile, TargetProfile.id == ProfileJobCode.profile_id)
            .join(TargetLevel, TargetLevel.profile_id == TargetProfile.id)
        ).all()
        from learnhub.core.models import utcnow

        now = utcnow()
        evidence = [
            {
                "employee_id": e,
                "competence_id": c,
                "level_number": rng.randint(1, t),
                "kind": "quiz_passed",
                "source": f"bench:{e}:{c}",
                "achieved_at": now,
            }
            for e, c, t in targets
            if rng.random() < 0.33
        ]
        for start in range(0, len(evidence), 20_000):
            db.session.execute(insert(Evidence), evidence[start : start + 20_000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # fresh bulk-loaded tables have no statistics yet (autovacuum would gather them)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        print(
            f"database: {db.engine.dialect.name}; employees: {len(ids)}; "
            f"targets: {len(targets)}; evidence rows: {len(evidence)}; "
            f"built in {time.perf_counter() - started:.1f} s"
        )

        frameworks = frameworks_with_profiles()
        managers = all_manager_ids()
        started = time.perf_counter()
        stored = store_all_summaries()
        db.session.commit()
        elapsed = time.perf_counter() - started
        print(
            f"all summaries (bottom-up roll-up, the nightly task): {stored} managers in "
            f"{elapsed:.2f} s"
        )
        if args.per_manager:
            started = time.perf_counter()
            for manager_id in managers:
                for framework in frameworks:
                    store_summary(manager_id, framework)
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(
                f"all summaries, one aggregate per manager (for comparison): {elapsed:.2f} s "
                f"({1000 * elapsed / max(1, len(managers)):.1f} ms a manager)"
            )

        leaf = ids[-1]
        started = time.perf_counter()
        result = compute_team_summaries.run(employee_ids=[leaf])
        print(
            f"one new piece of evidence: chain of {result['managers']} managers recomputed "
            f"bottom-up in {time.perf_counter() - started:.3f} s (target: within 1 s)"
        )
        top = db.session.scalar(select(func.count()).select_from(Employee))
        print(f"(the top manager's subtree has {top - 1} people)")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
