"""The audit log: sensitive actions record who, what, when and from where; HR and platform
admins list it (paged, filtered) and export it as CSV with formula cells neutralised."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import select

from learnhub.core.audit import AuditEvent, audit
from learnhub.extensions import db
from learnhub.org.models import Employee
from tests.conftest import csrf_from, sign_in


def _failed_sign_in(client, email: str) -> None:
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": email, "password": "wrong password", "csrf_token": token}
    )
    assert response.status_code == 401


def test_sensitive_actions_record_who_what_when_and_where(app, demo):
    client = app.test_client()
    _failed_sign_in(client, "Employee@Example.org")
    csrf = sign_in(client, "hr@example.org")
    client.get("/api/v1/exports/completions.csv")
    client.post(
        "/api/v1/api-tokens",
        json={"name": "BI", "scopes": ["exports:read"]},
        headers={"X-CSRFToken": csrf},
    )
    app.test_cli_runner().invoke(args=["auth", "grant-role", "employee@example.org", "hr"])
    with app.app_context():
        hr = db.session.scalar(select(Employee.id).where(Employee.email == "hr@example.org"))
        # the newest event of each action (the demo seed grants roles too: Oliver Bennett's
        # content_admin, so "role_granted" is the CLI's only when read in order)
        events = {
            e.action: e
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.at.is_not(None)).order_by(AuditEvent.id)
            )
        }
        failed = events["sign_in_failed"]
        assert (failed.target, failed.actor_id, failed.ip) == (
            "employee@example.org",
            None,
            "127.0.0.1",
        )
        for action in ("sign_in", "export_completions", "api_token_created"):
            assert events[action].actor_id == hr and events[action].ip == "127.0.0.1", action
        granted = events["role_granted"]  # from the CLI: no actor, no address
        assert granted.details == {"role": "hr"} and granted.actor_id is None
        assert all(isinstance(e.at, datetime) and e.at.tzinfo for e in events.values())


def _seed_events(app) -> None:
    with app.app_context():
        base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        for day in range(5):
            with freeze_time(base + timedelta(days=day)):
                audit("org_import", target=f"file-{day}.csv", rows=day)
                audit("sign_in_failed", target=f"x{day}@example.org")
        db.session.commit()


def test_hr_lists_the_log_newest_first_paged_and_filtered(app, demo):
    _seed_events(app)
    client = app.test_client()
    sign_in(client, "hr@example.org")
    page = client.get("/api/v1/audit-events?action=org_import&page=1&page_size=2")
    assert page.status_code == 200
    assert [e["target"] for e in page.get_json()] == ["file-4.csv", "file-3.csv"]
    paging = json.loads(page.headers["X-Pagination"])
    assert paging["total"] == 5 and paging["total_pages"] == 3 and paging["next_page"] == 2
    last = client.get("/api/v1/audit-events?action=org_import&page=3&page_size=2").get_json()
    assert [e["target"] for e in last] == ["file-0.csv"]
    ranged = client.get(
        "/api/v1/audit-events?action=org_import&since=2026-03-02&until=2026-03-04T12:00:00Z"
    ).get_json()
    assert [e["target"] for e in ranged] == ["file-2.csv", "file-1.csv"]
    assert set(ranged[0]) == {
        "id",
        "at",
        "action",
        "actor_id",
        "actor_token_id",
        "target",
        "ip",
        "details",
    }
    bad = client.get("/api/v1/audit-events?since=yesterday")
    assert bad.status_code == 422 and "since" in bad.get_json()["errors"]["query"]


def test_people_without_hr_or_admin_cannot_read_the_log(app, demo):
    for email in ("employee@example.org", "manager@example.org"):
        client = app.test_client()
        sign_in(client, email)
        for path in ("/api/v1/audit-events", "/api/v1/audit-events.csv"):
            response = client.get(path)
            assert response.status_code == 403, (email, path)
            assert response.get_json()["code"] == 403


def test_the_csv_export_neutralises_formulas_and_is_audited(app, demo):
    client = app.test_client()
    _failed_sign_in(client, '=HYPERLINK("http://evil.example","x")')
    _failed_sign_in(client, "+1-2@example.org")
    sign_in(client, "hr@example.org")
    response = client.get("/api/v1/audit-events.csv?action=sign_in_failed")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "id",
        "at",
        "action",
        "actor",
        "actor_employee_number",
        "actor_token_id",
        "target",
        "about",
        "about_employee_number",
        "ip",
        "details",
    ]
    targets = sorted(row[6] for row in rows[1:])
    assert targets == ["'+1-2@example.org", '\'=hyperlink("http://evil.example","x")']
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    with app.app_context():
        exported = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "export_audit_events")
        )
        assert exported.details == {"filters": {"action": "sign_in_failed"}}


def test_the_api_refuses_wrong_filters_as_the_page_does(app, demo):
    """A tester's finding: ?action=bogus and until before since answered 200 with nothing,
    where the page answers 422 naming the field; the API and its CSV now do too."""
    client = app.test_client()
    sign_in(client, "hr@example.org")
    for path in ("/api/v1/audit-events", "/api/v1/audit-events.csv"):
        bogus = client.get(f"{path}?action=bogus")
        assert bogus.status_code == 422, path
        assert bogus.get_json()["errors"]["issues"][0]["where"] == "action"
        assert "bogus" in bogus.get_json()["message"]
        backwards = client.get(f"{path}?since=2026-06-02&until=2026-06-01")
        assert backwards.status_code == 422, path
        assert backwards.get_json()["errors"]["issues"][0]["where"] == "until"
    # a known action the log holds none of lists none; a right range lists
    assert client.get("/api/v1/audit-events?action=person.erased").get_json() == []
    fine = client.get("/api/v1/audit-events?action=sign_in&since=2000-01-01&until=2999-01-01")
    assert fine.status_code == 200 and len(fine.get_json()) == 1
