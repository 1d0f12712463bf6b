"""Benchmark: the team heat map and the organisation view at scale.

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts).

    .venv/bin/python bench/heatmap.py [--employees 20000] [--fanout 8] [--runs 3] [--reuse]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...

It builds the organisation of bench/team_summaries.py (a tree of --fanout reports, job codes
with target profiles, evidence for about a third of the targets) and stores every team
summary, or with ``--reuse`` keeps one built before (by either script). Then it gives the
people org units: one unit per manager down to depth 3 of the tree (1 + 8 + 64 + 512 at
fanout 8), nested as the managers are, each person in the unit of their nearest such
manager; and 200 small units of 1 to 4 people under random units (what the privacy rule
folds away). It prints, medians of --runs after one warm-up:

- the organisation view for HR (the whole organisation: one aggregate per framework and the
  roll-up of the unit tree with the small groups folded), its statement count and how many
  units and cells it shows and hides;
- the same for the director (their subtree: everyone but themself) and a manager one level
  down;
- the heat map page (one page of 50 people) for the director, by name and grouped by team,
  and for a team lead;
- for reference on the same data and load: the team page for the director, and the nightly
  recompute of every summary (the organisation view's time as a ratio of it).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from benchdb import fresh_database_url
from sqlalchemy import event, func, insert, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from team_summaries import _build, _load, _reused, _runs, timed  # noqa: E402

UNIT_DEPTH = 3
SMALL_UNITS = 200


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--fanout", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the organisation built before")
    args = parser.parse_args()
    url = fresh_database_url(keep=args.reuse)

    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.extensions import db
    from learnhub.org.models import Employee, OrgUnit
    from learnhub.reports.heatmap import team_heatmap
    from learnhub.reports.orgview import organisation_view
    from learnhub.reports.team import team_view
    from learnhub.skills.models import TeamSummary
    from learnhub.skills.rollup import store_all_summaries

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        if args.reuse:
            ids, _targets, evidence, _lines = _reused()
        else:
            ids, _targets, evidence, _lines = _build(args.employees, args.fanout)
        if not db.session.scalar(select(func.count()).select_from(TeamSummary)):
            store_all_summaries()
            db.session.commit()
        if not db.session.scalar(select(func.count()).select_from(OrgUnit)):
            _units(ids, args.fanout)
        units = db.session.scalar(select(func.count()).select_from(OrgUnit))
        print(
            f"database: {db.engine.dialect.name}; employees: {len(ids)}; evidence rows: "
            f"{evidence}; org units: {units}; ready in {time.perf_counter() - started:.1f} s; "
            f"load average {_load()}"
        )
        statements = [0]
        hr_median = 0.0

        def count(*_args: object) -> None:
            statements[0] += 1

        director = ids[0]
        below = ids[1]
        leaf = ids[-1]
        lead = db.session.scalar(select(Employee.manager_id).where(Employee.id == leaf))
        for label, viewer in (
            ("HR, whole organisation", None),
            ("director", director),
            ("one level down", below),
        ):

            def view(viewer: int | None = viewer) -> dict:
                data = organisation_view(viewer)
                db.session.rollback()
                return data

            view()
            event.listen(db.engine, "before_cursor_execute", count)
            statements[0] = 0
            median, runs, data = timed(view, args.runs)
            event.remove(db.engine, "before_cursor_execute", count)
            cells = [c for f in data["frameworks"] for row in f["cells"] for c in row]
            shown = sum(1 for c in cells if c and c["shown"])
            hidden = sum(1 for c in cells if c and not c["shown"])
            folded = sum(u["folded_units"] for u in data["units"])
            if viewer is None:
                hr_median = median
            print(
                f"organisation view ({label}): median {1000 * median:.0f} ms of "
                f"{_runs(runs, ms=True)}; {statements[0] // args.runs} SQL statements; "
                f"{len(data['units'])} units listed, {folded} folded into them; "
                f"{shown} cells shown, {hidden} held back"
            )
        for label, manager_id, grouped in (
            ("director, by name", director, False),
            ("director, grouped by team", director, True),
            ("team lead", lead, False),
        ):

            def page(manager_id: int = manager_id, grouped: bool = grouped) -> dict:
                data = team_heatmap(manager_id, group_by_team=grouped)
                db.session.rollback()
                return data

            page()
            event.listen(db.engine, "before_cursor_execute", count)
            statements[0] = 0
            median, runs, data = timed(page, args.runs)
            event.remove(db.engine, "before_cursor_execute", count)
            print(
                f"heat map page ({label}, {data['people_total']} people, "
                f"{len(data['frameworks'][0]['rows'])} on the page x "
                f"{len(data['frameworks'][0]['competences'])} competences): median "
                f"{1000 * median:.0f} ms of {_runs(runs, ms=True)}; "
                f"{statements[0] // args.runs} SQL statements"
            )

        # references on the same data and the same machine load: the team page (one page of
        # people, stored summary) and the nightly recompute of every summary (whose first step
        # joins the same targets and evidence as the organisation view's aggregate)
        def team_page() -> dict:
            data = team_view(director)
            db.session.rollback()
            return data

        team_page()
        median, runs, _ = timed(team_page, args.runs)
        print(
            f"reference: team page (director, 100 people a page): median {1000 * median:.0f} ms"
            f" of {_runs(runs, ms=True)}"
        )

        def recompute() -> int:
            stored = store_all_summaries()
            db.session.commit()
            return stored

        median, runs, _ = timed(recompute, args.runs)
        print(
            f"reference: every team summary recomputed (store_all_summaries): median "
            f"{median:.2f} s of {_runs(runs)}; organisation view for HR / recompute: "
            f"{hr_median / median:.2f}"
        )
        print(f"load average at the end: {_load()}")
        db.session.remove()
        db.engine.dispose()


def _units(ids: list[int], fanout: int) -> None:
    """Org units as described in the module's docstring (employee i reports to (i - 1) //
    fanout, as bench/team_summaries.py builds the tree)."""
    from learnhub.extensions import db
    from learnhub.org.models import Employee, OrgUnit

    rng = random.Random(11)
    depth = [0] * len(ids)
    unit_of_index: dict[int, int] = {}
    heads = []
    for i in range(len(ids)):
        depth[i] = 0 if i == 0 else depth[(i - 1) // fanout] + 1
        if depth[i] <= UNIT_DEPTH and i < len(ids) - 1 and i * fanout + 1 < len(ids):
            heads.append(i)
    rows = [{"code": f"U{i:07d}", "name": f"Unit {i}", "parent_id": None} for i in heads]
    db.session.execute(insert(OrgUnit), rows)
    unit_id = dict(db.session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    for i in heads:
        unit_of_index[i] = unit_id[f"U{i:07d}"]
        if i:
            parent = (i - 1) // fanout
            db.session.execute(
                update(OrgUnit)
                .where(OrgUnit.id == unit_of_index[i])
                .values(parent_id=unit_of_index[parent])
            )
    people_unit = []
    for i in range(len(ids)):
        j = i
        while j not in unit_of_index:
            j = (j - 1) // fanout
        people_unit.append(unit_of_index[j])
    # small units: 1 to 4 people each, under a random unit
    small = [
        {"code": f"S{n:05d}", "name": f"Small unit {n}", "parent_id": rng.choice(people_unit)}
        for n in range(SMALL_UNITS)
    ]
    db.session.execute(insert(OrgUnit), small)
    small_ids = list(
        db.session.scalars(select(OrgUnit.id).where(OrgUnit.code.like("S%")).order_by(OrgUnit.id))
    )
    leaves = list(range(len(ids) // 2, len(ids)))
    rng.shuffle(leaves)
    for unit in small_ids:
        for _ in range(rng.randint(1, 4)):
            people_unit[leaves.pop()] = unit
    # a Core update of the table: the ORM's bulk update by primary key wants no WHERE
    db.session.execute(
        Employee.__table__.update()
        .where(Employee.id == db.bindparam("eid"))
        .values(org_unit_id=db.bindparam("uid")),
        [{"eid": ids[i], "uid": people_unit[i]} for i in range(len(ids))],
    )
    db.session.commit()


if __name__ == "__main__":
    main()
