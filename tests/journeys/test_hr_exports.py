"""Journey 3: HR downloads the completions CSV; it streams, is complete and safe to open."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.progress.models import Enrolment
from learnhub.reports.completions import HEADER
from tests.conftest import csrf_from, sign_in
from tests.journeys.helpers import first_module, form_answers


def _pass_first_module(app, client) -> None:
    module_id, quiz_id = first_module(app)
    page = client.get(f"/modules/{module_id}").get_data(as_text=True)
    url = client.post(f"/quizzes/{quiz_id}/start", data={"csrf_token": csrf_from(page)}).headers[
        "Location"
    ]
    form = client.get(url).get_data(as_text=True)
    client.post(
        url,
        data=form_answers(app, int(url.rsplit("/", 1)[1]))
        | {"csrf_token": csrf_from(form), "action": "submit"},
    )


def test_hr_downloads_completions(app, demo):
    employee = app.test_client()
    sign_in(employee, "employee@example.org")
    _pass_first_module(app, employee)

    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    # the HR page links to the Exports page with the report chosen (no form of its own)
    assert 'href="/exports?report=completions"' in hr.get("/hr").get_data(as_text=True)
    response = hr.get("/api/v1/exports/completions.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == HEADER
    with app.app_context():
        from learnhub.catalog.models import Module

        expected = db.session.scalar(
            select(func.count())
            .select_from(Enrolment)
            .join(Module, (Module.course_id == Enrolment.course_id) & Module.active.is_(True))
        )
    assert len(rows) - 1 == expected
    evan = [dict(zip(HEADER, r, strict=True)) for r in rows[1:] if r[2] == "employee@example.org"]
    done = [r for r in evan if r["status"] == "completed"]
    assert len(done) == 1
    row = done[0]
    assert row["grade_percent"] == "100.0" and row["attempts"] == "1"
    assert row["points"] == row["max_points"] and row["manager_employee_id"] == "E1003"
    assert row["completed_at"].endswith("Z")
    assert {r["status"] for r in evan} >= {"completed", "not_started"}


def test_only_hr_may_export(app, demo):
    employee = app.test_client()
    sign_in(employee, "employee@example.org")
    response = employee.get("/api/v1/exports/completions.csv")
    assert response.status_code == 403
    assert response.get_json()["code"] == 403
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/exports/completions.csv").status_code == 401


def test_formula_cells_are_neutralised(app, demo):
    with app.app_context():
        evan = db.session.scalar(select(Employee).where(Employee.email == "employee@example.org"))
        evan.first_name, evan.job_title = '=HYPERLINK("http://x")', "+SUM(A1)"
        db.session.commit()
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    rows = list(
        csv.reader(io.StringIO(hr.get("/api/v1/exports/completions.csv").get_data(as_text=True)))
    )
    row = next(r for r in rows if r[2] == "employee@example.org")
    assert row[1].startswith("'=HYPERLINK") and row[5] == "'+SUM(A1)"


def test_cli_writes_the_same_file(app, demo, tmp_path):
    out = tmp_path / "completions.csv"
    result = app.test_cli_runner().invoke(args=["reports", "export-completions", "--out", str(out)])
    assert result.exit_code == 0, result.output
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    assert out.read_bytes() == hr.get("/api/v1/exports/completions.csv").get_data()


def test_every_cell_is_quoted_so_a_semicolon_cannot_start_a_formula(app, demo):
    with app.app_context():
        evan = db.session.scalar(select(Employee).where(Employee.email == "employee@example.org"))
        evan.job_title = "a;=1+2;b"
        db.session.commit()
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    text = hr.get("/api/v1/exports/completions.csv").get_data(as_text=True)
    assert '"a;=1+2;b"' in text
    assert all(line.startswith('"') for line in text.splitlines())
