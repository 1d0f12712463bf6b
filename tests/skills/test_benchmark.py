"""The organisation benchmark on the team page: shares of targets met by job role across the
organisation, shown only for groups of at least LEARNHUB_MIN_GROUP_SIZE people outside the
viewer's subtree (merged or hidden below that)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.skills.benchmark import OTHER_ROLES, organisation_benchmark, stored_benchmark
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.services import competences_by_code, get_framework, record_evidence
from tests.conftest import sign_in
from tests.factories import EmployeeFactory


def _org(team: list[str], outside: list[str], password: str | None = None) -> None:
    """M manages the ``team`` job codes; O manages the ``outside`` ones; both report to D.
    Job roles are titled by their code; ``password`` lets M (m@x.org) sign in."""
    director = EmployeeFactory(employee_number="D", job_code="DIRECTOR")
    manager = EmployeeFactory(
        employee_number="M",
        email="m@x.org",
        job_code="SVC_MGR",
        manager=director,
        password=password,
    )
    other = EmployeeFactory(employee_number="O", job_code="SVC_MGR", manager=director)
    for prefix, boss, codes in (("T", manager, team), ("X", other, outside)):
        for i, code in enumerate(codes):
            EmployeeFactory(
                employee_number=f"{prefix}{i}", job_code=code, job_title=code, manager=boss
            )


def _meet(numbers: list[str], code: str = "1.2", level: int = 2) -> None:
    framework = get_framework("digcomp-3.0")
    competence = competences_by_code(framework.id)[code]
    for number in numbers:
        person = db.session.scalar(select(Employee).where(Employee.employee_number == number))
        record_evidence(
            employee_id=person.id,
            competence_id=competence.id,
            level=level,
            kind="prior_learning",
            source=f"test:{number}",
        )


@pytest.fixture(params=["live", "stored"], autouse=True)
def way(request: pytest.FixtureRequest) -> str:
    """Every benchmark test runs twice: aggregated live, and read from what the full
    recompute stored (the team page's way); both must give the same figures."""
    WAY[0] = request.param
    return request.param


WAY = ["live"]


def _benchmark(min_group: int = 5) -> dict:
    manager = db.session.scalar(select(Employee).where(Employee.employee_number == "M"))
    framework = get_framework("digcomp-3.0")
    live = organisation_benchmark(manager.id, framework, min_group)
    if WAY[0] == "live":
        return live
    store_all_summaries()
    stored = stored_benchmark(manager.id, framework, min_group)
    assert stored == live
    return stored


def _cell(group: dict, code: str) -> dict:
    return next(c for c in group["competences"] if c["code"] == code)


def test_four_people_outside_the_team_are_too_few(app_ctx):
    _org(["CASE_OFF"], ["CASE_OFF"] * 4)
    result = _benchmark()
    assert result["groups"] == []
    assert result["hidden_job_roles"] == [{"code": "CASE_OFF", "title": "CASE_OFF"}]


def test_five_people_outside_the_team_are_shown(app_ctx):
    _org(["CASE_OFF"], ["CASE_OFF"] * 5)
    _meet(["T0", "X0", "X1"])
    result = _benchmark()
    assert result["hidden_job_roles"] == []
    [group] = result["groups"]
    assert (group["label"], group["people"], group["team_people"]) == (
        "CASE_OFF (CASE_OFF)",
        6,
        1,
    )
    # 1.2 at Intermediate (2) is met by T0, X0 and X1: 3 of the 6 case officers
    assert _cell(group, "1.2")["organisation_share_met"] == 0.5
    assert _cell(group, "1.2")["team_share_met"] == 1.0
    assert _cell(group, "1.3")["organisation_share_met"] == 0.0


def test_a_big_team_cannot_reveal_a_few_outsiders_by_subtraction(app_ctx):
    # 7 case officers in all, but only 4 outside the team: the team's own figures would
    # give the 4 away, so the group stays hidden
    _org(["CASE_OFF"] * 3, ["CASE_OFF"] * 4)
    assert _benchmark()["groups"] == []


def test_small_roles_are_merged_and_cells_with_too_few_people_hidden(app_ctx):
    _org(["CASE_OFF", "CC_ADV"], ["CASE_OFF"] * 3 + ["CC_ADV"] * 3)
    result = _benchmark()
    [group] = result["groups"]
    assert group["label"] == OTHER_ROLES
    assert {r["code"] for r in group["job_roles"]} == {"CASE_OFF", "CC_ADV"}
    assert (group["people"], group["team_people"]) == (8, 2)
    # both profiles target 1.2: 6 people outside; only case officers target 1.3: 3 outside
    assert _cell(group, "1.2")["organisation_share_met"] == 0.0
    assert _cell(group, "1.3")["organisation_share_met"] is None
    assert _cell(group, "1.3")["team_share_met"] == 0.0


def test_min_group_size_is_configurable(app_ctx):
    _org(["CASE_OFF"], ["CASE_OFF"] * 4)
    assert len(_benchmark(min_group=4)["groups"]) == 1
    assert _benchmark(min_group=5)["groups"] == []


@pytest.mark.parametrize(("outside", "shown"), [(4, False), (5, True)])
def test_team_api_and_page_show_the_benchmark_only_for_big_enough_groups(
    app, client, outside, shown
):
    with app.app_context():
        _org(["CASE_OFF"], ["CASE_OFF"] * outside, password="manager-password")
        db.session.commit()
    sign_in(client, "m@x.org", "manager-password")
    body = client.get("/api/v1/teams/me/skill-gaps").get_json()
    [framework] = [f for f in body["frameworks"] if f["framework"]["slug"] == "digcomp-3.0"]
    assert bool(framework["benchmark"]["groups"]) is shown
    page = client.get("/team").get_data(as_text=True)
    assert "Compared with the organisation" in page
    assert ("6 people, 1 in your team" in page) is shown
    assert ("Not compared (too few people elsewhere): CASE_OFF" in page) is not shown
