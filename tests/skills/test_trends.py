"""Trend snapshots of the team summaries (learnhub.skills.trends): a copy of each summary per
(manager, framework, day), written only when the figures changed, idempotent the same day,
carried forward over days without a row, pruned past the retention, taken by the nightly
recompute and by the daily task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.skills.models import TeamSummary
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.services import frameworks_with_profiles
from learnhub.skills.tasks import compute_team_summaries, snapshot_summaries
from learnhub.skills.trends import (
    TeamSummarySnapshot,
    prune_snapshots,
    snapshot_team_summaries,
    snapshots_in_force,
)
from tests.factories import EmployeeFactory, EvidenceFactory, TargetProfileFactory, competence

START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # a Monday


def _team():
    """A boss over a lead over three people, every one with targets 1.2 at 2 and 2.1 at 3."""
    TargetProfileFactory(targets={"1.2": 2, "2.1": 3}, job_codes=["TREND_JOB"])
    boss = EmployeeFactory(job_code="TREND_JOB")
    lead = EmployeeFactory(manager=boss, job_code="TREND_JOB")
    people = [EmployeeFactory(manager=lead, job_code="TREND_JOB") for _ in range(3)]
    return boss, lead, people


def _rows(manager_id: int | None = None) -> list[TeamSummarySnapshot]:
    query = select(TeamSummarySnapshot).order_by(
        TeamSummarySnapshot.manager_id, TeamSummarySnapshot.day
    )
    if manager_id is not None:
        query = query.where(TeamSummarySnapshot.manager_id == manager_id)
    db.session.expire_all()
    return list(db.session.scalars(query))


def _share(point, code: str) -> float | None:
    figures = point.snapshot.by_competence() if point.snapshot else {}
    with_target, meeting, _gaps = figures.get(competence(code).id, (0, 0, 0))
    return meeting / with_target if with_target else None


def test_the_snapshot_equals_the_summary_it_copies(app_ctx):
    _boss, lead, people = _team()
    EvidenceFactory(employee=people[0], code="1.2", level=2)
    EvidenceFactory(employee=people[1], code="1.2", level=1)
    EvidenceFactory(employee=people[1], code="2.1", level=3)
    EvidenceFactory(employee=lead, code="2.1", level=1)
    store_all_summaries()
    assert snapshot_team_summaries() == 2  # boss and lead, one framework
    for summary in db.session.scalars(select(TeamSummary)):
        data = summary.data
        [row] = _rows(summary.manager_id)
        assert (row.headcount, row.people_with_targets) == (
            data["headcount"],
            data["people_with_targets"],
        )
        assert (row.targets, row.targets_met) == (data["targets"], data["targets_met"])
        expected = {
            c["competence_id"]: (c["with_target"], c["meeting"], round(c["mean_gap"], 2))
            for c in data["competences"]
        }
        got = {c: (n, met, round(gaps / n, 2)) for c, (n, met, gaps) in row.by_competence().items()}
        assert got == expected
        assert [f[0] for f in row.figures] == sorted(expected)  # sorted by competence id
    lead_row = _rows(lead.id)[0]
    # the lead's three people: 1.2 met by one (gaps 0, 1, 2), 2.1 met by one (gaps 3, 0, 3)
    assert lead_row.by_competence() == {
        competence("1.2").id: (3, 1, 3),
        competence("2.1").id: (3, 1, 6),
    }


def test_a_rerun_the_same_day_replaces_that_days_row_and_writes_nothing_unchanged(app_ctx):
    boss, lead, people = _team()
    store_all_summaries(START)
    assert snapshot_team_summaries(START) == 2
    assert snapshot_team_summaries(START + timedelta(hours=1)) == 0  # nothing changed
    EvidenceFactory(employee=people[0], code="1.2", level=2)
    store_all_summaries(START + timedelta(hours=2))
    assert snapshot_team_summaries(START + timedelta(hours=2)) == 2  # the day's row replaced
    rows = _rows()
    assert [(r.manager_id, r.day) for r in rows] == [
        (boss.id, START.date()),
        (lead.id, START.date()),
    ]
    assert all(r.targets_met == 1 for r in rows)
    # the next days: nothing changed, nothing written; the figures are carried forward
    for day in range(1, 4):
        assert snapshot_team_summaries(START + timedelta(days=day)) == 0
    assert len(_rows()) == 2


def test_a_frozen_clock_sequence_of_passes_gives_the_weekly_series(app_ctx):
    """Twelve weeks of daily snapshots (the beat task) while people pass: the series read back
    for weekly points shows each week's share, carried over days without a change."""
    framework = frameworks_with_profiles()[0]
    boss, lead, people = _team()
    passes = {2: people[0], 5: people[1], 9: people[2]}  # week -> who reaches 1.2 at level 2
    for day in range(12 * 7):
        at = START + timedelta(days=day)
        with freeze_time(at):
            if day == 0:
                compute_team_summaries.run(everyone=True)  # the nightly recompute
            person = passes.get(day // 7) if day % 7 == 3 else None
            if person is not None:
                EvidenceFactory(employee=person, code="1.2", level=2, achieved_at=at)
                compute_team_summaries.run(employee_ids=[person.id])
            snapshot_summaries.run()
    # one row the first day and one per change: the rest is carried forward
    assert len(_rows(lead.id)) == 1 + len(passes)
    weekly = [START.date() + timedelta(days=7 * week + 6) for week in range(12)]
    points = snapshots_in_force(lead.id, framework.id, weekly)
    assert [p.day for p in points] == weekly
    thirds = [round(_share(p, "1.2"), 2) for p in points]
    assert thirds == [0, 0, 0.33, 0.33, 0.33, 0.67, 0.67, 0.67, 0.67, 1, 1, 1]
    assert [_share(p, "2.1") for p in points] == [0.0] * 12
    # the boss's subtree has the lead too (who never passes): quarters
    boss_points = snapshots_in_force(boss.id, framework.id, weekly)
    assert [round(_share(p, "1.2"), 2) for p in boss_points][::3] == [0, 0.25, 0.5, 0.75]
    # before the first snapshot there is nothing in force
    before = snapshots_in_force(lead.id, framework.id, [START.date() - timedelta(days=1)])
    assert before[0].snapshot is None


def test_retention_prunes_old_rows_but_keeps_the_value_in_force_at_the_cut_off(app_ctx):
    framework = frameworks_with_profiles()[0]
    _boss, lead, people = _team()
    for day, person in ((0, None), (10, people[0]), (20, people[1]), (30, people[2])):
        at = START + timedelta(days=day)
        if person is not None:
            EvidenceFactory(employee=person, code="1.2", level=2, achieved_at=at)
        store_all_summaries(at)
        snapshot_team_summaries(at)
    assert [r.day for r in _rows(lead.id)] == [
        START.date() + timedelta(days=d) for d in (0, 10, 20, 30)
    ]
    # a cut-off at day 25: days 0 and 10 go, day 20 stays (still in force on day 25)
    assert prune_snapshots(START + timedelta(days=35), days=10) == 2 * 2  # lead and boss
    assert [r.day for r in _rows(lead.id)] == [START.date() + timedelta(days=d) for d in (20, 30)]
    [point] = snapshots_in_force(lead.id, framework.id, [START.date() + timedelta(days=25)])
    assert round(_share(point, "1.2"), 2) == 0.67
    # the configured retention (400 days by default) is applied by every snapshot
    assert app_ctx.config["LEARNHUB_TREND_RETENTION_DAYS"] == 400
    snapshot_team_summaries(START + timedelta(days=30 + 401))
    assert [r.day for r in _rows(lead.id)] == [START.date() + timedelta(days=30)]


def test_the_nightly_recompute_writes_the_days_snapshots(app_ctx):
    boss, lead, people = _team()
    EvidenceFactory(employee=people[0], code="2.1", level=3)
    with freeze_time(START):
        result = compute_team_summaries.run(everyone=True)
    assert result["managers"] == 2
    rows = _rows()
    assert [(r.manager_id, r.day, r.targets_met) for r in rows] == [
        (boss.id, START.date(), 1),
        (lead.id, START.date(), 1),
    ]
    assert rows[0].taken_at == db.session.scalar(
        select(TeamSummary.computed_at).where(TeamSummary.manager_id == boss.id)
    )


def test_a_manager_with_nobody_targeted_gets_an_empty_snapshot(app_ctx):
    boss = EmployeeFactory()
    EmployeeFactory(manager=boss)  # no job role with targets
    store_all_summaries()
    snapshot_team_summaries()
    [row] = _rows(boss.id)
    assert (row.headcount, row.targets, row.figures) == (1, 0, None)
    assert snapshot_team_summaries() == 0  # an empty summary is unchanged too
    assert db.session.scalar(select(func.count()).select_from(TeamSummarySnapshot)) == 1


def test_each_manager_is_compared_with_their_own_latest_snapshot(app_ctx):
    """Two teams whose series last changed on different days: an unchanged one writes
    nothing, whatever day the other's latest row is from."""
    _boss, lead, people = _team()
    other_boss = EmployeeFactory(job_code="TREND_JOB")
    other = EmployeeFactory(manager=other_boss, job_code="TREND_JOB")
    store_all_summaries(START)
    assert snapshot_team_summaries(START) == 3
    EvidenceFactory(employee=other, code="1.2", level=2)
    store_all_summaries(START + timedelta(days=2))
    assert snapshot_team_summaries(START + timedelta(days=2)) == 1  # only the other boss
    EvidenceFactory(employee=people[0], code="1.2", level=2)
    store_all_summaries(START + timedelta(days=5))
    # the lead and their boss changed; the other boss's latest row (day 2) is still right
    assert snapshot_team_summaries(START + timedelta(days=5)) == 2
    assert snapshot_team_summaries(START + timedelta(days=6)) == 0
    assert [r.day for r in _rows(lead.id)] == [START.date(), (START + timedelta(days=5)).date()]
    assert [r.day for r in _rows(other_boss.id)] == [
        START.date(),
        (START + timedelta(days=2)).date(),
    ]
