"""Issue 11: a manager acts on a gap in one step. The proposal names exactly the people of the
subtree with the gap and the modules each needs (by attained level, minus what they already
completed or have required), with the learning hours; the API confirms it as assignments,
once per idempotency key; the team view prices every gap from the summary's buckets."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from learnhub.assignments.models import Assignment, AssignmentPerson, Requirement
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.reports import closing
from learnhub.reports.gap_cost import LadderModule, closing_path, ladders, team_gap_costs
from learnhub.skills.rollup import store_all_summaries
from tests.conftest import sign_in
from tests.factories import EmployeeFactory, competence, team
from tests.reports.gap_helpers import LEVEL_1, LEVEL_2, PASSWORD, gap_team


def _m(ident: int, level: int, minutes: int, course: int = 1) -> LadderModule:
    return LadderModule(ident, f"m{ident}", course, f"c{course}", level, minutes)


def test_the_path_takes_one_module_per_level_skips_what_is_in_hand_and_names_missing_levels():
    ladder = {1: [_m(1, 1, 9), _m(2, 1, 12)], 2: [_m(3, 2, 10)], 4: [_m(4, 4, 20)]}
    path = closing_path(ladder, 0, 4)
    assert [m.id for m in path.modules] == [1, 3, 4] and path.minutes == 39
    assert path.missing_levels == (3,) and not path.closes
    # a level-1 module completed (even the dearer one): level 1 needs nothing new
    held = closing_path(ladder, 0, 2, in_hand={2})
    assert [m.id for m in held.modules] == [3] and [m.id for m in held.in_hand] == [2]
    assert held.closes and held.minutes == 10
    assert closing_path(ladder, 1, 2).modules == (ladder[2][0],)
    assert closing_path(ladder, 2, 2).modules == () and closing_path(ladder, 3, 1).minutes == 0


def test_ladders_put_the_shortest_module_of_each_level_first(app_ctx):
    steps = ladders([competence("4.2").id])[competence("4.2").id]
    assert sorted(steps) == [1, 2, 3]
    for modules in steps.values():
        assert [m.minutes for m in modules] == sorted(m.minutes for m in modules)
        first = modules[0]
        # among the shortest, the course title decides (4.2 level 1: several courses)
        assert (first.minutes, first.course_title) == min(
            (m.minutes, m.course_title) for m in modules
        )
    assert len({m.course_title for m in steps[1]}) >= 2


def test_the_proposal_lists_exactly_the_people_with_the_gap_and_their_modules(app):
    t = gap_team(app)
    with app.app_context():
        boss = db.session.scalars(
            select(Employee).where(Employee.employee_number == t.boss_number)
        ).one()
        framework, c = closing.find_competence("4.2", None)
        proposal = closing.propose(boss, framework, c)
        groups = {
            (g.attained, tuple(m.id for m in g.path.modules)): sorted(p[1] for p in g.people)
            for g in proposal.groups
        }
    one, two = t.module_ids[LEVEL_1], t.module_ids[LEVEL_2]
    assert groups == {
        (0, (one, two)): t.at_zero,  # the indirect report included
        (0, (two,)): [t.held],  # completed the level-1 module
        (1, (two,)): [t.basic],
        (1, ()): [t.required],  # the level-2 module is already required of them
    }
    everyone = sorted(n for people in groups.values() for n in people)
    assert t.outsider not in everyone and not set(t.met) & set(everyone)
    minutes = t.module_minutes
    by_key = {(g.attained, len(g.path.modules)): g for g in proposal.groups}
    assert by_key[(0, 2)].minutes_each == minutes[LEVEL_1] + minutes[LEVEL_2]
    assert by_key[(0, 2)].minutes == 3 * (minutes[LEVEL_1] + minutes[LEVEL_2])
    total = 3 * (minutes[LEVEL_1] + minutes[LEVEL_2]) + 2 * minutes[LEVEL_2]
    assert proposal.minutes == total and proposal.hours == round(total / 60, 2)
    assert proposal.people == 6


def _api(app, email: str):
    client = app.test_client()
    client.environ_base["HTTP_X_CSRFTOKEN"] = sign_in(client, email, PASSWORD)
    return client


def test_the_api_proposes_and_confirms_once_per_idempotency_key(app):
    t = gap_team(app)
    client = _api(app, t.boss_email)
    proposal = client.get("/api/v1/skill-gaps/4.2/proposal?framework=digcomp-3.0")
    assert proposal.status_code == 200, proposal.get_json()
    body = proposal.get_json()
    assert body["people"] == 6 and body["competence"]["code"] == "4.2"
    minutes = t.module_minutes
    assert body["minutes"] == 3 * (minutes[LEVEL_1] + minutes[LEVEL_2]) + 2 * minutes[LEVEL_2]
    first = body["groups"][0]
    assert [m["id"] for m in first["modules"]] == [t.module_ids[LEVEL_1], t.module_ids[LEVEL_2]]
    assert first["hours_each"] == round(first["minutes_each"] / 60, 2)
    assert sorted(p["employee_number"] for p in first["people"]) == t.at_zero
    with app.app_context():
        before = db.session.scalar(select(func.count(Assignment.id)))
    due = (date.today() + timedelta(days=20)).isoformat()
    args = {"due_kind": "fixed", "due_date": due, "idempotency_key": "gap-key-0001"}
    made = client.post("/api/v1/skill-gaps/4.2/assignments", json=args)
    assert made.status_code == 201, made.get_json()
    again = client.post("/api/v1/skill-gaps/4.2/assignments", json=args)
    assert again.status_code == 201 and again.get_json()["replayed"] is True
    ids = [a["id"] for a in made.get_json()["assignments"]]
    assert [a["id"] for a in again.get_json()["assignments"]] == ids
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == before + 2
        # one assignment per course and module set: level 0 gets both modules, the others
        # the second
        named = {
            tuple(a.module_ids): sorted(
                db.session.scalars(
                    select(Employee.employee_number)
                    .join(AssignmentPerson, AssignmentPerson.employee_id == Employee.id)
                    .where(AssignmentPerson.assignment_id == a.id)
                )
            )
            for a in db.session.scalars(select(Assignment).where(Assignment.id.in_(ids)))
        }
        one, two = t.module_ids[LEVEL_1], t.module_ids[LEVEL_2]
        if t.module_courses[LEVEL_1] == t.module_courses[LEVEL_2]:
            expected = {(one, two): t.at_zero, (two,): sorted([t.held, t.basic])}
        else:  # one assignment per course: level 0 gets the first course's module too
            expected = {(one,): t.at_zero, (two,): sorted([*t.at_zero, t.held, t.basic])}
        assert named == expected
        required = db.session.execute(
            select(Employee.employee_number, Requirement.module_id)
            .join(Employee, Employee.id == Requirement.employee_id)
            .where(Requirement.module_id.in_(list(t.module_ids.values())))
        ).all()
    got = {(n, m) for n, m in required}
    for number in t.at_zero:
        assert {(number, t.module_ids[LEVEL_1]), (number, t.module_ids[LEVEL_2])} <= got
    assert (t.held, t.module_ids[LEVEL_1]) not in got and (t.held, t.module_ids[LEVEL_2]) in got
    # afterwards the same proposal has nothing left to assign
    after = client.get("/api/v1/skill-gaps/4.2/proposal").get_json()
    assert after["people"] == 6 and after["minutes"] == 0


def test_the_api_refuses_employees_and_teams_outside_the_callers(app):
    t = gap_team(app)
    with app.app_context():
        EmployeeFactory(password=PASSWORD, email="plain@example.test")
        other = EmployeeFactory(password=PASSWORD, email="other.boss@example.test")
        team(other, 1, job_code="CASE_OFF")
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"], email="hr.gap@example.test")
        db.session.commit()
        hr_email = hr.email
    plain = _api(app, "plain@example.test")
    assert plain.get("/api/v1/skill-gaps/4.2/proposal").status_code == 403
    post = {"due_kind": "after_assignment", "due_days": 10}
    assert plain.post("/api/v1/skill-gaps/4.2/assignments", json=post).status_code == 403
    other = _api(app, "other.boss@example.test")
    outside = f"/api/v1/skill-gaps/4.2/proposal?manager={t.boss_number}"
    assert other.get(outside).status_code == 404
    refused = other.post(
        "/api/v1/skill-gaps/4.2/assignments", json=post | {"manager": t.boss_number}
    )
    assert refused.status_code == 404
    # the boss's sub-manager sees only their own part; HR sees the boss's whole team
    sub = _api(app, t.sub_manager_email).get("/api/v1/skill-gaps/4.2/proposal").get_json()
    assert sub["people"] == 2
    hr_view = _api(app, hr_email).get(outside)
    assert hr_view.status_code == 200 and hr_view.get_json()["people"] == 6
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 1  # gap_team's own
    bad = other.post("/api/v1/skill-gaps/4.2/assignments", json={"due_kind": "fixed"})
    assert bad.status_code == 422
    assert other.get("/api/v1/skill-gaps/9.9/proposal").status_code == 404


def test_the_team_view_prices_each_gap_from_the_buckets(app):
    t = gap_team(app)
    with app.app_context():
        store_all_summaries()
        db.session.commit()
    body = _api(app, t.boss_email).get("/api/v1/teams/me/skill-gaps").get_json()
    framework = body["frameworks"][0]
    cost = framework["gap_costs"][str(competence_id(app, "4.2"))]
    minutes = t.module_minutes
    # the team figure prices every person with the gap at the full path (nothing netted off):
    # 4 at level 0 (both modules), 2 at level 1 (the second)
    full = minutes[LEVEL_1] + minutes[LEVEL_2]
    assert cost["people"] == 6 and cost["minutes"] == 4 * full + 2 * minutes[LEVEL_2]
    assert cost["hours"] == round(cost["minutes"] / 60, 2)
    assert cost["min_hours_each"] == round(minutes[LEVEL_2] / 60, 2)
    assert cost["max_hours_each"] == round(full / 60, 2)
    met = [c for c in framework["summary"]["competences"] if c["meeting"] == c["with_target"]]
    assert all(str(c["competence_id"]) not in framework["gap_costs"] for c in met)


def competence_id(app, code: str) -> int:
    with app.app_context():
        return competence(code).id


def test_team_gap_costs_add_up_buckets_and_count_people_beyond_any_module(app_ctx):
    c31, c34 = competence("3.1").id, competence("3.4").id
    costs = team_gap_costs([[c31, 1, 0, 5], [c31, 1, 1, 3], [c34, 3, 0, 2]])
    ladder31 = ladders([c31])[c31]
    assert costs[str(c31)]["people"] == 5  # those meeting the target cost nothing
    assert costs[str(c31)]["minutes"] == 5 * ladder31[1][0].minutes
    # 3.4 has no Advanced module: both people get levels 1 and 2, and stay beyond any module
    ladder34 = ladders([c34])[c34]
    assert costs[str(c34)]["people_not_closable"] == 2
    assert costs[str(c34)]["minutes"] == 2 * (ladder34[1][0].minutes + ladder34[2][0].minutes)
