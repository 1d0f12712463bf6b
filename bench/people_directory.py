"""Benchmark: the People directory (learnhub.reports.directory) over N people.

Prints figures; asserts nothing (DESIGN.md: speed targets live in bench scripts, not tests).

    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/people_directory.py [--employees 100000]

Builds N people (names drawn from lists with accents, a few hundred org units three levels
deep, a dozen job roles, 5% leavers, two requirements each of which about 8% are overdue),
then times one directory page (the count and the page of 50, as the page runs them) for each
case below, the median of several runs (a deep page both by OFFSET, ``?page=``, and by keyset,
the cursor of the "Next" link, which must show the same people), first with migration
0025_people's expression indexes and then, in the same run and on the same data, with them
dropped: the ratio is what the indexes buy. On SQLite (no such indexes) only the first
column is printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from benchdb import fresh_database_url
from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = ["Maria", "Łukasz", "Émile", "Zoë", "Jan", "Ana", "Sören", "Aisha", "Kwame", "Mei"]
FIRST += ["Grace", "Oliver", "Niamh", "Rafael", "Priya", "Tomasz", "Inès", "José", "Chloé"]
LAST = ["Okafor", "Żółkiewski", "de Vries", "Nowak", "Kowalski", "Müller", "García", "Chen"]
LAST += ["Haddad", "Byrne", "Núñez", "O'Brien", "Dubois", "Rossi", "Mensah", "Ortiz", "Åberg"]


def build(employees: int) -> dict:
    from flask_migrate import upgrade

    from learnhub.assignments.models import Requirement
    from learnhub.catalog.loader import load_content
    from learnhub.catalog.models import Course
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.org.models import Employee, JobRole, OrgUnit

    upgrade()
    load_content(ROOT / "content")
    rng = random.Random(13)
    db.session.execute(
        insert(JobRole), [{"code": f"ROLE{n:02d}", "title": f"Role {n}"} for n in range(12)]
    )
    roles = list(db.session.scalars(select(JobRole.id)))
    db.session.execute(insert(OrgUnit), [{"code": "TOP", "name": "Organisation"}])
    top = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "TOP"))
    directorates = [
        {"code": f"D{n}", "name": f"Directorate {n}", "parent_id": top} for n in range(8)
    ]
    db.session.execute(insert(OrgUnit), directorates)
    ids = dict(db.session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    divisions = [
        {"code": f"D{d}V{n}", "name": f"Division {d}.{n}", "parent_id": ids[f"D{d}"]}
        for d in range(8)
        for n in range(6)
    ]
    db.session.execute(insert(OrgUnit), divisions)
    ids = dict(db.session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    teams = [
        {"code": f"{v['code']}T{n}", "name": f"Team {v['code']}.{n}", "parent_id": ids[v["code"]]}
        for v in divisions
        for n in range(6)
    ]
    db.session.execute(insert(OrgUnit), teams)
    ids = dict(db.session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    team_ids = [ids[t["code"]] for t in teams]
    now = utcnow()
    rows = []
    for n in range(employees):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        active = rng.random() > 0.05
        rows.append(
            {
                "employee_number": f"E{n:07d}",
                "first_name": first,
                "last_name": last,
                "email": f"p{n}@bench.invalid",
                "job_role_id": rng.choice(roles),
                "org_unit_id": rng.choice(team_ids),
                "active": active,
                "left_at": None if active else now,
                "source": "bench",
            }
        )
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(Employee), rows[start : start + 20_000])
    people = list(db.session.scalars(select(Employee.id)))
    # managers: the first person of every 10 manages the next nine
    db.session.execute(
        text("UPDATE employees SET manager_id = id - ((id - 1) % 10) WHERE (id - 1) % 10 <> 0")
    )
    courses = list(db.session.scalars(select(Course.id).order_by(Course.id)))[:2]
    due_soon, overdue = now.replace(year=now.year + 1), now.replace(year=now.year - 1)
    requirements = [
        {
            "employee_id": person,
            "course_id": course,
            "module_key": 0,
            "assigned_at": overdue,
            "due_at": overdue if rng.random() < 0.08 else due_soon,
        }
        for person in people
        for course in courses
    ]
    for start in range(0, len(requirements), 20_000):
        db.session.execute(insert(Requirement), requirements[start : start + 20_000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"unit": "D3", "team": teams[40]["code"]}


def cases(units: dict, deep: int = 1000) -> list[tuple[str, dict, int]]:
    """(name, filters, page); a page given as a negative number is reached by keyset (the
    cursor a "Next" link of the page before it carries), a positive one by OFFSET."""
    return [
        ("everyone active, page 1", {}, 1),
        (f"everyone active, page {deep} (OFFSET)", {}, deep),
        (f"everyone active, page {deep} (keyset)", {}, -deep),
        (f"search 'kow' page {deep // 10} (OFFSET)", {"search": "kow"}, deep // 10),
        (f"search 'kow' page {deep // 10} (keyset)", {"search": "kow"}, -(deep // 10)),
        ("search 'kow' (a last name's start)", {"search": "kow"}, 1),
        ("search 'maria zol' (two words)", {"search": "maria zol"}, 1),
        ("search 'e00012' (a number's start)", {"search": "e00012"}, 1),
        ("search 'p4242@' (an email)", {"search": "p4242@"}, 1),
        ("directorate with sub-units", {"org_unit": units["unit"]}, 1),
        ("one team only", {"org_unit": units["team"], "include_sub_units": False}, 1),
        ("overdue only", {"overdue_only": True}, 1),
        ("leavers", {"status": "left"}, 1),
    ]


#: the employee numbers of each page timed, by case: keyset and OFFSET must agree
SHOWN: dict[tuple[str, int], list[str]] = {}


def _cursor_to(asked: dict, page: int):
    """The cursor the "Next" link of page ``page - 1`` carries (read outside the timing)."""
    from learnhub.reports.directory import job_roles, resolve_filters, unit_tree
    from learnhub.reports.directory_paging import Cursor, decode_cursor, directory_page

    filters = resolve_filters(units=unit_tree(), roles=job_roles(), **asked)
    before = directory_page(filters, page - 1)
    assert before.next_cursor is not None
    return Cursor(decode_cursor(before.next_cursor).key, False, page)


def time_case(asked: dict, page: int, repeats: int) -> tuple[float, int]:
    from learnhub.extensions import db
    from learnhub.reports.directory import job_roles, resolve_filters, unit_tree
    from learnhub.reports.directory_paging import directory_page

    cursor = _cursor_to(asked, -page) if page < 0 else None
    runs, total = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        filters = resolve_filters(units=unit_tree(), roles=job_roles(), **asked)
        result = directory_page(filters, abs(page), cursor=cursor)
        runs.append(time.perf_counter() - started)
        total = result.total
        SHOWN[(str(sorted(asked.items())), abs(page))] = [r.employee_number for r in result.rows]
        if page < 0:
            assert result.page == -page, result.page
        db.session.rollback()
    return statistics.median(runs) * 1000, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=7)
    options = parser.parse_args()
    url = fresh_database_url()
    from learnhub.app import create_app
    from learnhub.extensions import db
    from learnhub.reports.directory import FOLDED_INDEXES

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        started = time.perf_counter()
        units = build(options.employees)
        print(f"built {options.employees} people in {time.perf_counter() - started:.1f} s")
        postgres = db.engine.dialect.name == "postgresql"
        # page 1,000 at 100,000 people; the deepest full page there is in a smaller run
        deep = max(20, min(1000, options.employees * 9 // 10 // 50))
        with_indexes = {}
        for name, asked, page in cases(units, deep):
            if page < 0:  # the OFFSET page just before in the list: both must show the same
                offset_rows = SHOWN[(str(sorted(asked.items())), -page)]
            with_indexes[name] = time_case(asked, page, options.repeats)
            if page < 0:
                same = SHOWN[(str(sorted(asked.items())), -page)] == offset_rows
                print(f"{name}: the same people as by OFFSET: {'yes' if same else 'NO'}")
        without: dict[str, tuple[float, int]] = {}
        if postgres:
            for index in FOLDED_INDEXES:
                db.session.execute(text(f"DROP INDEX {index}"))
            db.session.commit()
            without = {
                name: time_case(asked, page, options.repeats)
                for name, asked, page in cases(units, deep)
            }
        print(
            f"\n{db.engine.dialect.name}, {options.employees} people; median of "
            f"{options.repeats} runs of one page (count + 50 rows), ms"
        )
        print(f"{'case':40} {'people':>8} {'indexed':>9} {'no index':>9} {'speed-up':>9}")
        for name, (ms, total) in with_indexes.items():
            line = f"{name:40} {total:>8} {ms:>9.1f}"
            if name in without:
                line += f" {without[name][0]:>9.1f} {without[name][0] / ms:>8.1f}x"
            print(line)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
