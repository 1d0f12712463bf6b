"""The organisation view (learnhub.reports.orgview): org unit x competence with sub-units
rolled up, small groups folded into their parent so that no figure of fewer than
LEARNHUB_MIN_GROUP_SIZE people can be read or worked out by subtraction, and its scope."""

from __future__ import annotations

from itertools import combinations

import pytest

from learnhub.reports.orgview import TOP, organisation_view, suppress
from tests.conftest import sign_in
from tests.factories import (
    EmployeeFactory,
    EvidenceFactory,
    OrgUnitFactory,
    TargetProfileFactory,
    team,
)

PASSWORD = "a-test-password"


def _differences_covered(children, own, shown, minimum) -> None:
    """Every shown node covers >= minimum people, and so does (or is empty) what a shown
    node holds beyond its shown descendants' nearest shown nodes: nothing smaller can be
    worked out by subtracting shown figures."""

    def total(node):
        return own.get(node, 0) + sum(total(c) for c in children.get(node, ()))

    def shown_below(node):
        found = []
        for child in children.get(node, ()):
            found.extend([child] if child in shown else shown_below(child))
        return found

    for node in shown:
        assert total(node) >= minimum, node
        rest = total(node) - sum(total(c) for c in shown_below(node))
        assert rest == 0 or rest >= minimum, (node, rest)
        # and any set of shown siblings taken away leaves 0 or >= minimum (sums of groups
        # that are each 0 or >= minimum)
        below = shown_below(node)
        for size in range(1, len(below) + 1):
            for chosen in combinations(below, size):
                left = total(node) - sum(total(c) for c in chosen)
                assert left == 0 or left >= minimum, (node, chosen, left)


def test_a_small_unit_is_folded_into_its_parent():
    # the organisation (TOP) has units 1 (8 people) and 2 (3 people)
    children = {TOP: [1, 2]}
    own = {1: 8, 2: 3}
    shown = suppress(children, own, 5)
    # unit 2 alone is too small; and total minus unit 1 would be unit 2's 3 people, so unit 1
    # is folded too: only the whole is shown
    assert shown == {TOP}
    _differences_covered(children, own, shown, 5)


def test_the_differencing_case_hides_the_smallest_shown_sibling_only():
    # parent 10 (its own 0 people) with children 6, 7 and a small one of 2: showing 6 and 7
    # would leave parent - 6 - 7 = 2, so the smallest shown (6) is folded with the small one
    children = {TOP: [10], 10: [11, 12, 13]}
    own = {11: 6, 12: 7, 13: 2}
    shown = suppress(children, own, 5)
    assert shown == {TOP, 10, 12}
    _differences_covered(children, own, shown, 5)


def test_a_folded_unit_takes_its_whole_subtree_with_it():
    # unit 2 (6 people) has a sub-unit 3 of 5; unit 1 has 5 people of its own and one of 2
    # below (4). Folding 4 into 1 leaves 1 with 7. Nothing small remains anywhere.
    children = {TOP: [1, 2], 1: [4], 2: [3]}
    own = {1: 5, 4: 2, 2: 0, 3: 5, TOP: 1}
    shown = suppress(children, own, 5)
    # TOP's own person (1) would be given away by total - unit 1 - unit 2: unit 2 (the
    # smaller, 5) goes with its sub-unit 3
    assert shown == {TOP, 1}
    _differences_covered(children, own, shown, 5)


@pytest.mark.parametrize("seed", range(40))
def test_random_trees_never_leave_a_small_difference(seed):
    import random

    rng = random.Random(seed)
    children: dict[int, list[int]] = {TOP: []}
    own = {TOP: rng.choice([0, 0, 1, 3])}
    for node in range(1, rng.randint(2, 14)):
        parent = rng.choice([TOP, *range(1, node)])
        children.setdefault(parent, []).append(node)
        own[node] = rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 14])
    minimum = rng.choice([3, 5])
    shown = suppress(children, own, minimum)
    _differences_covered(children, own, shown, minimum)


def _units_org():
    """Directorate (2 people of its own) with units A (6 case officers), B (6) and C (2, too
    small); and a separate unit D of 5 people. Everyone is targeted on 1.2 at level 2."""
    TargetProfileFactory(targets={"1.2": 2, "2.1": 1}, job_codes=["ORG_JOB"])
    directorate = OrgUnitFactory(name="Directorate")
    a = OrgUnitFactory(name="A unit", parent_id=directorate.id)
    b = OrgUnitFactory(name="B unit", parent_id=directorate.id)
    c = OrgUnitFactory(name="C unit", parent_id=directorate.id)
    d = OrgUnitFactory(name="Outreach")
    boss = EmployeeFactory(job_code="ORG_JOB", org_unit=directorate, password=PASSWORD)
    deputy = EmployeeFactory(
        job_code="ORG_JOB", org_unit=directorate, manager=boss, password=PASSWORD
    )
    people = {
        "A": team(deputy, 6, job_code="ORG_JOB", org_unit=a),
        "B": team(boss, 6, job_code="ORG_JOB", org_unit=b),
        "C": team(boss, 2, job_code="ORG_JOB", org_unit=c),
        "D": team(
            EmployeeFactory(job_code="ORG_JOB", org_unit=d), 4, job_code="ORG_JOB", org_unit=d
        ),
    }
    # A: 3 of 6 meet 1.2; B: all 6; C: none; D: 1 of 5
    for person in people["A"][:3] + people["B"] + people["D"][:1]:
        EvidenceFactory(employee=person, code="1.2", level=2)
    return boss, deputy, people


def _row(view, name):
    [index] = [i for i, u in enumerate(view["units"]) if u["name"] == name]
    return view["units"][index], view["frameworks"][0]["cells"][index]


def test_hr_sees_every_unit_big_enough_rolled_up_and_no_small_one(app_ctx):
    _units_org()
    view = organisation_view(None, min_group=5)
    # C (2 people) is too small. The directorate beyond A and B would then be its own 2
    # people plus C's 2: 4, which subtraction would give away, so A (the smaller of the two,
    # the first made on a tie) is folded in as well
    assert [(u["name"], u["depth"], u["people"]) for u in view["units"]] == [
        ("", 0, 21),  # the whole organisation: 2 + 6 + 6 + 2 + 5
        ("Directorate", 1, 16),
        ("B unit", 2, 6),
        ("Outreach", 1, 5),
    ]
    assert "C unit" not in repr(view) and "A unit" not in repr(view)
    directorate, cells = _row(view, "Directorate")
    assert directorate["folded_units"] == 2  # A and C count in the directorate's figures
    codes = [c["code"] for c in view["frameworks"][0]["competences"]]
    assert codes == ["1.2", "2.1"]
    # 3 (A) + 6 (B) of 16 meet 1.2; gap 2 for A's other 3, C's 2 and the directorate's own 2
    assert cells[0] == {
        "shown": True,
        "with_target": 16,
        "meeting": 9,
        "share_met": round(9 / 16, 4),
        "mean_gap": round(14 / 16, 2),
        "step": 1,
    }
    # nobody has evidence in 2.1 (target 1): every gap is 1
    assert cells[1]["meeting"] == 0 and cells[1]["mean_gap"] == 1.0
    assert _row(view, "")[1][0]["meeting"] == 10
    assert _row(view, "B unit")[1][0]["share_met"] == 1.0
    assert _row(view, "Outreach")[1][0]["meeting"] == 1
    # whole - directorate - Outreach = 0 people; directorate - B = 10: nothing under 5


def test_a_cell_held_back_where_fewer_people_have_that_target(app_ctx):
    _boss, _deputy, people = _units_org()
    # four of B's people change job (same unit): they are targeted on 3.1 only
    TargetProfileFactory(targets={"3.1": 1}, job_codes=["ORG_OTHER"])
    from tests.factories import JobRoleFactory

    other = JobRoleFactory(code="ORG_OTHER")
    for person in people["B"][:4]:
        person.job_role = other
    from learnhub.extensions import db

    db.session.flush()
    view = organisation_view(None, min_group=5)
    codes = [c["code"] for c in view["frameworks"][0]["competences"]]
    b_cells = _row(view, "B unit")[1]
    # 4 people of B are targeted on 3.1, 2 on 1.2: neither is shown for B
    assert b_cells[codes.index("3.1")] == {"shown": False}
    assert b_cells[codes.index("1.2")] == {"shown": False}
    # the directorate's 1.2 cell covers 12 people; without B's it would give B's 2 away,
    # but B's cell is hidden, so only the directorate's shows
    directorate = _row(view, "Directorate")[1]
    assert directorate[codes.index("1.2")]["with_target"] == 12
    # 3.1: 4 people in all, fewer than 5: shown nowhere, not even for the whole organisation
    assert _row(view, "")[1][codes.index("3.1")] == {"shown": False}


def test_hidden_cells_give_no_figure(app_ctx):
    _units_org()
    view = organisation_view(None, min_group=5)
    for row in view["frameworks"][0]["cells"]:
        for cell in row:
            if cell is not None and not cell["shown"]:
                assert cell == {"shown": False}


def test_a_manager_sees_only_their_subtree_and_an_employee_is_refused(app):
    from learnhub.extensions import db

    with app.app_context():
        boss, deputy, people = _units_org()
        emails = (boss.email, deputy.email)
        from learnhub.auth.services import account_for, set_password

        set_password(account_for(people["D"][0]), PASSWORD)
        employee = people["D"][0].email
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"]).email
        db.session.commit()
    client = app.test_client()
    sign_in(client, emails[1], PASSWORD)  # the deputy: 6 people, all in unit A
    body = client.get("/api/v1/organisation/skills").get_json()
    assert body["scope"] == "subtree"
    assert [(u["name"], u["people"]) for u in body["units"]] == [
        ("", 6),
        ("Directorate", 6),
        ("A unit", 6),
    ]
    client = app.test_client()
    sign_in(client, emails[0], PASSWORD)  # the boss: 15 people below, not D, not themself
    body = client.get("/api/v1/organisation/skills").get_json()
    assert body["units"][0]["people"] == 15 and "Outreach" not in repr(body)
    page = client.get("/organisation/skills")
    assert page.status_code == 200 and "B unit" in page.get_data(as_text=True)
    other = app.test_client()
    sign_in(other, employee, PASSWORD)
    assert other.get("/api/v1/organisation/skills").status_code == 403
    assert other.get("/organisation/skills").status_code == 403
    hr_client = app.test_client()
    sign_in(hr_client, hr, PASSWORD)
    body = hr_client.get("/api/v1/organisation/skills").get_json()
    # HR sees everyone, themself too (in no unit): the whole organisation beyond its listed
    # units would be that one person, so Outreach (the smallest) is folded into the whole
    assert body["scope"] == "organisation" and body["units"][0]["people"] == 22
    assert [u["name"] for u in body["units"]] == ["", "Directorate", "B unit"]
    html = hr_client.get("/organisation/skills").get_data(as_text=True)
    assert "Skills by unit" in html and "C unit" not in html and "Outreach" not in html


def test_too_small_an_organisation_shows_nothing(app_ctx):
    TargetProfileFactory(targets={"1.2": 2}, job_codes=["ORG_JOB"])
    team(EmployeeFactory(job_code="ORG_JOB"), 2, job_code="ORG_JOB")
    view = organisation_view(None, min_group=5)
    assert view["units"] == [] and view["frameworks"] == []


def test_every_cell_of_the_organisation_page_says_its_value_in_text(app):
    from learnhub.extensions import db
    from tests.reports.test_heatmap import _Cells

    with app.app_context():
        _units_org()
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"], org_unit=None).email
        db.session.commit()
    client = app.test_client()
    sign_in(client, hr, PASSWORD)
    html = client.get("/organisation/skills").get_data(as_text=True)
    parser = _Cells()
    parser.feed(html)
    data = [text for tag, text in parser.cells if tag == "td"]
    assert len(data) == 3 * 2  # the whole, the directorate, B unit x 1.2 and 2.1
    assert all(data) and all("%" in text for text in data)
    assert "Whole organisation" in html and "with 2 units not listed separately" in html
