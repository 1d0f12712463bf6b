"""The bottom-up roll-up gives every manager exactly the summary the per-manager aggregate
gives, on the real Oracle organisation with random evidence, leavers included."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee
from learnhub.org.services import all_manager_ids
from learnhub.skills.models import COUNTING_EVIDENCE, Competence, TeamSummary
from learnhub.skills.rollup import rollup_summaries, store_all_summaries
from learnhub.skills.services import frameworks_with_profiles
from learnhub.skills.summaries import compute_summary
from tests.conftest import realdata
from tests.factories import EvidenceFactory


def _random_evidence(seed: int) -> None:
    rng = random.Random(seed)
    people = list(db.session.scalars(select(Employee)))
    competences = list(db.session.scalars(select(Competence.id)))
    now = utcnow()
    for n, person in enumerate(people):
        for competence_id in rng.sample(competences, 6):
            kind = rng.choice((*COUNTING_EVIDENCE, "self_assessment"))
            expired = rng.random() < 0.15
            EvidenceFactory(
                employee=person,
                competence_id=competence_id,
                level=rng.randint(1, 4),
                kind=kind,
                source=f"test:{n}:{competence_id}",
                achieved_at=now - timedelta(days=400),
                expires_at=now - timedelta(days=1) if expired else None,
                revoked_at=now if rng.random() < 0.05 else None,
            )
    # two leavers: one manager with reports, one individual
    for number in ("114", "180"):
        db.session.scalar(select(Employee).where(Employee.employee_number == number)).active = False
    db.session.flush()


def test_rollup_equals_per_manager_aggregate(app_ctx):
    apply_import(plan_import(realdata("hr", "oracle-hr-employees.csv").read_bytes()))
    _random_evidence(seed=3)
    framework = frameworks_with_profiles()[0]
    at = utcnow()
    rolled = rollup_summaries(framework, at)
    managers = all_manager_ids()
    assert sorted(rolled) == managers and len(managers) > 10
    for manager_id in managers:
        assert rolled[manager_id] == compute_summary(manager_id, framework, at), manager_id
    top = db.session.scalar(select(Employee.id).where(Employee.employee_number == "100"))
    assert rolled[top]["headcount"] == 104  # 107 minus the chief, minus two leavers
    assert rolled[top]["targets"] > 0 and 0 < rolled[top]["targets_met"] < rolled[top]["targets"]


def test_store_all_upserts_and_drops_former_managers(app_ctx):
    apply_import(plan_import(realdata("hr", "oracle-hr-employees.csv").read_bytes()))
    db.session.flush()
    stored = store_all_summaries()
    assert stored == len(all_manager_ids())
    assert store_all_summaries() == stored  # idempotent: the same rows again
    assert len(db.session.scalars(select(TeamSummary)).all()) == stored
    # someone stops being a manager: their reports move up
    former = db.session.scalar(select(Employee).where(Employee.employee_number == "103"))
    for report in db.session.scalars(select(Employee).where(Employee.manager_id == former.id)):
        report.manager_id = former.manager_id
    db.session.flush()
    store_all_summaries()
    assert db.session.scalar(select(TeamSummary).where(TeamSummary.manager_id == former.id)) is None


def test_task_uses_the_rollup_when_many_teams_change(app_ctx, monkeypatch):
    from learnhub.skills import recompute, tasks

    apply_import(plan_import(realdata("hr", "oracle-hr-employees.csv").read_bytes()))
    db.session.commit()
    everyone = list(db.session.scalars(select(Employee.id)))
    monkeypatch.setattr(recompute, "ROLLUP_ABOVE", 3)
    calls = []
    monkeypatch.setattr(recompute, "store_chain_summaries", lambda *args: calls.append(args))
    result = tasks.compute_team_summaries.run(employee_ids=everyone)
    assert calls == []  # no chain round
    assert result["managers"] == len(all_manager_ids())
    assert len(db.session.scalars(select(TeamSummary)).all()) == result["managers"]


def test_composed_summaries_equal_the_aggregate_and_follow_a_new_pass(app_ctx):
    from learnhub.org.services import manager_chain_ids
    from learnhub.skills.services import record_evidence
    from learnhub.skills.summaries import compose_summary

    apply_import(plan_import(realdata("hr", "oracle-hr-employees.csv").read_bytes()))
    _random_evidence(seed=5)
    db.session.commit()
    store_all_summaries()
    db.session.commit()
    framework = frameworks_with_profiles()[0]
    at = utcnow()
    for manager_id in all_manager_ids():
        assert compose_summary(manager_id, framework, at) == compute_summary(
            manager_id, framework, at
        ), manager_id

    # a deep employee passes a quiz: the commit recomputes their chain bottom-up
    deep = max(db.session.scalars(select(Employee.id)), key=lambda e: len(manager_chain_ids([e])))
    from learnhub.skills.services import attained_levels, targets_query

    # a target the deep employee does not meet yet (the random evidence may meet some)
    attained = attained_levels([deep])
    _e, competence, target = next(
        row
        for row in db.session.execute(targets_query([deep], framework.id))
        if attained.get((deep, row[1]), 0) < row[2]
    )
    chain = manager_chain_ids([deep])
    assert len(chain) == 3
    before = {m: compute_summary(m, framework) for m in chain}
    record_evidence(
        employee_id=deep,
        competence_id=competence,
        level=target,
        kind="quiz_passed",
        source="test:deep",
    )
    db.session.commit()
    for manager_id in chain:
        stored = db.session.scalar(select(TeamSummary).where(TeamSummary.manager_id == manager_id))
        assert stored.data == compute_summary(manager_id, framework), manager_id
        assert stored.data["buckets"] != before[manager_id]["buckets"]  # the pass counted
