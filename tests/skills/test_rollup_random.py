"""On random organisations (leavers with and without reports, people without a job role or a
target profile, expired, revoked and self-assessed evidence), the set-based full recompute
stores for every manager exactly what one aggregate over their subtree computes; summaries
composed along a chain agree; the stored benchmark equals the live one."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee
from learnhub.org.services import all_manager_ids
from learnhub.skills.benchmark import organisation_benchmark, stored_benchmark
from learnhub.skills.models import COUNTING_EVIDENCE, Competence, Evidence, TeamSummary
from learnhub.skills.rollup import rollup_summaries, store_all_summaries
from learnhub.skills.services import frameworks_with_profiles
from learnhub.skills.summaries import compose_summary, compute_summary, get_summary

HEADER = "employee_number,first_name,last_name,email,job_code,job_title,manager_employee_number\n"
#: job codes with a target profile (content/roles), one without, and none
CODES = ["CASE_OFF", "CC_ADV", "SVC_MGR", "TEAM_LEAD", "NO_PROFILE", ""]


@st.composite
def organisations(draw) -> dict:
    size = draw(st.integers(1, 30))
    people = []
    for i in range(size):
        manager = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        people.append(
            {
                "manager": manager,
                "code": draw(st.sampled_from(CODES)),
                "leaver": draw(st.integers(0, 6)) == 0,
                "evidence": draw(
                    st.lists(
                        st.tuples(
                            st.integers(0, 40),  # competence (index, wraps around)
                            st.integers(1, 4),  # level
                            st.sampled_from([*COUNTING_EVIDENCE, "self_assessment"]),
                            st.sampled_from(["current", "expired", "revoked"]),
                        ),
                        max_size=6,
                    )
                ),
            }
        )
    return {"people": people}


def _build(organisation: dict) -> None:
    rows = [
        f"P{i},First{i},Last{i},p{i}@x.org,{p['code']},Job,"
        + (f"P{p['manager']}" if p["manager"] is not None else "")
        for i, p in enumerate(organisation["people"])
    ]
    apply_import(plan_import((HEADER + "\n".join(rows) + "\n").encode(), source="test"))
    ids = dict(db.session.execute(select(Employee.employee_number, Employee.id)).all())
    competences = list(db.session.scalars(select(Competence.id).order_by(Competence.id)))
    now = utcnow()
    for i, person in enumerate(organisation["people"]):
        for n, (competence, level, kind, state) in enumerate(person["evidence"]):
            db.session.add(
                Evidence(
                    employee_id=ids[f"P{i}"],
                    competence_id=competences[competence % len(competences)],
                    level_number=level,
                    kind=kind,
                    source=f"test:{i}:{n}",
                    achieved_at=now - timedelta(days=30),
                    expires_at=now - timedelta(days=1) if state == "expired" else None,
                    revoked_at=now if state == "revoked" else None,
                )
            )
    for i, person in enumerate(organisation["people"]):
        if person["leaver"]:
            db.session.get(Employee, ids[f"P{i}"]).active = False
    db.session.flush()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(organisation=organisations())
def test_the_set_based_recompute_equals_one_aggregate_per_manager(app_ctx, organisation):
    try:
        _build(organisation)
        [framework] = frameworks_with_profiles()
        at = utcnow()
        managers = all_manager_ids()
        assert store_all_summaries(at) == len(managers)
        stored = {s.manager_id: s for s in db.session.scalars(select(TeamSummary))}
        assert sorted(stored) == managers  # nobody else has a summary
        rolled = rollup_summaries(framework, at)
        for manager_id in managers:
            expected = compute_summary(manager_id, framework, at)
            assert stored[manager_id].data == expected, manager_id
            assert stored[manager_id].computed_at == at
            assert rolled[manager_id] == expected, manager_id
            assert compose_summary(manager_id, framework, at) == expected, manager_id
            for min_group in (1, 2, 3):
                assert stored_benchmark(manager_id, framework, min_group) == (
                    organisation_benchmark(manager_id, framework, min_group, at)
                ), (manager_id, min_group)
    finally:
        db.session.rollback()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(organisation=organisations())
def test_a_chain_stored_bottom_up_equals_the_full_recompute(app_ctx, organisation):
    """What the task does after a change (the set-based chain round, level by level) leaves
    the same summaries and benchmark cells as the set-based full recompute."""
    from learnhub.skills.chain import store_chain_summaries
    from learnhub.skills.models import BenchmarkCell

    def snapshot() -> tuple[set, set, set]:
        return (
            set(
                db.session.execute(
                    select(
                        TeamSummary.manager_id,
                        TeamSummary.headcount,
                        TeamSummary.people_with_targets,
                    )
                )
            ),
            {
                (s.manager_id, tuple(sorted(s.role_buckets().items())))
                for s in db.session.scalars(select(TeamSummary))
            },
            set(
                db.session.execute(
                    select(
                        BenchmarkCell.job_role_id,
                        BenchmarkCell.competence_id,
                        BenchmarkCell.with_target,
                        BenchmarkCell.meeting,
                    )
                )
            ),
        )

    try:
        _build(organisation)
        frameworks_with_profiles()
        at = utcnow()
        store_all_summaries(at)
        full = snapshot()
        db.session.execute(TeamSummary.__table__.delete())
        db.session.execute(BenchmarkCell.__table__.delete())
        everyone = list(db.session.scalars(select(Employee.id)))
        store_chain_summaries(everyone, (), at)
        # the chain also stores leavers with reports (as it always did): compare managers
        chained = snapshot()
        managers = set(all_manager_ids())
        assert {s for s in chained[0] if s[0] in managers} == full[0]
        assert {b for b in chained[1] if b[0] in managers} == full[1]
        if db.session.scalar(select(func.count()).where(Employee.manager_id.is_not(None))):
            assert chained[2] == full[2]
    finally:
        db.session.rollback()


def test_a_summary_never_stored_is_none(app_ctx):
    assert get_summary(1, 1) is None
