"""After the full recompute, a run of changes (new, expired and revoked evidence, moves to another
manager, job changes, leavers and people coming back, through the HR import the way they
happen), each drained by the task's own rounds (summaries composed where a change is, shifted by
the differences above it), leaves every manager's summary and the benchmark equal to a
recompute from scratch after every step."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee
from learnhub.org.services import all_manager_ids
from learnhub.skills import recompute
from learnhub.skills.benchmark import organisation_benchmark, stored_benchmark
from learnhub.skills.models import Competence, Evidence, RecomputeRequest, TeamSummary
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.services import frameworks_with_profiles, record_evidence
from learnhub.skills.summaries import compute_summary
from tests.skills.test_rollup_random import CODES, COUNTING_EVIDENCE, HEADER, _build


@st.composite
def deep_organisations(draw) -> dict:
    """Organisations as ``test_rollup_random`` builds them, but one tree, with chains of up to
    ten managers (each person reports to one of the four people before them)."""
    size = draw(st.integers(4, 30))
    people = []
    for i in range(size):
        people.append(
            {
                "manager": draw(st.integers(max(0, i - 4), i - 1)) if i else None,
                "code": draw(st.sampled_from(CODES)),
                "leaver": draw(st.integers(0, 8)) == 0,
                "evidence": draw(
                    st.lists(
                        st.tuples(
                            st.integers(0, 40),
                            st.integers(1, 4),
                            st.sampled_from([*COUNTING_EVIDENCE, "self_assessment"]),
                            st.sampled_from(["current", "expired", "revoked"]),
                        ),
                        max_size=4,
                    )
                ),
            }
        )
    return {"people": people}


STEP = st.one_of(
    st.tuples(st.just("evidence"), st.integers(0, 99), st.integers(0, 40), st.integers(1, 4)),
    st.tuples(st.just("revoke"), st.integers(0, 99)),
    st.tuples(st.just("move"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("job"), st.integers(0, 99), st.sampled_from(CODES)),
    st.tuples(st.just("leave"), st.integers(0, 99)),
)


def _below(people: list[dict], top: int) -> set[int]:
    """Indexes of everyone below ``top`` (not ``top``)."""
    found, frontier = set(), {top}
    while frontier:
        frontier = {i for i, p in enumerate(people) if p["manager"] in frontier} - found
        found |= frontier
    return found


def _import(people: list[dict]) -> None:
    """A full HR import of ``people`` as they are now (those who left are not in the file;
    whoever reports to someone who left reports to the first one above who has not)."""
    for person in people:
        while person["manager"] is not None and people[person["manager"]]["left"]:
            person["manager"] = people[person["manager"]]["manager"]
    rows = [
        f"P{i},First{i},Last{i},p{i}@x.org,{p['code']},Job,"
        + (f"P{p['manager']}" if p["manager"] is not None else "")
        for i, p in enumerate(people)
        if not p["left"]
    ]
    plan = plan_import(
        (HEADER + "\n".join(rows) + "\n").encode(),
        source="test",
        mode="full",
        max_leavers_percent=100,
    )
    apply_import(plan)


def _apply(step: tuple, people: list[dict], ids: dict[str, int], n: int) -> None:
    kind, who = step[0], step[1] % len(people)
    person = people[who]
    if kind == "evidence":
        competences = list(db.session.scalars(select(Competence.id).order_by(Competence.id)))
        record_evidence(
            employee_id=ids[f"P{who}"],
            competence_id=competences[step[2] % len(competences)],
            level=step[3],
            kind="quiz_passed",
            source=f"step:{n}",
        )
    elif kind == "revoke":  # revoking counts as a change of the person's evidence
        from learnhub.skills.services import request_recompute

        for evidence in db.session.scalars(
            select(Evidence).where(Evidence.employee_id == ids[f"P{who}"])
        ):
            evidence.revoked_at = utcnow()
        request_recompute([ids[f"P{who}"]])
    elif person["left"]:  # HR files hold the people who are there
        if kind == "leave":  # coming back
            person["left"] = False
            _import(people)
    elif kind == "move":
        target = step[2] % len(people)
        if not people[target]["left"] and target != who and target not in _below(people, who):
            person["manager"] = target
            _import(people)
    elif kind == "job":
        person["code"] = step[2]
        _import(people)
    elif sum(not p["left"] for p in people) > 1:  # leaving: the reports move one level up
        for report in people:
            if report["manager"] == who and not report["left"]:
                report["manager"] = person["manager"]
        person["left"] = True
        _import(people)
    db.session.flush()


def _check(framework) -> None:
    stored = {s.manager_id: s for s in db.session.scalars(select(TeamSummary))}
    for manager_id in all_manager_ids():
        assert manager_id in stored, manager_id
        assert stored[manager_id].data == compute_summary(manager_id, framework), manager_id
        assert stored_benchmark(manager_id, framework, 1) == (
            organisation_benchmark(manager_id, framework, 1)
        ), manager_id


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(organisation=deep_organisations(), steps=st.lists(STEP, min_size=1, max_size=8))
def test_chain_rounds_after_changes_equal_a_recompute_from_scratch(app_ctx, organisation, steps):
    try:
        _build(organisation)
        people = [{**p, "left": p["leaver"]} for p in organisation["people"]]
        [framework] = frameworks_with_profiles()
        store_all_summaries()
        db.session.execute(delete(RecomputeRequest))  # covered by the full recompute
        ids = dict(db.session.execute(select(Employee.employee_number, Employee.id)).all())
        for n, step in enumerate(steps):
            _apply(step, people, ids, n)
            ids = dict(db.session.execute(select(Employee.employee_number, Employee.id)).all())
            while (drained := recompute.drain_once()) is not None:
                assert not drained.full  # the chain rounds, never the roll-up
            _check(framework)
    finally:
        db.session.rollback()
