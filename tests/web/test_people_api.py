"""The People directory's JSON twin: GET /api/v1/employees, the same filters, paged and
audited; org:read tokens and HR only (issue 13)."""

from sqlalchemy import select

from learnhub.extensions import db
from tests.conftest import sign_in
from tests.factories import EmployeeFactory
from tests.web.people_shared import PASSWORD, hr_client


def _token(app, scope: str) -> dict[str, str]:
    made = app.test_cli_runner().invoke(
        args=["auth", "create-token", "--name", scope, "--scopes", scope, "--expires-days", 9]
    )
    assert made.exit_code == 0, made.output
    return {"Authorization": f"Bearer {made.output.strip().splitlines()[-1]}"}


def test_the_api_lists_people_with_the_same_filters_paged_and_audited(app, people):
    import json

    from learnhub.core.audit import AuditEvent

    client = hr_client(app)
    response = client.get("/api/v1/employees?org_unit=CASE&status=all&page_size=2")
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    first = response.get_json()
    assert [p["employee_number"] for p in first] == ["P0003", "P0005"]
    assert first[0] | {"left_at": None} == {
        "employee_number": "P0003",
        "name": "Émile de Vries",
        "email": "emile.devries@example.test",
        "org_unit": "APP",
        "org_unit_path": "Directorate \u203a Casework \u203a Appeals",
        "job_role": "CASE_OFF",
        "job_role_title": "Case officer",
        "job_title": None,
        "manager_employee_number": "P0001",
        "manager_name": "Grace Adeyemi",
        "active": True,
        "left_at": None,
        "overdue": 0,
    }
    assert first[1]["active"] is False and first[1]["left_at"]
    second = client.get("/api/v1/employees?org_unit=CASE&status=all&page_size=2&page=2")
    assert [p["employee_number"] for p in second.get_json()] == ["P0002"]
    assert "X-Next-Cursor" not in second.headers and second.headers["X-Previous-Cursor"]
    # keyset paging: the cursor of the first page's headers gives the same second page
    cursor = response.headers["X-Next-Cursor"]
    keyset = client.get(f"/api/v1/employees?org_unit=CASE&status=all&page_size=2&cursor={cursor}")
    assert keyset.get_json() == second.get_json()
    assert json.loads(keyset.headers["X-Pagination"])["page"] == 2
    before = keyset.headers["X-Previous-Cursor"]
    back = client.get(f"/api/v1/employees?org_unit=CASE&status=all&page_size=2&cursor={before}")
    assert back.get_json() == first and "X-Previous-Cursor" not in back.headers
    search = client.get("/api/v1/employees?q=zolk&include_sub_units=false&org_unit=CASE")
    assert [p["employee_number"] for p in search.get_json()] == ["P0002"]
    bad = client.get("/api/v1/employees?org_unit=GONE")
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["issues"] == [
        {"where": "org_unit", "message": "No org unit has the code 'GONE'."}
    ]
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "list_employees").order_by(AuditEvent.id)
        ).all()
        assert len(events) == 5
        assert events[0].details["filters"] == {"org_unit": "CASE", "status": "all"}
        assert [e.details["page"] for e in events] == [1, 2, 2, 1, 1]


def test_the_api_answers_org_read_tokens_and_hr_only(app, people):
    client = app.test_client()
    allowed = client.get("/api/v1/employees?q=priya", headers=_token(app, "org:read"))
    assert allowed.status_code == 200
    assert [p["employee_number"] for p in allowed.get_json()] == ["P0004"]
    other = client.get("/api/v1/employees", headers=_token(app, "exports:read"))
    assert other.status_code == 403
    with app.app_context():
        EmployeeFactory(email="staff@example.test", password=PASSWORD)
        db.session.commit()
    sign_in(client, "staff@example.test", PASSWORD)
    assert client.get("/api/v1/employees").status_code == 403
