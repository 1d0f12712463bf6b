"""The daily sync (the HR system's full file again, most of it unchanged): a plan counts the
unchanged people instead of listing them, and the staged plan (PostgreSQL) tells "no one
leaves" by counting the source's active people the file holds, with the same plans as the
row path."""

from __future__ import annotations

import pytest

from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import, staged_checks
from learnhub.org.models import Employee
from tests.org.test_hr_import_staged import BASE, HEADER, _plan, _postgresql

BOB_CHANGED = BASE.replace("Bob,Mid", "Bob,Mid-Smith")
WITHOUT_DI = BASE.replace("4,Di,Low,di@x.org,DATA_AN,Analyst,North,Office,2,2020-12-31\n", "")


def _imported(body: str, source: str = "hr") -> None:
    apply_import(plan_import(body.encode(), mode="full", source=source))
    db.session.flush()
    db.session.expire_all()


def test_a_plan_counts_the_unchanged_people(app_ctx):
    """``ImportPlan.unchanged`` is a count (an int) on every path, and the summary's."""
    _imported(HEADER + BASE)
    plan = plan_import((HEADER + BOB_CHANGED).encode(), mode="full")
    assert plan.unchanged == 3 and isinstance(plan.unchanged, int)
    assert plan.updated == ["2"] and plan.summary()["unchanged"] == 3


#: (files imported first, as (body, source); the full sync of "hr" then planned)
CASES = {
    "the same file": ([(BASE, "hr")], BASE),
    "one person missing": ([(BASE, "hr")], WITHOUT_DI),
    "one person missing, another changed": ([(BASE, "hr")], WITHOUT_DI.replace("Bob,", "Rob,")),
    "someone of another source missing": (
        [(BASE, "hr"), ("9,Zed,Other,zed@x.org,,,,,,\n", "payroll")],
        BASE,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_staged_daily_sync_finds_the_row_paths_leavers(app_ctx, monkeypatch, name):
    """Whether the count tells "no one leaves" or the anti-join lists the leavers, the staged
    plan is the row path's: the same counts, leavers and warnings."""
    _postgresql()
    before, body = CASES[name]
    outcomes = []
    for staged in (True, False):
        for first, source in before:
            apply_import(
                _plan(HEADER + first, monkeypatch, staged=staged, mode="full", source=source)
            )
        db.session.flush()
        db.session.expire_all()
        plan = _plan(HEADER + body, monkeypatch, staged=staged, mode="full")
        assert (plan.stage is not None) is staged
        outcomes.append((plan.summary(), sorted(plan.left), plan.updated, plan.warnings))
        db.session.rollback()
    assert outcomes[0] == outcomes[1]


def test_a_full_sync_that_changes_no_one_skips_the_anti_join(app_ctx, monkeypatch):
    """Nothing changes and the file holds as many of the source's active people as there are:
    no one leaves, told by a count; an inactive person of the source missing from the file
    stays out of it; one active person missing is a leaver (the anti-join names them)."""
    _postgresql()
    _imported(HEADER + BASE)
    calls = []
    original = staged_checks.people_outside

    def spy(*args, **kwargs):
        calls.append(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(staged_checks, "people_outside", spy)
    plan = plan_import((HEADER + BASE).encode(), mode="full")
    assert plan.stage is not None and plan.left == {} and calls == []
    db.session.query(Employee).filter_by(employee_number="4").update({"active": False})
    plan = plan_import((HEADER + WITHOUT_DI).encode(), mode="full")
    assert plan.left == {} and plan.unchanged == 3 and calls == []
    db.session.query(Employee).filter_by(employee_number="4").update({"active": True})
    plan = plan_import((HEADER + WITHOUT_DI).encode(), mode="full")
    assert sorted(plan.left) == ["4"] and calls == [True]
