"""Journey 2: a manager sees the skill-gap summary of their whole subtree, and a quiz passed by
someone in the team changes it."""

from __future__ import annotations

from tests.conftest import sign_in
from tests.journeys.helpers import pass_first_module_by_api


def _competence(team: dict, code: str) -> dict:
    summary = team["frameworks"][0]["summary"]
    return next(c for c in summary["competences"] if c["code"] == code)


def test_team_summary_covers_subtree_and_changes_after_a_pass(app, demo):
    manager = app.test_client()
    sign_in(manager, "manager@example.org")
    team = manager.get("/api/v1/teams/me/skill-gaps").get_json()
    names = {p["name"] for p in team["people"]}
    assert len(names) >= 5 and "Evan Price" in names
    assert "Maria Okafor" not in names  # the manager is not in their own summary
    # indirect reports are in: somebody whose manager is not Maria
    maria = next(p for p in demo_people(app) if p[1] == "manager@example.org")
    assert any(p["manager_employee_id"] != maria[0] for p in team["people"])
    summary = team["frameworks"][0]["summary"]
    assert summary["headcount"] == len(team["people"])
    assert team["frameworks"][0]["computed_at"] is not None
    before = _competence(team, "4.1")
    assert before["with_target"] >= 5

    result = pass_first_module_by_api(app)
    assert result["result"]["passed"] is True

    after_team = manager.get("/api/v1/teams/me/skill-gaps").get_json()
    after = _competence(after_team, "4.1")
    evan = next(p for p in after_team["people"] if p["name"] == "Evan Price")
    assert evan["levels"]["4.1"]["attained"] == 1
    assert after["attained_distribution"]["1"] == before["attained_distribution"]["1"] + 1
    assert after_team["frameworks"][0]["computed_at"] >= team["frameworks"][0]["computed_at"]
    page = manager.get("/team").get_data(as_text=True)
    assert "My team&#39;s skill gaps" in page or "My team's skill gaps" in page
    assert "Evan Price" in page and "Computed" in page
    # nothing of responses or raw scores in what the manager sees
    assert "raw_points" not in str(after_team) and "responses" not in str(after_team)


def test_employee_without_reports_has_no_team(app, demo):
    employee = app.test_client()
    sign_in(employee, "employee@example.org")
    response = employee.get("/api/v1/teams/me/skill-gaps")
    assert response.status_code == 403
    assert response.get_json()["message"].startswith("Only managers")
    assert employee.get("/team").status_code == 403


def demo_people(app) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from learnhub.extensions import db
    from learnhub.org.models import Employee

    with app.app_context():
        return [(e.employee_number, e.email) for e in db.session.scalars(select(Employee))]


def test_people_come_in_pages_while_the_summary_covers_everyone(app, demo):
    manager = app.test_client()
    sign_in(manager, "manager@example.org")
    everyone = manager.get("/api/v1/teams/me/skill-gaps").get_json()
    total = everyone["people_total"]
    assert total == len(everyone["people"]) == everyone["frameworks"][0]["summary"]["headcount"]
    pages = [
        manager.get(f"/api/v1/teams/me/skill-gaps?per_page=3&page={n}").get_json()
        for n in (1, 2, 3)
    ]
    names = [p["name"] for page in pages for p in page["people"]]
    assert names == [p["name"] for p in everyone["people"]]  # same order, nothing twice
    assert all(page["frameworks"] == pages[0]["frameworks"] for page in pages)
    assert manager.get("/api/v1/teams/me/skill-gaps?per_page=0").status_code == 422
    page = manager.get("/team?page=2").get_data(as_text=True)
    assert f"{total} people" in page
