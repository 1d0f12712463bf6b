"""The reporting-line closure stays equal to a walk up ``manager_id`` after HR imports that
add, move and remove people, after ORM writes, and after a rebuild."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee, ReportingLine
from learnhub.org.reporting import rebuild_reporting_lines, refresh_reporting_lines
from learnhub.org.services import is_in_subtree, manager_chain_ids, subtree_ids

HEADER = "employee_number,first_name,last_name,email,job_code,job_title,manager_employee_number\n"


def walked() -> set[tuple[int, int, int]]:
    """(ancestor, descendant, depth) of every line, by walking ``manager_id`` in Python."""
    parent = dict(db.session.execute(select(Employee.id, Employee.manager_id)).all())
    lines = set()
    for person in parent:
        node, depth = parent[person], 1
        while node is not None:
            lines.add((node, person, depth))
            node, depth = parent[node], depth + 1
    return lines


def stored() -> set[tuple[int, int, int]]:
    return set(
        db.session.execute(
            select(ReportingLine.ancestor_id, ReportingLine.descendant_id, ReportingLine.depth)
        ).all()
    )


def _csv(parents: dict[str, str | None]) -> bytes:
    rows = [f"{n},First{n},Last{n},p{n}@x.org,CASE_OFF,Officer,{parents[n] or ''}" for n in parents]
    return (HEADER + "\n".join(rows) + "\n").encode()


@st.composite
def forests(draw, names: list[str]) -> dict[str, str | None]:
    """A random forest over ``names``: each person reports to nobody or to someone before them
    in a random order (so there is never a cycle)."""
    order = draw(st.permutations(names))
    parents: dict[str, str | None] = {}
    for i, name in enumerate(order):
        parents[name] = order[draw(st.integers(0, i - 1))] if i and draw(st.booleans()) else None
    return {n: parents[n] for n in names}


@st.composite
def two_imports(draw) -> tuple[dict[str, str | None], dict[str, str | None]]:
    people = [f"E{i}" for i in range(draw(st.integers(1, 18)))]
    kept = [p for p in people if draw(st.integers(0, 4))]  # about one in five leaves
    joiners = [f"N{i}" for i in range(draw(st.integers(1, 5)))]
    return draw(forests(people)), draw(forests(kept + joiners))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(imports=two_imports())
def test_the_closure_follows_hr_imports(app_ctx, imports):
    first, second = imports
    try:
        apply_import(plan_import(_csv(first), source="test", mode="full"))
        assert stored() == walked()
        # people move, some leave (a full sync), some join under anyone
        apply_import(plan_import(_csv(second), source="test", mode="full", max_leavers_percent=100))
        assert stored() == walked()
        ids = dict(db.session.execute(select(Employee.employee_number, Employee.id)).all())
        for name, manager in second.items():
            if manager:
                assert ids[manager] in manager_chain_ids([ids[name]])
                assert is_in_subtree(ids[manager], ids[name])
                assert ids[name] in subtree_ids(ids[manager])
    finally:
        db.session.rollback()


def test_orm_writes_keep_the_closure(app_ctx):
    apply_import(plan_import(_csv({"A": None, "B": "A", "C": "B", "D": "C", "E": None})))
    people = {p.employee_number: p for p in db.session.scalars(select(Employee))}
    # a move of a whole subtree, through the relationship and through the column
    people["C"].manager = people["E"]
    db.session.flush()
    assert stored() == walked()
    people["E"].manager_id = people["A"].id
    db.session.flush()
    assert stored() == walked()
    # a new person under D, then a person deleted
    db.session.add(
        Employee(
            employee_number="F",
            first_name="F",
            last_name="F",
            email="f@x.org",
            manager=people["D"],
        )
    )
    db.session.flush()
    assert stored() == walked()
    assert is_in_subtree(people["A"].id, db.session.scalar(select(Employee.id).where(
        Employee.employee_number == "F")))  # fmt: skip
    people["B"].manager_id = None
    db.session.flush()
    assert stored() == walked()
    db.session.delete(people["B"])
    db.session.flush()
    assert stored() == walked()


def test_rebuild_and_refresh_agree(app_ctx):
    apply_import(plan_import(_csv({"A": None, "B": "A", "C": "B", "D": "A"})))
    expected = walked()
    assert rebuild_reporting_lines() == len(expected)
    assert stored() == expected
    everyone = list(db.session.scalars(select(Employee.id)))
    assert refresh_reporting_lines(everyone) == len(everyone)
    assert stored() == expected


def test_a_move_reaching_many_people_rebuilds_the_closure(app_ctx, monkeypatch):
    from learnhub.org import reporting

    apply_import(plan_import(_csv({"A": None, "B": "A", "C": "B", "D": "A", "E": None})))
    monkeypatch.setattr(reporting, "REBUILD_ABOVE", 1)
    apply_import(plan_import(_csv({"A": "E", "B": "A", "C": "B", "D": "A", "E": None})))
    assert stored() == walked()
    assert len(stored()) == 8  # E above all four, A above three, B above C


def test_org_init_app_installs_the_flush_hook_once(app_ctx, monkeypatch):
    # the closure follows ORM writes because org.init_app listened, not because a module was
    # imported; wiring org again (several apps in one process) still refreshes once a flush
    import learnhub.org
    import learnhub.org.reporting as reporting
    from tests.factories import EmployeeFactory

    learnhub.org.init_app(app_ctx)
    calls = []
    real = reporting.refresh_reporting_lines
    monkeypatch.setattr(
        reporting,
        "refresh_reporting_lines",
        lambda ids, session=None: calls.append(list(ids)) or real(ids, session),
    )
    boss = EmployeeFactory()
    report = EmployeeFactory(manager=boss)
    db.session.flush()
    assert len(calls) == 1 and report.id in calls[0]
    assert stored() == walked()
