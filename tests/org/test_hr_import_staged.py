"""The staged plan of an HR import (PostgreSQL: the file COPY'd into a temporary table and
checked in SQL) against the row path: the same plans, the same errors word for word, the same
tables; and the bulk load of a first sync leaves the schema as it found it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

import learnhub.org.hr_import.apply as apply_module
from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.org import import_preview
from learnhub.org.hr_import import apply_import, bulk, plan_import, staging
from learnhub.org.models import Employee
from tests.org.test_hr_import_paths import _state

HEADER = (
    "employee_number,first_name,last_name,email,job_code,job_title,org_unit,org_unit_parent,"
    "manager_employee_number,hire_date\n"
)
BASE = (
    "1,Ann,Top,ann@x.org,SVC_MGR,Head,Office,,,2001-02-03\n"
    "2,Bob,Mid,bob@x.org,CASE_OFF,Officer,North,Office,1,2010-01-01\n"
    "3,Cy,Mid,cy@x.org,CASE_OFF,,South,Office,1,\n"
    "4,Di,Low,di@x.org,DATA_AN,Analyst,North,Office,2,2020-12-31\n"
)
#: files the row path must read and word (each falls back from the staged path)
REFUSED = {
    "duplicate number": BASE + "4,Dup,Low,dup@x.org,,,,,,\n",
    "duplicate email, other case": BASE + "5,Eve,Low,DI@x.org,,,,,,\n",
    "missing name": BASE + "5,,Low,eve@x.org,,,,,,\n",
    "bad email": BASE + "5,Eve,Low,eve@x,,,,,,\n",
    "bad email in capitals (quoted as written)": BASE + "5,Eve,Low,@SUM(A1)@X,,,,,,\n",
    "a date that is not written YYYY-MM-DD": BASE + "5,Eve,Low,eve@x.org,,,,,,03/02/2021\n",
    "bad date": BASE + "5,Eve,Low,eve@x.org,,,,,,2021-02-30\n",
    "own manager": BASE + "5,Eve,Low,eve@x.org,,,,,5,\n",
    "unknown manager": BASE + "5,Eve,Low,eve@x.org,,,,,99,\n",
    "cycle": BASE.replace(",,,2001-02-03", ",,4,2001-02-03"),
    "control character": BASE + "5,Eve\x07,Low,eve@x.org,,,,,,\n",
    "line break in a quoted name": BASE + '5,"Eve\nMarie",Low,eve@x.org,,,,,,\n',
    "line separator in a name": BASE + "5,Eve\u2028Marie,Low,eve@x.org,,,,,,\n",
    "paragraph separator in a unit": BASE + "5,Eve,Low,eve@x.org,,,Nor\u2029th,Office,,\n",
    "NEL in a name": BASE + "5,Eve,Lo\x85w,eve@x.org,,,,,,\n",
    "bare CR in a name": BASE + "5,Eve\rMarie,Low,eve@x.org,,,,,,\n",
    "too long": BASE + f"5,{'E' * 121},Low,eve@x.org,,,,,,\n",
    "two parents": BASE + "5,Eve,Low,eve@x.org,,,North,South,,\n",
    "short row": BASE + "5,Eve,Low\n",
    # emails the staged path's LIKE patterns must refuse as the row path's EMAIL_RE does
    "a space inside an email": BASE + "5,Eve,Low,eve low@x.org,,,,,,\n",
    "two @ in an email": BASE + "5,Eve,Low,eve@low@x.org,,,,,,\n",
    "a dot right after the @": BASE + "5,Eve,Low,eve@.org,,,,,,\n",
    "a dot last": BASE + "5,Eve,Low,eve@x.,,,,,,\n",
    "no dot after the @": BASE + "5,Eve.Low,Low,eve.low@x,,,,,,\n",
    "nothing before the @": BASE + "5,Eve,Low,@x.org,,,,,,\n",
    "a tab inside an email": BASE + "5,Eve,Low,eve\tlow@x.org,,,,,,\n",
    "a space inside an email beyond ASCII": BASE + "5,Zoë,Low,eve low@x.org,,,,,,\n",
    "a longer name beyond ASCII": BASE + f"5,{'É' * 121},Low,eve@x.org,,,,,,\n",
}
#: files both paths take, some read by the row path only (quotes, odd line ends, spaces)
TAKEN = {
    "plain": (BASE, True),
    "spaces around cells": (BASE.replace("Bob,", "  Bob ,").replace(",Di", ",\u00a0Di"), True),
    "a line separator at a cell's edge (stripped)": (BASE.replace(",Di", ",\u2028Di"), False),
    "upper-case email": (BASE.replace("cy@x.org", "Cy@X.Org"), True),
    "CRLF": (BASE.replace("\n", "\r\n"), True),
    "quoted cell": (BASE.replace("Head", '"Head, Office"'), False),
    "non-ASCII email": (BASE.replace("di@x.org", "dí@x.org"), False),
    "no trailing newline": (BASE.rstrip("\n"), True),
    "a basic ISO date (the row path takes it)": (BASE + "5,Eve,Low,e@x.org,,,,,,20210101\n", False),
    "a row of empty cells (skipped)": (BASE + ",,,,,,,,,\n", False),
    "a column no field reads": (BASE.replace(",2001-02-03", ",2001-02-03,x"), False),
    # the compare reads hire dates as dates: a changed, emptied or new one is a change
    "a hire date changed": (BASE.replace("2010-01-01", "2010-01-02"), True),
    "a hire date emptied": (BASE.replace(",2020-12-31", ","), True),
    "a hire date given": (BASE.replace(",Office,1,\n", ",Office,1,2015-06-07\n"), True),
    "a hire date before the year 1000": (BASE.replace("2001-02-03", "0999-02-03"), True),
    "a name beyond ASCII at its longest": (BASE.replace(",Di,", f",{'É' * 120},"), True),
    "a tab inside a title": (BASE.replace("Officer", "Case\tOfficer"), True),
    "capitals in emails and names": (BASE.replace("bob@x.org", "BOB@X.ORG"), True),
}


def _postgresql() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the staged path is PostgreSQL's (LEARNHUB_TEST_DATABASE_URL)")


def _plan(body: str, monkeypatch: pytest.MonkeyPatch, *, staged: bool, **kwargs):
    with monkeypatch.context() as patched:
        if not staged:
            patched.setattr(staging, "enabled", lambda: False)
            patched.setattr(apply_module, "is_postgresql", lambda: False)
        return plan_import(body.encode(), **kwargs)


def _outcome(body: str, monkeypatch: pytest.MonkeyPatch, staged: bool):
    try:
        plan = _plan(body, monkeypatch, staged=staged, mode="full")
    except ValidationFailed as error:
        return ("refused", error.message, [(i.where, i.message) for i in error.errors])
    return ("planned", plan.summary(), plan.warnings, plan.stage is not None)


def test_whitespace_is_what_str_strip_removes():
    import sys

    assert (
        "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) == staging.WHITESPACE
    )


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_refused_file_gets_the_row_paths_errors(app_ctx, monkeypatch, name):
    _postgresql()
    body = HEADER + REFUSED[name]
    staged = _outcome(body, monkeypatch, staged=True)
    db.session.rollback()
    row_path = _outcome(body, monkeypatch, staged=False)
    db.session.rollback()
    assert staged[0] == "refused", staged
    assert staged == row_path


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_a_taken_file_leaves_the_same_tables(app_ctx, monkeypatch, name):
    _postgresql()
    body, stageable = TAKEN[name]
    results = []
    for staged in (True, False):
        steps = []
        for text_ in (HEADER + BASE, HEADER + body):
            plan = _plan(text_, monkeypatch, staged=staged, mode="full")
            preview = import_preview.describe(plan)  # names and changes read from the file
            steps.append((plan.stage is not None, plan.summary(), plan.updated, preview))
            with monkeypatch.context() as patched:
                if not staged:
                    patched.setattr(apply_module, "is_postgresql", lambda: False)
                apply_import(plan)
            db.session.flush()
            db.session.expire_all()
        results.append((steps, _state()))
        db.session.rollback()
    (staged_steps, staged_state), (row_steps, row_state) = results
    assert staged_steps[1][0] is stageable
    assert [s[1:] for s in staged_steps] == [s[1:] for s in row_steps]
    assert staged_state == row_state


def _schema() -> tuple[set, set]:
    indexes = set(
        db.session.execute(
            text(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE tablename IN ('employees', 'reporting_lines')"
            )
        ).all()
    )
    constraints = set(
        db.session.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
                "FROM pg_constraint WHERE conrelid IN ('employees'::regclass, "
                "'reporting_lines'::regclass) OR confrelid = 'employees'::regclass"
            )
        ).all()
    )
    return indexes, constraints


def _many(count: int) -> str:
    rows = [
        f"E{n},F{n},L{n},p{n}@x.org,CASE_OFF,,U{n // 10},,{f'E{(n - 1) // 3}' if n else ''},"
        for n in range(count)
    ]
    return HEADER + "\n".join(rows) + "\n"


def test_a_first_sync_in_bulk_leaves_the_schema_as_it_was(app_ctx, monkeypatch):
    _postgresql()
    monkeypatch.setattr(bulk, "BULK_MIN", 10)
    before = _schema()
    assert before[0] and before[1]
    plan = plan_import(_many(40).encode(), mode="full")
    assert plan.stage is not None and bulk.is_bulk(len(plan.added))
    apply_import(plan)
    db.session.flush()
    assert _schema() == before
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 40
    lines = db.session.scalar(text("SELECT count(*) FROM reporting_lines"))
    assert lines == sum(_depth(n) for n in range(40))
    db.session.rollback()


def _depth(n: int) -> int:
    depth = 0
    while n:
        n, depth = (n - 1) // 3, depth + 1
    return depth


def test_a_failing_bulk_import_rolls_the_drops_back(app_ctx, monkeypatch):
    _postgresql()
    monkeypatch.setattr(bulk, "BULK_MIN", 10)
    before = _schema()
    plan = plan_import(_many(40).encode(), mode="full")

    def fail(*_args, **_kwargs):
        raise RuntimeError("the closure failed")

    monkeypatch.setattr(apply_module, "rebuild_reporting_lines", fail)
    with pytest.raises(RuntimeError):
        apply_import(plan)
    db.session.rollback()
    assert _schema() == before
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 0


def test_a_daily_sync_keeps_its_indexes(app_ctx, monkeypatch):
    _postgresql()
    monkeypatch.setattr(bulk, "BULK_MIN", 10)
    apply_import(plan_import(_many(40).encode(), mode="full"))
    db.session.flush()
    plan = plan_import(_many(45).encode(), mode="full")
    assert plan.summary()["added"] == 5 and not bulk.is_bulk(5)
    dropped = []
    monkeypatch.setattr(bulk, "_definitions", lambda *a, **k: dropped.append(a) or [])
    apply_import(plan)
    assert dropped == []
    db.session.rollback()


@pytest.mark.parametrize("name", ["cycle", "unknown manager"])
def test_the_walk_down_a_whole_file_finds_the_same_cycles(app_ctx, monkeypatch, name):
    """Many changed lines in a file naming only its own managers: one walk down the file."""
    _postgresql()
    monkeypatch.setattr(staging, "SMALL", 0)
    body = HEADER + REFUSED[name]
    staged = _outcome(body, monkeypatch, staged=True)
    db.session.rollback()
    assert staged == _outcome(body, monkeypatch, staged=False)
    db.session.rollback()
    assert staged[0] == "refused"
    assert _outcome(HEADER + BASE, monkeypatch, staged=True)[3] is True  # staged, no cycle
    db.session.rollback()


#: (file LearnHub holds first, the next file, its mode): people outside the next file (leavers,
#: emails they hold) and numbers differing only in letter case, read by the staged path's own
#: queries (staged_checks.py); the last item: whether the staged path plans it
NEXT = {
    "letter-case twins in LearnHub, in the file, beyond ASCII": (
        BASE + "A7,Gus,Low,gus@x.org,,,,,,\n\u212a9,Kay,Low,kay@x.org,,,,,,\n",
        BASE
        + "A7,Gus,Low,gus@x.org,,,,,,\n\u212a9,Kay,Low,kay@x.org,,,,,,\n"
        + "a7,Hal,Low,hal@x.org,,,,,,\nb8,Ida,Low,ida@x.org,,,,,,\nB8,Jo,Low,jo@x.org,,,,,,\n"
        + "K9,Kit,Low,kit@x.org,,,,,,\nc10,Lee,Low,lee@x.org,,,,,,\n",
        "full",
        True,
    ),
    "a new number beyond ASCII": (
        BASE + "k9,Kay,Low,kay@x.org,,,,,,\n",
        BASE + "k9,Kay,Low,kay@x.org,,,,,,\n\u212a9,Kit,Low,kit@x.org,,,,,,\n",
        "full",
        True,
    ),
    "a leaver": (
        BASE,
        BASE.replace("4,Di,Low,di@x.org,DATA_AN,Analyst,North,Office,2,2020-12-31\n", ""),
        "full",
        True,
    ),
    "a leaver's email taken": (
        BASE,
        BASE.replace("4,Di,Low,di@x.org,DATA_AN,Analyst,North,Office,2,2020-12-31\n", "")
        + "5,Eve,Low,di@x.org,,,,,,\n",
        "full",
        False,
    ),
    "an email held outside a delta file": (BASE, "5,Eve,Low,di@x.org,,,,,,\n", "delta", False),
    "an email handed over in a delta file": (
        BASE,
        "4,Di,Low,di2@x.org,,,,,,\n5,Eve,Low,di@x.org,,,,,,\n",
        "delta",
        True,
    ),
    "a manager outside a delta file": (BASE, "5,Eve,Low,eve@x.org,,,,,2,\n", "delta", True),
    "a manager who leaves": (
        BASE,
        BASE.replace("1,Ann,Top,ann@x.org,SVC_MGR,Head,Office,,,2001-02-03\n", ""),
        "full",
        False,
    ),
    "a leaver's email handed to a newcomer": (
        BASE,
        BASE.replace("1,Ann", "9,Ann").replace(",1,", ",9,"),
        "full",
        False,
    ),
    # the emails' index is built only when someone is added or changed (index_emails)
    "an unchanged person's email repeated by a changed one": (
        BASE,
        BASE.replace("bob@x.org", "di@x.org"),
        "full",
        False,
    ),
    "an unchanged person's email repeated by a newcomer, other case": (
        BASE,
        BASE + "5,Eve,Low,Di@X.org,,,,,,\n",
        "full",
        False,
    ),
    "two emails swapped": (
        BASE,
        BASE.replace("bob@", "tmp@").replace("di@", "bob@").replace("tmp@", "di@"),
        "full",
        True,
    ),
    "no one changes, someone leaves": (
        BASE + "5,Eve,Low,eve@x.org,,,,,,\n",
        BASE,
        "full",
        True,
    ),
    "no one changes in a delta file": (
        BASE,
        "4,Di,Low,di@x.org,DATA_AN,Analyst,North,Office,2,2020-12-31\n",
        "delta",
        True,
    ),
}


def _next_outcome(name: str, monkeypatch: pytest.MonkeyPatch, staged: bool):
    first, second, mode, _stageable = NEXT[name]
    apply_import(_plan(HEADER + first, monkeypatch, staged=True, mode="full"))
    db.session.flush()
    try:
        plan = _plan(
            HEADER + second, monkeypatch, staged=staged, mode=mode, max_leavers_percent=100
        )
    except ValidationFailed as error:
        return ("refused", error.message, [(i.where, i.message) for i in error.errors]), False
    outside = sorted((p.number, p.active, p.source) for p in plan.outside_managers.values())
    outcome = ("planned", plan.summary(), plan.warnings, sorted(plan.left), outside)
    return outcome, plan.stage is not None


@pytest.mark.parametrize("name", sorted(NEXT))
def test_people_outside_the_file_and_case_twins_as_the_row_path(app_ctx, monkeypatch, name):
    _postgresql()
    staged, was_staged = _next_outcome(name, monkeypatch, staged=True)
    db.session.rollback()
    row_path, _ = _next_outcome(name, monkeypatch, staged=False)
    db.session.rollback()
    assert was_staged is NEXT[name][3]
    assert staged == row_path
    if name.startswith("letter-case"):
        assert [w for w in staged[2] if "letter case" in w] == [
            "employee a7 differs only in letter case from A7: it is added as another person; "
            "check the employee numbers",
            "employee b8 differs only in letter case from B8: it is added as another person; "
            "check the employee numbers",
            "employee B8 differs only in letter case from b8: it is added as another person; "
            "check the employee numbers",
            "employee K9 differs only in letter case from \u212a9: it is added as another "
            "person; check the employee numbers",
        ]


def test_the_narrowed_case_twins_read_as_every_number(app_ctx, monkeypatch):
    """More than SMALL new numbers read every number (as the row path): the same warnings."""
    _postgresql()
    import learnhub.org.hr_import.staged_checks as staged_checks

    name = "letter-case twins in LearnHub, in the file, beyond ASCII"
    narrowed, _ = _next_outcome(name, monkeypatch, staged=True)
    db.session.rollback()
    monkeypatch.setattr(staged_checks, "SMALL", 0)
    every, _ = _next_outcome(name, monkeypatch, staged=True)
    db.session.rollback()
    assert narrowed == every


@pytest.mark.parametrize("rows", ["", ",,,,,,,,,\n"], ids=["header only", "a blank row"])
@pytest.mark.parametrize("mode", ["delta", "full"])
def test_a_file_with_no_one_in_it_is_refused_by_both_paths(app_ctx, monkeypatch, mode, rows):
    """Tester report item 7: a header row and no one under it. Refused in both modes, the
    same words on both paths (a delta was planned as "changes nothing" with an import button;
    a full sync was refused), and nobody becomes a leaver: the staged path, which would plan
    everyone of the source as a leaver within the mass-leavers floor, leaves it to the row
    path."""
    _postgresql()
    apply_import(_plan(HEADER + BASE, monkeypatch, staged=False, mode="full"))
    db.session.flush()
    outcomes = []
    for staged in (True, False):
        try:
            plan = _plan(HEADER + rows, monkeypatch, staged=staged, mode=mode)
        except ValidationFailed as error:
            outcomes.append((error.message, [str(i) for i in error.errors]))
        else:
            outcomes.append(("planned", plan.summary()))
    full = " (a full sync of hr with it would make everyone of hr a leaver)."
    message = (
        "This file has no one in it: it has a header row and no rows of people. Nothing was "
        "imported" + (full if mode == "full" else ".")
    )
    assert outcomes == [(message, ["row 2: no rows of people under the header row"])] * 2
    assert db.session.scalar(select(func.count()).where(Employee.active.is_(True))) == 4
    db.session.rollback()


def test_the_row_paths_words_for_a_bad_email_and_dates(app_ctx, monkeypatch):
    """Tester report item 8, on both paths: a bad email quoted as the file writes it (not
    lower-cased); 2021-02-30 "is not a real date", 03/02/2021 not written YYYY-MM-DD."""
    _postgresql()
    said = {}
    for name in (
        "bad email in capitals (quoted as written)",
        "bad date",
        "a date that is not written YYYY-MM-DD",
    ):
        refused = [_outcome(HEADER + REFUSED[name], monkeypatch, staged) for staged in (1, 0)]
        db.session.rollback()
        assert refused[0] == refused[1]
        said[name] = refused[0][2]
    assert said == {
        "bad email in capitals (quoted as written)": [
            ("row 6", "Work email (column “email”) '@SUM(A1)@X' is not an email address")
        ],
        "bad date": [("row 6", "Hire date (column “hire_date”) '2021-02-30' is not a real date")],
        "a date that is not written YYYY-MM-DD": [
            (
                "row 6",
                "Hire date (column “hire_date”) '03/02/2021' is not a date written YYYY-MM-DD",
            )
        ],
    }


#: files imported twice: the second plan finds nothing to change, on both paths
AGAIN = {
    "plain": BASE,
    "capitals in an email": BASE.replace("cy@x.org", "Cy@X.Org"),
    "a hire date before the year 1000": BASE.replace("2001-02-03", "0999-02-03"),
    "beyond ASCII": BASE.replace(",Di,", ",Dí,").replace("Officer", "Offíçer"),
    "a tab inside a title": BASE.replace("Officer", "Case\tOfficer"),
}


@pytest.mark.parametrize("name", sorted(AGAIN))
def test_the_same_file_again_changes_no_one_on_both_paths(app_ctx, monkeypatch, name):
    """The staged compare (hire dates read as dates, emails lower-cased only when one has a
    capital) finds the people of a file imported before unchanged, as the row path does."""
    _postgresql()
    body = HEADER + AGAIN[name]
    summaries = []
    for staged in (True, False):
        apply_import(_plan(body, monkeypatch, staged=staged, mode="full"))
        db.session.flush()
        db.session.expire_all()
        plan = _plan(body, monkeypatch, staged=staged, mode="full")
        summaries.append((plan.stage is not None, plan.summary(), plan.updated))
        db.session.rollback()
    assert summaries[0][0] is True
    assert summaries[0][1:] == summaries[1][1:]
    assert summaries[0][1]["unchanged"] == 4


def test_emails_are_checked_by_patterns_only_in_a_file_of_plain_cells(app_ctx, monkeypatch):
    """The LIKE patterns stand for EMAIL_RE only where cells are ASCII without a tab; any
    other file keeps the regular expression (and refuses the same emails: REFUSED)."""
    _postgresql()
    seen = []
    original = staging._not_an_email

    def spy(stage):
        seen.append((stage.plain, original(stage).startswith("NOT (email LIKE")))
        return original(stage)

    monkeypatch.setattr(staging, "_not_an_email", spy)
    for body in (BASE, BASE.replace(",Di,", ",Dí,"), BASE.replace("Officer", "Case\tOfficer")):
        _plan(HEADER + body, monkeypatch, staged=True, mode="full")
        db.session.rollback()
    assert seen == [(True, True), (False, False), (False, False)]


def test_case_twins_are_found_past_the_quick_look():
    """The quick look (no two distinct numbers lower-case alike: no warning) and the
    grouping behind it: twins of an added number warn, other twins do not."""
    from learnhub.org.hr_import.lookups import case_twins

    def words(number: str, twins: str) -> str:
        return (
            f"employee {number} differs only in letter case from {twins}: it is added as "
            "another person; check the employee numbers"
        )

    assert case_twins(["a1", "B2"], ["c3"], held=["D4", "a1"]) == []
    assert case_twins(["z9"], ["c3"], held=["C3"]) == []  # twins, but none of them added
    assert case_twins(["a1", "b2"], iter(["B2"]), held=iter(["A1", "x"])) == [
        words("a1", "A1"),
        words("b2", "B2"),
    ]
    assert case_twins(["k1"], [], held=["K1", "\u212a1"]) == [words("k1", "K1, \u212a1")]


def test_the_staged_compare_reads_dates_whatever_the_sessions_date_style(app_ctx, monkeypatch):
    """The compare reads held hire dates as text: the import's transaction writes them
    YYYY-MM-DD (DateStyle ISO) even when the session was set to write them otherwise."""
    _postgresql()
    body = HEADER + BASE
    apply_import(_plan(body, monkeypatch, staged=True, mode="full"))
    db.session.flush()
    db.session.execute(text("SET LOCAL DateStyle = 'German, DMY'"))
    plan = _plan(body, monkeypatch, staged=True, mode="full")
    assert plan.stage is not None
    assert plan.summary()["unchanged"] == 4 and plan.updated == []
    db.session.rollback()
