"""HR import: the real Oracle HR export, idempotence, and every rejected case with its row."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee, JobRole, OrgUnit
from learnhub.org.services import manager_chain_ids, subtree_ids
from tests.conftest import realdata

HEADER = (
    "Employee ID,First Name,Last Name,Work Email,Job Code,Job Title,Department,Manager ID,"
    "Hire Date\n"
)


def _import(data: bytes, source: str = "hr") -> dict:
    plan = plan_import(data, source=source)
    summary = apply_import(plan)
    db.session.commit()
    return summary


def test_oracle_file_imports_everyone_with_reporting_lines(app_ctx):
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes()
    summary = _import(data)
    assert summary == {"rows": 107, "added": 107, "updated": 0, "unchanged": 0, "left": 0}
    assert db.session.scalar(select(func.count(Employee.id))) == 107
    assert db.session.scalar(select(func.count(JobRole.id))) == 19
    assert db.session.scalar(select(func.count(OrgUnit.id))) == 11
    king = db.session.scalar(select(Employee).where(Employee.employee_number == "100"))
    assert king.manager_id is None and king.email == "sking@example.org"
    # everyone else reports up to the chief executive
    assert len(subtree_ids(king.id)) == 106
    # an employee with no department (Kimberely Grant, 178, in the Oracle sample)
    grant = db.session.scalar(select(Employee).where(Employee.employee_number == "178"))
    assert grant.org_unit_id is None and grant.manager.employee_number == "149"
    # reporting chains four levels deep: the deepest people have three managers above them
    chain_lengths = {
        e: len(manager_chain_ids([e])) for e in db.session.scalars(select(Employee.id))
    }
    assert max(chain_lengths.values()) == 3


def test_importing_again_changes_nothing(app_ctx):
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes()
    _import(data)
    before = {
        e.employee_number: (e.updated_at, e.manager_id)
        for e in db.session.scalars(select(Employee))
    }
    summary = _import(data)
    assert summary == {"rows": 107, "added": 0, "updated": 0, "unchanged": 107, "left": 0}
    after = {
        e.employee_number: (e.updated_at, e.manager_id)
        for e in db.session.scalars(select(Employee))
    }
    assert after == before


def test_change_of_manager_is_an_update(app_ctx):
    _import(
        (
            HEADER + "1,Ann,Top,ann@x.org,D,Director,Office,,\n"
            "2,Bob,Mid,bob@x.org,M,Manager,Office,1,\n"
            "3,Cy,Low,cy@x.org,C,Clerk,Office,2,\n"
        ).encode()
    )
    summary = _import(
        (
            HEADER + "1,Ann,Top,ann@x.org,D,Director,Office,,\n"
            "2,Bob,Mid,bob@x.org,M,Manager,Office,1,\n"
            "3,Cy,Low,cy@x.org,C,Clerk,Office,1,\n"
        ).encode()
    )
    assert summary["updated"] == 1 and summary["unchanged"] == 2
    cy = db.session.scalar(select(Employee).where(Employee.employee_number == "3"))
    assert cy.manager.employee_number == "1"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("1,Ann,Top,ann@x.org,D,Dir,Office,1,\n", "row 2: employee 1 is their own manager"),
        (
            "1,Ann,Top,ann@x.org,D,Dir,Office,2,\n2,Bob,Mid,bob@x.org,M,Mgr,Office,1,\n",
            "row 2: reporting lines form a cycle: 1 (row 2), 2 (row 3)",
        ),
        (
            "1,Ann,Top,ann@x.org,D,Dir,Office,99,\n",
            "row 2: manager 99 is neither in the file nor in LearnHub",
        ),
        (
            "1,Ann,Top,ann@x.org,D,Dir,Office,,\n1,Bob,Mid,bob@x.org,M,Mgr,Office,,\n",
            "row 3: employee number 1 repeats row 2",
        ),
        (
            "1,Ann,Top,ann@x.org,D,Dir,Office,,\n2,Bob,Mid,ANN@X.org,M,Mgr,Office,,\n",
            "row 3: email ann@x.org repeats row 2 (emails are compared without letter case)",
        ),
        (
            "1,,Top,ann@x.org,D,Dir,Office,,\n",
            "row 2: First name (column “First Name”) is required",
        ),
        (
            "1,Ann,Top,not-an-email,D,Dir,Office,,\n",
            "row 2: Work email (column “Work Email”) 'not-an-email' is not an email address",
        ),
        (
            "1,Ann,Top,ann@x.org,D,Dir,Office,,31/12/2020\n",
            "row 2: Hire date (column “Hire Date”) '31/12/2020' is not a date written YYYY-MM-DD",
        ),
        ("1,Ann,Top,,D,Dir,Office,,\n", "row 2: Work email (column “Work Email”) is required"),
        (
            ",Ann,Top,ann@x.org,D,Dir,Office,,\n",
            "row 2: Employee number (column “Employee ID”) is required",
        ),
        ("1,Ann,,ann@x.org,D,Dir,Office,,\n", "row 2: Last name (column “Last Name”) is required"),
        (
            "1,Ann,Top,ann@x.org,D,Dir,Office,,\n2,Bob,Mid,bob@x.org,M,Mgr,Office,3,\n"
            "3,Cy,Low,cy@x.org,C,Clerk,Office,4,\n4,Di,Low,di@x.org,C,Clerk,Office,2,\n",
            "row 3: reporting lines form a cycle: 2 (row 3), 3 (row 4), 4 (row 5)",
        ),
        (
            f"1,{'A' * 121},Top,ann@x.org,D,Dir,Office,,\n",
            "row 2: First name (column “First Name”) is longer than 120 characters",
        ),
    ],
)
def test_bad_rows_are_rejected_with_their_row_and_change_nothing(app_ctx, rows, expected):
    with pytest.raises(ValidationFailed) as caught:
        plan_import((HEADER + rows).encode())
    assert [str(issue) for issue in caught.value.errors] == [expected]
    assert caught.value.message == "The HR file has 1 error(s); nothing was imported."
    assert db.session.scalar(select(func.count(Employee.id))) == 0


def test_unknown_header_asks_for_a_mapping(app_ctx):
    with pytest.raises(ValidationFailed) as caught:
        plan_import(b"Staff,Name\n1,Ann\n")
    assert caught.value.message == (
        "The file has no column for Employee number, First name, Last name and Work email. "
        "Nothing was imported: if its columns have other names, choose an import profile that "
        "names them."
    )


def test_learnhub_preset_with_semicolons_and_windows_1252(app_ctx):
    data = (
        "employee_number;first_name;last_name;email;job_code;job_title;org_unit;"
        "manager_employee_number;hire_date\r\n"
        "7;Zoë;Müller;zoe@x.org;C;Clerk;Bürgeramt;;2020-01-02\r\n"
    ).encode("cp1252")
    summary = _import(data)
    assert summary["added"] == 1
    zoe = db.session.scalar(select(Employee))
    assert (zoe.first_name, zoe.org_unit.name) == ("Zoë", "Bürgeramt")


def test_a_quoted_multi_line_cell_keeps_spreadsheet_row_numbers(app_ctx):
    rows = (
        '1,Ann,Top,ann@x.org,D,"Director,\nof things",Office,,\n2,,Mid,bob@x.org,M,Mgr,Office,1,\n'
    )
    with pytest.raises(ValidationFailed) as caught:
        plan_import((HEADER + rows).encode())
    # the first record spans lines 2-3; the second person is a spreadsheet's row 3 (records
    # are counted, not lines: a fresh tester's finding); the line break itself is refused
    assert [str(issue) for issue in caught.value.errors] == [
        "row 2: Job title (column “Job Title”) contains a line break",
        "row 3: First name (column “First Name”) is required",
    ]


def test_every_error_of_a_file_is_listed_in_row_order(app_ctx):
    rows = (
        "1,Ann,Top,ann@x.org,D,Dir,Office,77,\n"
        "2,Bob,,bob@x.org,M,Mgr,Office,1,\n"
        "3,Cy,Low,BOB@x.org,C,Clerk,Office,3,\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        plan_import((HEADER + rows).encode())
    assert [str(issue) for issue in caught.value.errors] == [
        "row 2: manager 77 is neither in the file nor in LearnHub",
        "row 3: Last name (column “Last Name”) is required",
        "row 4: email bob@x.org repeats row 3 (emails are compared without letter case)",
        "row 4: employee 3 is their own manager",
    ]
    assert caught.value.message == "The HR file has 4 error(s); nothing was imported."


@pytest.mark.parametrize(
    ("data", "message", "issues"),
    [
        (b"", "The HR file is empty.", ["row 1: no header row"]),
        (
            b"Employee ID,First Name,Last Name\n1,Ann,Top\n",
            "The file has no column for Work email. Nothing was imported: if its columns have "
            "other names, choose an import profile that names them.",
            [
                "row 1: no column “Work Email” for Work email",
                "row 1: columns found: Employee ID, First Name, Last Name",
            ],
        ),
    ],
)
def test_unreadable_files_are_rejected(app_ctx, data, message, issues):
    with pytest.raises(ValidationFailed) as caught:
        plan_import(data)
    assert caught.value.message == message
    assert [str(issue) for issue in caught.value.errors] == issues


def test_a_mapping_file_missing_a_column_of_the_file(app_ctx, tmp_path):
    mapping = tmp_path / "staff.json"
    mapping.write_text(
        '{"employee_number": "Staff No", "first_name": "Given", "last_name": "Family", '
        '"email": "Mail", "department": "Team"}'
    )
    with pytest.raises(ValidationFailed) as caught:
        plan_import(b"Staff No,Given,Family,Team\n1,Ann,Top,Office\n", mapping_file=mapping)
    assert caught.value.message == "The file has no column for Work email. Nothing was imported."
    assert [str(i) for i in caught.value.errors] == ["row 1: no column “Mail” for Work email"]


def test_a_mapping_file_with_unknown_or_missing_fields(app_ctx, tmp_path):
    mapping = tmp_path / "bad.json"
    mapping.write_text('{"employee_number": "No", "first_name": "Given", "nickname": "Nick"}')
    with pytest.raises(ValidationFailed) as caught:
        plan_import(b"No,Given\n1,Ann\n", mapping_file=mapping)
    assert caught.value.message == f"The column mapping {mapping} is not usable."
    assert [str(i) for i in caught.value.errors] == [
        f"{mapping}: unknown field 'nickname'",
        f"{mapping}: required field Last name has no column",
        f"{mapping}: required field Work email has no column",
    ]


def test_a_mapping_file_that_is_not_json(app_ctx, tmp_path):
    mapping = tmp_path / "bad.json"
    mapping.write_text("employee_number = No")
    with pytest.raises(ValidationFailed) as caught:
        plan_import(b"No,Given\n1,Ann\n", mapping_file=mapping)
    assert caught.value.message == f"The column mapping {mapping} is not JSON."


def test_absent_optional_columns_keep_what_learnhub_holds(app_ctx):
    _import((HEADER + "1,Ann,Top,ann@x.org,D,Director,Office,,2010-01-04\n").encode())
    summary = _import(b"Employee ID,First Name,Last Name,Work Email\n1,Anne,Top,ann@x.org\n")
    assert summary["updated"] == 1
    ann = db.session.scalar(select(Employee))
    assert ann.first_name == "Anne"
    assert (ann.job_title, ann.org_unit.name, ann.hire_date.isoformat()) == (
        "Director",
        "Office",
        "2010-01-04",
    )


def test_control_characters_are_refused_with_their_row(app_ctx):
    with pytest.raises(ValidationFailed) as caught:
        plan_import((HEADER + "1,An\x00n,Top,ann@x.org,D,Dir,Office,,\n").encode())
    assert "row 2: First name (column “First Name”) contains a control character" in [
        str(issue) for issue in caught.value.errors
    ]


def test_a_full_sync_that_would_empty_the_organisation_is_refused(app_ctx):
    """A truncated file in full-sync mode must not make most people leavers (second tester)."""
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes()
    apply_import(plan_import(data))
    db.session.commit()
    first_rows = b"\r\n".join(data.split(b"\r\n")[:3]) + b"\r\n"  # header and two people
    with pytest.raises(ValidationFailed) as caught:
        plan_import(first_rows, source="hr", mode="full")
    assert "would make 105 of its 107 active people leavers (98%)" in caught.value.message
    assert db.session.scalar(select(func.count(Employee.id)).where(Employee.active)) == 107
    plan = plan_import(first_rows, source="hr", mode="full", max_leavers_percent=100)
    assert plan.summary()["left"] == 105


def test_a_job_code_without_a_target_profile_is_a_warning(app_ctx):
    """Its people would get no skill targets and drop out of every summary (second tester)."""
    plan = plan_import(
        (
            HEADER + "1,Ann,Top,ann@x.org,NOPE_CODE,Dir,Office,,\n"
            "2,Bob,Mid,bob@x.org,SA_REP,Rep,Office,1,\n"
        ).encode()
    )
    assert plan.warnings == [
        "job code NOPE_CODE has no target profile (content/roles/): its people get no skill targets"
    ]
    oracle = plan_import(realdata("hr", "oracle-hr-employees.csv").read_bytes())
    assert not [w for w in oracle.warnings if "target profile" in w]
