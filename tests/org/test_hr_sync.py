"""Full and delta syncs: leavers, sources that never touch each other, reactivation, moving
emails, and the errors only the database can reveal (each with its row)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnhub.auth import services as auth
from learnhub.auth.models import Account
from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee, OrgUnit
from learnhub.progress.models import Enrolment
from learnhub.skills.models import TeamSummary
from tests.factories import EnrolmentFactory

HEADER = (
    "employee_number,first_name,last_name,email,job_code,job_title,org_unit,"
    "manager_employee_number\n"
)
TEAM = (
    "1,Ann,Top,ann@x.org,SVC_MGR,Head,Office,\n"
    "2,Bob,Mid,bob@x.org,CASE_OFF,Officer,Office,1\n"
    "3,Cy,Low,cy@x.org,CASE_OFF,Officer,Office,1\n"
)


def _sync(body: str, *, source: str = "hr", mode: str = "full") -> dict:
    plan = plan_import((HEADER + body).encode(), source=source, mode=mode)
    summary = apply_import(plan)
    db.session.commit()
    return summary


def _person(number: str) -> Employee:
    return db.session.scalar(select(Employee).where(Employee.employee_number == number))


def _rejected(body: str, *, source: str = "hr", mode: str = "full") -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        plan_import((HEADER + body).encode(), source=source, mode=mode)
    return [str(issue) for issue in caught.value.errors]


def test_full_sync_makes_people_missing_from_the_file_leavers(app_ctx):
    _sync(TEAM)
    cy = _person("3")
    account = auth.account_for(cy)
    version = account.session_version
    EnrolmentFactory(employee=cy, course_id=_a_course_id())
    db.session.commit()

    summary = _sync(TEAM.replace("3,Cy,Low,cy@x.org,CASE_OFF,Officer,Office,1\n", ""))

    assert summary == {"rows": 2, "added": 0, "updated": 0, "unchanged": 2, "left": 1}
    cy = _person("3")
    assert cy.active is False and cy.left_at is not None
    # sessions revoked (auth listens to people_left), learning records kept
    assert db.session.get(Account, account.id).session_version > version
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1
    # the manager's team summary was recomputed without the leaver
    summaries = db.session.scalars(
        select(TeamSummary).where(TeamSummary.manager_id == _person("1").id)
    ).all()
    assert summaries and all(s.data["headcount"] == 1 for s in summaries)


def test_delta_sync_changes_only_the_rows_present(app_ctx):
    _sync(TEAM)
    summary = _sync("2,Bob,Mid,bob@x.org,CASE_OFF,Senior Officer,Office,1\n", mode="delta")
    assert summary == {"rows": 1, "added": 0, "updated": 1, "unchanged": 0, "left": 0}
    assert all(p.active for p in db.session.scalars(select(Employee)))
    assert _person("2").job_title == "Senior Officer"


def test_a_full_sync_never_makes_another_sources_people_leavers(app_ctx):
    _sync(TEAM, source="hr")
    _sync("9,Dee,Temp,dee@x.org,CASE_OFF,Contractor,Office,1\n", source="contractors")
    # each source's full sync of its own file leaves the other's people alone
    assert _sync(TEAM, source="hr")["left"] == 0
    assert (
        _sync("9,Dee,Temp,dee@x.org,CASE_OFF,Contractor,Office,1\n", source="contractors")["left"]
        == 0
    )
    assert all(p.active for p in db.session.scalars(select(Employee)))
    # a contractor-only full sync without Dee makes only Dee a leaver
    plan = plan_import(
        (HEADER + "8,Eve,New,eve@x.org,CASE_OFF,Contractor,Office,1\n").encode(),
        source="contractors",
        mode="full",
    )
    assert list(plan.left) == ["9"]


def test_a_leaver_in_the_file_again_is_reactivated(app_ctx):
    _sync(TEAM)
    _sync(TEAM.replace("3,Cy,Low,cy@x.org,CASE_OFF,Officer,Office,1\n", ""))
    summary = _sync(TEAM)
    assert summary == {"rows": 3, "added": 0, "updated": 1, "unchanged": 2, "left": 0}
    cy = _person("3")
    assert cy.active is True and cy.left_at is None


def test_two_people_may_swap_emails_in_one_file(app_ctx):
    _sync(TEAM)
    swapped = TEAM.replace("bob@x.org", "tmp").replace("cy@x.org", "bob@x.org")
    summary = _sync(swapped.replace("tmp", "cy@x.org"))
    assert summary["updated"] == 2
    assert (_person("2").email, _person("3").email) == ("cy@x.org", "bob@x.org")


def test_manager_who_left_is_rejected(app_ctx):
    _sync(TEAM)
    _sync("1,Ann,Top,ann@x.org,SVC_MGR,Head,Office,\n2,Bob,Mid,bob@x.org,CASE_OFF,O,Office,1\n")
    assert _rejected("4,Di,New,di@x.org,CASE_OFF,Officer,Office,3\n", mode="delta") == [
        "row 2: manager 3 has left (inactive in LearnHub)"
    ]


def test_manager_who_would_leave_in_this_full_sync_is_rejected(app_ctx):
    _sync(TEAM)
    assert _rejected("2,Bob,Mid,bob@x.org,CASE_OFF,Officer,Office,1\n") == [
        "row 2: manager 1 is not in the file, so this full sync of hr would make them a leaver"
    ]


def test_email_of_someone_else_in_learnhub_is_rejected(app_ctx):
    _sync(TEAM)
    assert _rejected("4,Di,New,BOB@x.org,CASE_OFF,Officer,Office,1\n", mode="delta") == [
        "row 2: email bob@x.org belongs to employee 2"
    ]


def test_a_delta_file_closing_a_cycle_through_learnhub_is_rejected(app_ctx):
    _sync(TEAM + "4,Di,Low,di@x.org,CASE_OFF,Officer,Office,2\n")
    # Ann would report to Di, who reports to Bob, who reports to Ann (in LearnHub)
    assert _rejected("1,Ann,Top,ann@x.org,SVC_MGR,Head,Office,4\n", mode="delta") == [
        "row 2: reporting lines form a cycle: 1 (row 2), 4 (in LearnHub), 2 (in LearnHub)"
    ]
    assert _person("1").manager_id is None


def test_a_full_sync_file_without_people_is_refused(app_ctx):
    _sync(TEAM)
    with pytest.raises(ValidationFailed) as caught:
        plan_import(HEADER.encode(), source="hr", mode="full")
    assert caught.value.message == (
        "This file has no one in it: it has a header row and no rows of people. Nothing was "
        "imported (a full sync of hr with it would make everyone of hr a leaver)."
    )
    assert [str(i) for i in caught.value.errors] == [
        "row 2: no rows of people under the header row"
    ]


def test_a_person_moving_between_sources_is_an_update_with_a_warning(app_ctx):
    _sync(TEAM, source="hr")
    plan = plan_import(
        (HEADER + "3,Cy,Low,cy@x.org,CASE_OFF,Officer,Office,1\n").encode(),
        source="contractors",
        mode="delta",
    )
    assert plan.updated == ["3"] and plan.warnings == ["employee 3 moves from source hr"]
    apply_import(plan)
    db.session.commit()
    assert _person("3").source == "contractors"
    # hr's next full sync no longer owns Cy, so Cy does not leave
    assert _sync(TEAM.replace("3,Cy,Low,cy@x.org,CASE_OFF,Officer,Office,1\n", ""))["left"] == 0


PARENT_HEADER = "employee_number,first_name,last_name,email,org_unit,org_unit_parent\n"


def test_org_units_get_their_parents_from_the_file(app_ctx):
    body = (
        "1,Ann,Top,ann@x.org,Directorate,\n"
        "2,Bob,Mid,bob@x.org,Benefits,Directorate\n"
        "3,Cy,Low,cy@x.org,Casework,Benefits\n"
        "4,Di,Low,di@x.org,Casework,Benefits\n"
        "5,Ed,Low,ed@x.org,Contact Centre,Customer Services\n"
    )
    plan = plan_import((PARENT_HEADER + body).encode())
    assert plan.units_added == [
        "Benefits",
        "Casework",
        "Contact Centre",
        "Customer Services",
        "Directorate",
    ]
    apply_import(plan)
    db.session.commit()
    units = {u.name: u for u in db.session.scalars(select(OrgUnit))}
    parent = {
        name: (units[name].parent_id and db.session.get(OrgUnit, units[name].parent_id).name)
        for name in units
    }
    assert parent == {
        "Directorate": None,
        "Benefits": "Directorate",
        "Casework": "Benefits",
        "Contact Centre": "Customer Services",
        "Customer Services": None,
    }
    # moving a unit is a change of the unit, not of the people
    moved = body.replace("Casework,Benefits", "Casework,Directorate")
    plan = plan_import((PARENT_HEADER + moved).encode())
    assert (plan.units_moved, plan.summary()["updated"]) == (["Casework"], 0)
    apply_import(plan)
    db.session.commit()
    casework = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "Casework"))
    assert casework.parent_id == units["Directorate"].id


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "1,Ann,Top,ann@x.org,Casework,Benefits\n2,Bob,Mid,bob@x.org,Casework,Office\n",
            ["row 3: org unit 'Casework' has parent 'Office' here but 'Benefits' in row 2"],
        ),
        (
            "1,Ann,Top,ann@x.org,Casework,Benefits\n2,Bob,Mid,bob@x.org,Casework,\n",
            ["row 3: org unit 'Casework' has parent '(none)' here but 'Benefits' in row 2"],
        ),
        (
            "1,Ann,Top,ann@x.org,Casework,Casework\n",
            ["row 2: org unit 'Casework' is its own parent"],
        ),
        (
            "1,Ann,Top,ann@x.org,,Benefits\n",
            [
                "row 2: Parent org unit (column “org_unit_parent”) 'Benefits' is given but "
                "Org unit (column “org_unit”) is empty"
            ],
        ),
        (
            "1,Ann,Top,ann@x.org,A,B\n2,Bob,Mid,bob@x.org,B,C\n3,Cy,Low,cy@x.org,C,A\n",
            ["row 2: org units form a cycle: 'A' (row 2), 'B' (row 3), 'C' (row 4)"],
        ),
    ],
)
def test_bad_org_unit_hierarchies_are_rejected(app_ctx, body, expected):
    with pytest.raises(ValidationFailed) as caught:
        plan_import((PARENT_HEADER + body).encode())
    assert [str(issue) for issue in caught.value.errors] == expected


def test_an_org_unit_cycle_through_learnhub_is_rejected(app_ctx):
    _sync_units = plan_import((PARENT_HEADER + "1,Ann,Top,ann@x.org,B,A\n").encode())
    apply_import(_sync_units)
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        plan_import((PARENT_HEADER + "2,Bob,Mid,bob@x.org,A,B\n").encode())
    assert [str(issue) for issue in caught.value.errors] == [
        "row 2: org units form a cycle: 'A' (row 2), 'B'"
    ]


def _a_course_id() -> int:
    from learnhub.catalog.models import Course

    return db.session.scalar(select(Course.id).order_by(Course.id))
