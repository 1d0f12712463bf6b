"""Unicode bidirectional formatting characters in an HR file are refused in every text field,
each named with its row and column (a fresh tester's finding: a last name "Zoë \\u202eevil"
showed as "Zoë live" on a manager's /team page): on the row path and the PostgreSQL staged
path (which hands such a file to the row path), in CSV and XLSX, on the page, in the API and
on the command line."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.org.hr_import import plan_import
from learnhub.org.hr_import.checks import BIDI_CHARACTERS
from learnhub.org.models import Employee
from tests.conftest import sign_in
from tests.factories import EmployeeFactory

HEADER = "Employee ID,First Name,Last Name,Work Email,Job Code,Job Title,Department\n"
ANN = "1,Ann,Top,ann@x.org,DIR,Director,Office\n"
RLO = "contains U+202E RIGHT-TO-LEFT OVERRIDE, a bidirectional formatting character"


def _issues(data: bytes, filename: str = "people.csv") -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        plan_import(data, filename=filename)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Employee.id))) == 0
    return [str(issue) for issue in caught.value.errors]


@pytest.mark.parametrize("char", list(BIDI_CHARACTERS), ids=lambda c: f"U+{ord(c):04X}")
def test_each_bidi_character_in_a_name_is_refused_and_named(app_ctx, char):
    data = HEADER + ANN + f"2,Zoë,Zoë {char}evil,zoe@x.org,DIR,Director,Office\n"
    [issue] = _issues(data.encode())
    assert issue.startswith(f"row 3: Last name (column “Last Name”) contains U+{ord(char):04X} ")


def test_the_trojan_name_and_every_text_field_are_refused(app_ctx):
    data = (
        HEADER
        + ANN
        + "2,Zoë,Zoë \u202eevil,zoe@x.org,DIR,Director,Office\n"
        + "3\u2066,Cy,Mid,cy@x.org,DI\u202dR,Head\u200f of IT,Off\u061cice\n"
        + "4,Di,Low,di\u202a@x.org,DIR,\u202b\u202cDirector,Office\n"
    )
    issues = _issues(data.encode())
    assert f"row 3: Last name (column “Last Name”) {RLO}" in "\n".join(issues)
    found = {re.match(r"row (\d): (.+?) \(column", i).group(1, 2) for i in issues}
    assert found == {
        ("3", "Last name"),
        ("4", "Employee number"),
        ("4", "Job code"),
        ("4", "Job title"),
        ("4", "Org unit"),
        ("5", "Work email"),
        ("5", "Job title"),
    }
    two = next(i for i in issues if i.startswith("row 5: Job title"))
    assert "U+202B RIGHT-TO-LEFT EMBEDDING and U+202C POP DIRECTIONAL FORMATTING, " in two
    assert "bidirectional formatting characters (invisible" in two


def test_an_xlsx_cell_is_refused_too(app_ctx):
    book = Workbook()
    sheet = book.active
    for line in (HEADER, ANN, "2,Zoë,Zoë \u202eevil,zoe@x.org,DIR,Director,Office\n"):
        sheet.append(line.strip().split(","))
    out = io.BytesIO()
    book.save(out)
    assert _issues(out.getvalue(), "people.xlsx") == [
        f"row 3: Last name (column “Last Name”) {RLO} "
        "(invisible: it makes text show in another order than it is written)"
    ]


def test_the_page_the_api_and_the_command_line_refuse_it(app, tmp_path):
    with app.app_context():
        EmployeeFactory(email="hana@x.org", password="hr-password", roles=["hr"])
        db.session.commit()
    data = (HEADER + ANN + "2,Zoë,Zoë \u202eevil,zoe@x.org,DIR,Director,Office\n").encode()
    client = app.test_client()
    csrf = sign_in(client, "hana@x.org", "hr-password")
    api = client.post(
        "/api/v1/org/imports?dry_run=true",
        data={"file": (io.BytesIO(data), "people.csv")},
        headers={"X-CSRFToken": csrf},
    )
    assert api.status_code == 422, api.get_json()
    assert any(RLO in i["message"] for i in api.get_json()["errors"]["issues"])
    page = client.post(
        "/hr/imports",
        data={
            "csrf_token": csrf,
            "file": (io.BytesIO(data), "people.csv"),
            **{"profile": "", "source": "hr", "mode": "", "encoding": "", "max_leavers": "20"},
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert RLO in page.get_data(as_text=True)
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    cli = app.test_cli_runner().invoke(args=["org", "import", str(path)])
    assert cli.exit_code == 1 and RLO in cli.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Employee.id))) == 1  # Hana only
