"""XLSX files, import profiles used by name, and the ``flask org import`` command line
(dry-run report, errors, progress bar)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from learnhub.core.errors import DomainError, NotFound, ValidationFailed
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee, ImportProfile
from learnhub.org.profiles import plan_with_profile, save_profile
from tests.conftest import realdata

ORACLE_HEADER = [
    "Employee ID",
    "First Name",
    "Last Name",
    "Work Email",
    "Job Code",
    "Job Title",
    "Department",
    "Manager ID",
    "Hire Date",
]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_numbers_and_dates_reads_like_the_csv(app_ctx):
    data = _xlsx(
        [
            ORACLE_HEADER,
            [
                100,
                "Steven",
                "King",
                "SKing@Example.org",
                "AD_PRES",
                "President",
                "Executive",
                None,
                datetime(2013, 6, 17),
            ],
            [],  # a blank row is skipped but keeps the numbering
            [
                101.0,
                "Neena",
                "Yang",
                "nyang@example.org",
                "AD_VP",
                "VP",
                "Executive",
                100,
                date(2015, 9, 21),
            ],
        ]
    )
    plan = plan_import(data, filename="staff.xlsx")
    assert [(r.row, r.values["employee_number"]) for r in plan.rows] == [(2, "100"), (4, "101")]
    apply_import(plan)
    db.session.commit()
    neena = db.session.scalar(select(Employee).where(Employee.employee_number == "101"))
    assert neena.manager.email == "sking@example.org"
    assert neena.hire_date == date(2015, 9, 21)


def test_xlsx_errors_carry_the_sheet_row(app_ctx):
    data = _xlsx(
        [
            ORACLE_HEADER,
            [1, "Ann", "Top", "ann@x.org", "D", "Dir", "Office", None, None],
            [2, "Bob", "Mid", "bob@x.org", "M", "Mgr", "Office", 2, None],
        ]
    )
    with pytest.raises(ValidationFailed) as caught:
        plan_import(data)
    assert [str(i) for i in caught.value.errors] == ["row 3: employee 2 is their own manager"]


def test_a_damaged_xlsx_is_rejected(app_ctx):
    data = _xlsx([ORACLE_HEADER])[:200]
    with pytest.raises(ValidationFailed) as caught:
        plan_import(data, filename="staff.xlsx")
    assert caught.value.message == "The HR file is not a readable XLSX workbook."


def test_profiles_for_the_oracle_file_and_learnhub_columns(app_ctx, tmp_path):
    save_profile("oracle", preset="oracle-hr", mode="full", description="Oracle HR export")
    mapping = tmp_path / "payroll.json"
    mapping.write_text(
        json.dumps(
            {
                "employee_number": "employee_number",
                "first_name": "first_name",
                "last_name": "last_name",
                "email": "email",
                "org_unit": "org_unit",
                "org_unit_parent": "org_unit_parent",
                "job_title": "job_title",
                "job_code": "job_code",
                "manager_employee_number": "manager_employee_number",
            }
        )
    )
    save_profile("payroll", mapping_file=mapping, mode="delta")
    db.session.commit()

    oracle = plan_with_profile(realdata("hr", "oracle-hr-employees.csv").read_bytes(), "oracle")
    assert (oracle.source, oracle.mode, oracle.summary()["added"]) == ("oracle", "full", 107)
    apply_import(oracle)
    payroll = plan_with_profile(
        (
            b"employee_number,first_name,last_name,email,org_unit,org_unit_parent,job_title,"
            b"job_code,manager_employee_number\n"
            b"P1,Pat,Doe,pat@x.org,Payroll,Finance,Clerk,FI_ACCOUNT,100\n"
        ),
        "payroll",
    )
    assert (payroll.source, payroll.mode, payroll.units_added) == ("payroll", "delta", ["Payroll"])
    apply_import(payroll)
    db.session.commit()
    pat = db.session.scalar(select(Employee).where(Employee.employee_number == "P1"))
    assert (pat.source, pat.org_unit.name, pat.manager.employee_number) == (
        "payroll",
        "Payroll",
        "100",
    )
    # the Oracle profile's full sync does not make the payroll source's person a leaver
    again = plan_with_profile(realdata("hr", "oracle-hr-employees.csv").read_bytes(), "oracle")
    assert again.summary() == {"rows": 107, "added": 0, "updated": 0, "unchanged": 107, "left": 0}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"name": "Oracle HR", "preset": "oracle-hr", "mode": "full"},
            DomainError,
            "Profile name 'Oracle HR': use lower-case letters, digits, '_', '.' or '-' "
            "(at most 60, starting with a letter or digit).",
        ),
        (
            {"name": "x", "preset": "oracle-hr", "mode": "weekly"},
            DomainError,
            "Unknown import mode 'weekly'; modes: full, delta.",
        ),
        (
            {"name": "x", "preset": "sap", "mode": "full"},
            DomainError,
            "Unknown preset 'sap'; presets: oracle-hr, learnhub.",
        ),
        (
            {"name": "x", "mode": "full"},
            DomainError,
            "Give the profile's columns as exactly one of a mapping or a preset.",
        ),
        (
            {"name": "x", "mapping": {"employee_number": "No"}, "mode": "full"},
            ValidationFailed,
            "The column mapping of profile x is not usable.",
        ),
    ],
)
def test_bad_profiles_are_refused(app_ctx, kwargs, error, message):
    name = kwargs.pop("name")
    with pytest.raises(error) as caught:
        save_profile(name, **kwargs)
    assert caught.value.message == message
    assert db.session.scalar(select(func.count(ImportProfile.id))) == 0


def test_an_unknown_profile_names_the_saved_ones(app_ctx):
    save_profile("oracle", preset="oracle-hr", mode="full")
    with pytest.raises(NotFound) as caught:
        plan_with_profile(b"x", "sap")
    assert caught.value.message == (
        "No import profile 'sap' (saved profiles: oracle); create one with "
        "`flask org profile save`."
    )


def test_cli_dry_run_reports_added_updated_left_and_changes_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    path = realdata("hr", "oracle-hr-employees.csv")
    saved = runner.invoke(
        args=["org", "profile", "save", "oracle", "--preset", "oracle-hr", "--mode", "full"]
    )
    assert saved.exit_code == 0, saved.output
    first = runner.invoke(args=["org", "import", str(path), "--profile", "oracle"])
    assert first.exit_code == 0, first.output
    assert "added 107, updated 0, unchanged 0, left 0" in first.output

    lines = path.read_text().splitlines(keepends=True)
    changed = [lines[0]] + [
        line.replace("Neena", "Nina") if line.startswith("101,") else line
        for line in lines[1:]
        if not line.startswith(("206,", "205,"))  # 205 manages 206: both go
    ]
    changed.append("999,New,Person,new.person@example.org,IT_PROG,Programmer,IT,103,2024-01-01\n")
    target = str(tmp_path / "oracle-changed.csv")
    Path(target).write_text("".join(changed))
    dry = runner.invoke(args=["org", "import", target, "--profile", "oracle", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "added 1, updated 1, unchanged 104, left 2" in dry.output
    assert "added (1): 999\n" in dry.output
    assert "updated (1): 101\n" in dry.output
    assert "left (2): 205, 206\n" in dry.output
    assert "errors: none" in dry.output and "Dry run: nothing changed." in dry.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Employee.id)).where(Employee.active)) == 107

    applied = runner.invoke(args=["org", "import", target, "--profile", "oracle"])
    assert applied.exit_code == 0, applied.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Employee.id)).where(Employee.active)) == 106


def test_cli_dry_run_prints_the_errors_with_rows(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(ORACLE_HEADER) + "\n1,Ann,Top,ann@x.org,D,Dir,Office,1,\n")
    result = app.test_cli_runner().invoke(args=["org", "import", str(bad), "--dry-run"])
    assert result.exit_code == 1
    assert "The HR file has 1 error(s); nothing was imported." in result.output
    assert "  - row 2: employee 1 is their own manager" in result.output


def test_cli_shows_a_progress_bar_for_large_files(app, tmp_path):
    big = tmp_path / "big.csv"
    rows = [",".join(ORACLE_HEADER)]
    rows += [
        f"{n},First{n},Last{n},p{n}@x.org,CLERK,Clerk,Office,{'' if n == 1 else 1},"
        for n in range(1, 1201)
    ]
    big.write_text("\n".join(rows) + "\n")
    result = app.test_cli_runner().invoke(args=["org", "import", str(big), "--mode", "full"])
    assert result.exit_code == 0, result.output
    assert "Checking" in result.output and "Applying" in result.output
    assert "added 1200" in result.output


def test_an_unknown_mode_is_refused(app_ctx):
    with pytest.raises(DomainError) as caught:
        plan_import(b"employee_number\n", mode="weekly")
    assert caught.value.message == "Unknown import mode 'weekly'; modes: full, delta."


def test_cli_profile_and_mapping_exclude_each_other(app, tmp_path):
    mapping = tmp_path / "m.json"
    mapping.write_text("{}")
    result = app.test_cli_runner().invoke(
        args=["org", "import", str(mapping), "--profile", "x", "--mapping", str(mapping)]
    )
    assert result.exit_code == 2
    assert "--profile already has a mapping; give one or the other." in result.output


def test_cli_lists_saved_profiles(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["org", "profile", "save", "payroll", "--preset", "learnhub"])
    result = runner.invoke(args=["org", "profile", "list"])
    assert result.exit_code == 0
    assert result.output.startswith('payroll\tdelta\t{"employee_number": "employee_number"')
