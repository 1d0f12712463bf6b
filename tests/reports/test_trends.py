"""The trend of a team summary (learnhub.reports.trends): weekly points, the share met before
each assignment reaching the team and now, ``GET /api/v1/team/trends`` and its scoping, the
team page's trend section, and the demo's history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import select

from learnhub.assignments.models import AudienceKind, DueKind
from learnhub.assignments.services import AssignmentSpec, create_assignment
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.reports.trends import team_trends
from learnhub.skills.models import TeamSummary
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.services import frameworks_with_profiles
from learnhub.skills.summaries import get_summary
from learnhub.skills.trends import TeamSummarySnapshot, snapshot_team_summaries
from tests.conftest import sign_in
from tests.factories import (
    AttemptFactory,
    EmployeeFactory,
    EvidenceFactory,
    ModuleFactory,
    QuizFactory,
    TargetProfileFactory,
    competence,
)

PASSWORD = "a-test-password"
DAY = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)


def _snapshot(at: datetime) -> None:
    with freeze_time(at):
        store_all_summaries()
        snapshot_team_summaries()


def _team():
    TargetProfileFactory(targets={"1.2": 2, "2.1": 3}, job_codes=["TREND_JOB"])
    boss = EmployeeFactory(job_code="TREND_JOB", password=PASSWORD)
    people = [
        EmployeeFactory(manager=boss, job_code="TREND_JOB", password=PASSWORD) for _ in range(4)
    ]
    return boss, people


def test_weekly_points_and_the_share_met_before_an_assignment_and_now(app_ctx):
    framework = frameworks_with_profiles()[0]
    boss, people = _team()
    module = ModuleFactory(competences={"1.2": 2})
    _snapshot(DAY - timedelta(weeks=3))
    EvidenceFactory(employee=people[0], code="1.2", level=2, achieved_at=DAY - timedelta(weeks=2))
    _snapshot(DAY - timedelta(weeks=2))
    with freeze_time(DAY - timedelta(days=6)):
        spec = AssignmentSpec(
            course_id=module.course_id,
            audience=AudienceKind.PEOPLE,
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=30,
            employee_ids=[p.id for p in people[:2]],
        )
        assignment = create_assignment(spec, created_by_id=boss.id)
    for person in people[1:3]:
        EvidenceFactory(employee=person, code="1.2", level=2, achieved_at=DAY)
    _snapshot(DAY)
    trend = team_trends(boss.id, framework, weeks=4, today=DAY.date())
    assert trend["days"] == [DAY.date() - timedelta(weeks=n) for n in (3, 2, 1, 0)]
    assert [p["share_met"] for p in trend["overall"]] == [0, 0.125, 0.125, 0.375]
    by_code = {c["code"]: c for c in trend["competences"]}
    assert [p["share_met"] for p in by_code["1.2"]["points"]] == [0, 0.25, 0.25, 0.75]
    assert [p["mean_gap"] for p in by_code["1.2"]["points"]] == [2, 1.5, 1.5, 0.5]
    assert [p["meeting"] for p in by_code["2.1"]["points"]] == [0, 0, 0, 0]
    [compared] = trend["assignments"]
    assert compared["id"] == assignment.id
    assert compared["baseline_day"] == (DAY - timedelta(days=7)).date()
    # then: the snapshot in force the day before (taken 2 weeks ago); now: the summary
    assert compared["then"] == {"with_target": 4, "meeting": 1, "share_met": 0.25}
    assert compared["now"] == {"with_target": 4, "meeting": 3, "share_met": 0.75}
    assert [c["competence_id"] for c in compared["competences"]] == [competence("1.2").id]


def test_only_quiz_passes_of_the_assignments_modules_count_as_met_through_it(app_ctx):
    """A tester's finding 11: a rise from a manager's validation is not the learning's."""
    framework = frameworks_with_profiles()[0]
    boss, people = _team()
    module = ModuleFactory(competences={"1.2": 2})
    other = ModuleFactory(course=module.course, competences={"1.2": 2})
    quiz, other_quiz = QuizFactory(module=module), QuizFactory(module=other)
    _snapshot(DAY - timedelta(weeks=2))
    with freeze_time(DAY - timedelta(days=6)):
        spec = AssignmentSpec(
            course_id=module.course_id,
            audience=AudienceKind.PEOPLE,
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=30,
            module_ids=[module.id],
            employee_ids=[p.id for p in people[:3]],
        )
        create_assignment(spec, created_by_id=boss.id)

    def passed(person, of_quiz, at):
        attempt = AttemptFactory(quiz=of_quiz, employee=person, state="submitted")
        EvidenceFactory(
            employee=person,
            code="1.2",
            level=2,
            kind="quiz_passed",
            source=f"attempt:{attempt.id}",
            achieved_at=at,
        )

    EvidenceFactory(employee=people[0], code="1.2", level=2, kind="manager_validation")
    passed(people[1], quiz, DAY)  # this learning, since it was assigned: counts
    passed(people[2], other_quiz, DAY)  # a module the assignment did not require
    passed(people[3], quiz, DAY)  # not reached by the assignment
    _snapshot(DAY)
    trend = team_trends(boss.id, framework, weeks=2, today=DAY.date())
    [compared] = trend["assignments"]
    [row] = compared["competences"]
    assert (row["then"]["meeting"], row["now"]["meeting"]) == (0, 4)
    assert row["met_through"] == 1


def test_no_snapshot_yet_gives_empty_points_not_zeros(app_ctx):
    framework = frameworks_with_profiles()[0]
    boss, _people = _team()
    store_all_summaries()  # a summary, never snapshotted
    trend = team_trends(boss.id, framework, weeks=2)
    # a week ago nothing was snapshotted: no figure, not a zero; today is the summary itself
    summary = get_summary(boss.id, framework.id).data
    assert [p["share_met"] for p in trend["overall"]] == [None, summary["share_met"]]
    assert trend["overall"][-1]["targets"] == summary["targets"] > 0
    assert {c["code"] for c in trend["competences"]} == {"1.2", "2.1"}


def test_api_serves_the_managers_own_series_and_hr_any(app):
    with app.app_context():
        boss, people = _team()
        other_boss = EmployeeFactory(password=PASSWORD)
        EmployeeFactory(manager=other_boss)
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"])
        EvidenceFactory(employee=people[0], code="2.1", level=3)
        _snapshot(datetime.now(UTC))
        db.session.commit()
        emails = {"boss": boss.email, "other": other_boss.email, "hr": hr.email}
        worker = people[1].email
        numbers = {"boss": boss.employee_number, "other": other_boss.employee_number}
        worker_number = people[1].employee_number
    client = app.test_client()
    sign_in(client, emails["boss"], PASSWORD)
    body = client.get("/api/v1/team/trends?weeks=3").get_json()
    assert body["manager_employee_id"] == numbers["boss"] and body["weeks"] == 3
    assert len(body["days"]) == 3 and body["overall"][-1]["targets_met"] == 1
    assert body["framework"]["slug"] == "digcomp-3.0"
    # a manager asks only for their own
    refused = client.get(f"/api/v1/team/trends?manager={numbers['other']}")
    assert refused.status_code == 403
    assert client.get(f"/api/v1/team/trends?manager={numbers['boss']}").status_code == 200
    unknown = client.get("/api/v1/team/trends?framework=digcomp-9")
    assert unknown.status_code == 422 and unknown.get_json()["errors"]["issues"][0]["where"] == (
        "framework"
    )
    assert client.get("/api/v1/team/trends?weeks=0").status_code == 422
    # HR asks for any manager; someone with no reports is no manager
    hr_client = app.test_client()
    sign_in(hr_client, emails["hr"], PASSWORD)
    other = hr_client.get(f"/api/v1/team/trends?manager={numbers['other']}")
    assert other.status_code == 200 and other.get_json()["manager_employee_id"] == numbers["other"]
    assert hr_client.get(f"/api/v1/team/trends?manager={worker_number}").status_code == 404
    assert hr_client.get("/api/v1/team/trends").status_code == 403  # HR without a team
    # an employee without reports has no trend; signed out, no answer
    worker_client = app.test_client()
    sign_in(worker_client, worker, PASSWORD)
    assert worker_client.get("/api/v1/team/trends").status_code == 403
    assert app.test_client().get("/api/v1/team/trends").status_code == 401


def test_the_team_page_shows_every_value_and_the_assignments(app, demo):
    client = app.test_client()
    sign_in(client, "manager@example.org")
    page = client.get("/team").get_data(as_text=True)
    section = page[page.index("Share of targets met, last 12 weeks") :]
    assert 'role="img"' in section and "<rect" in section
    assert "Every weekly value" in section and "All targets" in section
    assert "Since each assignment was made" in section
    assert "Phishing and account security" in section and "Met the day before" in section
    assert "Change in the share met (any evidence)" in section
    assert "Met through this learning" in section and "not all this learning" in section
    assert "▲ up" in section  # the demo's history shows a rise, in words too


def test_the_demo_history_is_real_snapshots_with_a_visible_rise(app, demo):
    with app.app_context():
        framework = frameworks_with_profiles()[0]
        manager = get_by_email("manager@example.org")
        trend = team_trends(manager.id, framework)
        shares = [p["share_met"] for p in trend["overall"]]
        assert shares[0] == 0 and shares[-1] > shares[0]
        days = db.session.scalars(
            select(TeamSummarySnapshot.day).where(TeamSummarySnapshot.manager_id == manager.id)
        ).all()
        assert len(days) >= 5 and min(days) < date.today() - timedelta(weeks=9)
        # today's snapshot is a copy of the stored summary
        summary = db.session.scalar(select(TeamSummary).where(TeamSummary.manager_id == manager.id))
        today = db.session.get(TeamSummarySnapshot, (manager.id, framework.id, max(days)))
        assert today.targets_met == summary.data["targets_met"]
