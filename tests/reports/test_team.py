"""The manager's team view (learnhub.reports.team) and one person's view
(learnhub.reports.people): the whole active subtree in pages, levels against targets, the
modules that close each gap, and nothing of responses or scores."""

from __future__ import annotations

from datetime import datetime

from learnhub.reports.people import person_view
from learnhub.reports.team import MAX_PER_PAGE, team_view
from learnhub.skills.rollup import store_all_summaries
from tests.conftest import sign_in
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    EnrolmentFactory,
    EvidenceFactory,
    ModuleFactory,
    ModuleProgressFactory,
    TargetProfileFactory,
    competence,
)


def test_team_api_times_are_iso_8601(app, demo):
    client = app.test_client()
    sign_in(client, "manager@example.org")
    computed = client.get("/api/v1/teams/me/skill-gaps").get_json()["frameworks"][0]["computed_at"]
    assert datetime.fromisoformat(computed).tzinfo is not None


def test_the_whole_active_subtree_by_name_without_the_manager(app_ctx):
    boss = EmployeeFactory()
    lead = EmployeeFactory(manager=boss, last_name="Baker")
    EmployeeFactory(manager=lead, last_name="Adams")  # an indirect report
    EmployeeFactory(manager=boss, last_name="Clark")
    EmployeeFactory(manager=boss, last_name="Aaron", active=False)  # a leaver
    view = team_view(boss.id)
    assert [p["name"].split()[-1] for p in view["people"]] == ["Adams", "Baker", "Clark"]
    assert view["people_total"] == 3
    assert view["people"][0]["manager_employee_id"] == lead.employee_number


def test_page_and_page_size_are_kept_in_range(app_ctx):
    boss = EmployeeFactory()
    EmployeeFactory.create_batch(3, manager=boss)
    view = team_view(boss.id, page=0, per_page=10_000)
    assert (view["page"], view["per_page"], len(view["people"])) == (1, MAX_PER_PAGE, 3)
    view = team_view(boss.id, page=2, per_page=2)
    assert (view["page"], view["per_page"], len(view["people"])) == (2, 2, 1)
    assert team_view(boss.id, page=3, per_page=2)["people"] == []


def test_levels_against_targets_and_the_modules_that_close_the_gaps(app_ctx):
    TargetProfileFactory(targets={"1.2": 2, "2.1": 3}, job_codes=["TEST_JOB"])
    closer = ModuleFactory(competences={"2.1": 3}, title="Writing to the public")
    boss = EmployeeFactory()
    meets = EmployeeFactory(manager=boss, job_code="TEST_JOB", last_name="A")
    behind = EmployeeFactory(manager=boss, job_code="TEST_JOB", last_name="B")
    EvidenceFactory(employee=meets, code="1.2", level=2)
    EvidenceFactory(employee=meets, code="2.1", level=3)
    EvidenceFactory(employee=behind, code="1.2", level=1)
    EvidenceFactory(employee=behind, code="2.1", level=3, kind="self_assessment")  # not counted
    store_all_summaries()
    view = team_view(boss.id)
    levels = {p["name"].split()[-1]: p["levels"] for p in view["people"]}
    assert levels["A"] == {
        "1.2": {"target": 2, "attained": 2},
        "2.1": {"target": 3, "attained": 3},
    }
    assert levels["B"] == {
        "1.2": {"target": 2, "attained": 1},
        "2.1": {"target": 3, "attained": 0},
    }
    [framework] = view["frameworks"]
    summary = framework["summary"]
    assert (summary["headcount"], summary["targets"], summary["targets_met"]) == (2, 4, 2)
    closing = framework["closing_modules"]
    assert {"id": closer.id, "title": closer.title, "course": closer.course.title} in closing[
        str(competence("2.1").id)
    ]
    assert set(closing) == {str(competence("1.2").id), str(competence("2.1").id)}


def test_person_view_has_completion_and_levels_but_no_grades(app_ctx):
    TargetProfileFactory(targets={"1.2": 2}, job_codes=["TEST_JOB"])
    boss = EmployeeFactory()
    person = EmployeeFactory(manager=boss, job_code="TEST_JOB", job_title="Officer")
    course = CourseFactory(title="A course")
    done, _todo = ModuleFactory(course=course), ModuleFactory(course=course)
    EnrolmentFactory(employee=person, course=course)
    ModuleProgressFactory(employee=person, module=done, completed=True)
    EvidenceFactory(employee=person, code="1.2", level=1)
    view = person_view(person)
    assert view["employee"] == {
        "employee_number": person.employee_number,
        "name": person.full_name,
        "job_title": "Officer",
        "job_role": "TEST_JOB",
        "org_unit": None,
        "manager_employee_number": boss.employee_number,
        "active": True,
    }
    assert view["completion"] == {"enrolled": 1, "completed_courses": 0, "modules_completed": 1}
    [course_view] = view["courses"]  # only the courses the person is enrolled in
    assert [m["status"] for m in course_view["modules"]] == ["completed", "not_started"]
    assert set(course_view["modules"][0]) == {"title", "status", "completed_at"}
    [framework] = view["frameworks"]
    assert framework["competences"] == [
        {"code": "1.2", "name": competence("1.2").name, "target": 2, "attained": 1, "gap": 1}
    ]
    for words in ("grade", "points", "score", "response", "attempt"):
        assert words not in repr(view), words
