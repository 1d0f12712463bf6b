"""API conventions: OpenAPI, the error envelope, sign-in required everywhere (pages and
health: tests/web/test_pages.py; the team API: tests/reports/)."""

from __future__ import annotations

import pytest

from learnhub.extensions import db
from tests.conftest import sign_in

PROTECTED = [
    ("get", "/api/v1/courses"),
    ("get", "/api/v1/modules/1"),
    ("post", "/api/v1/quizzes/1/attempts"),
    ("get", "/api/v1/attempts/1"),
    ("put", "/api/v1/attempts/1/responses"),
    ("post", "/api/v1/attempts/1/submit"),
    ("get", "/api/v1/me/progress"),
    ("get", "/api/v1/me/record"),
    ("get", "/api/v1/me/competence-profile"),
    ("get", "/api/v1/me/reminders"),
    ("get", "/api/v1/teams/me/skill-gaps"),
    ("get", "/api/v1/exports/completions.csv"),
    ("get", "/api/v1/exports/requirements"),
    ("get", "/api/v1/api-tokens"),
    ("post", "/api/v1/api-tokens"),
    ("delete", "/api/v1/api-tokens/1"),
    ("get", "/api/v1/audit-events"),
    ("get", "/api/v1/audit-events.csv"),
    ("get", "/api/v1/assignments"),
    ("post", "/api/v1/assignments"),
    ("post", "/api/v1/assignments/preview"),
    ("get", "/api/v1/assignments/1"),
    ("patch", "/api/v1/assignments/1"),
    ("delete", "/api/v1/assignments/1"),
    ("get", "/api/v1/me/requirements"),
    ("get", "/api/v1/employees/E1007/requirements"),
]


def test_openapi_lists_the_integration_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/courses",
        "/api/v1/modules/{module_id}",
        "/api/v1/quizzes/{quiz_id}/attempts",
        "/api/v1/attempts/{attempt_id}/submit",
        "/api/v1/me/progress",
        "/api/v1/teams/me/skill-gaps",
        "/api/v1/exports/completions.csv",
        "/api/v1/assignments",
        "/api/v1/me/requirements",
        "/api/v1/exports/requirements",
    ):
        assert path in spec["paths"], path
    assert {"Attempt", "LearnerQuestion", "ResponsesArgs"} <= set(spec["components"]["schemas"])


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_api_needs_sign_in(client, method, path):
    response = getattr(client, method)(path, headers={"Authorization": "Bearer nothing"})
    assert response.status_code == 401
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"} and body["code"] == 401


def test_sign_in_is_case_insensitive_and_wrong_password_fails(app, demo):
    client = app.test_client()
    sign_in(client, "Employee@Example.ORG")
    other = app.test_client()
    page = other.get("/sign-in").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page
    )
    response = other.post(
        "/sign-in",
        data={
            "email": "employee@example.org",
            "password": "wrong-password",
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)


def test_people_imported_without_a_password_cannot_sign_in(app):
    from learnhub.extensions import db
    from learnhub.org.hr_import import apply_import, plan_import
    from tests.conftest import csrf_from, realdata

    with app.app_context():
        apply_import(plan_import(realdata("hr", "oracle-hr-employees.csv").read_bytes()))
        db.session.commit()
    client = app.test_client()
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": "sking@example.org", "password": "", "csrf_token": token}
    )
    assert response.status_code == 400
    response = client.post(
        "/sign-in",
        data={"email": "sking@example.org", "password": "anything-at-all", "csrf_token": token},
    )
    assert response.status_code == 401


def test_ids_beyond_the_database_integer_are_not_found(app, demo):
    client = app.test_client()
    token = sign_in(client, "employee@example.org")
    for path in ("/modules/2147483648", "/api/v1/modules/99999999999999999999999"):
        assert client.get(path).status_code == 404, path
    assert (
        client.post(
            "/api/v1/quizzes/2147483648/attempts", headers={"X-CSRFToken": token}
        ).status_code
        == 404
    )


def test_behind_a_proxy_the_client_address_is_audited(app, demo, database_url, monkeypatch):
    from sqlalchemy import select

    from learnhub.app import create_app
    from learnhub.core.audit import AuditEvent
    from learnhub.extensions import db

    monkeypatch.setenv("LEARNHUB_PROXY_COUNT", "1")
    behind = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "LEARNHUB_PASSWORD_METHOD": "pbkdf2:sha256:1000",
        }
    )
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()
    try:
        client = behind.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.7"
        sign_in(client, "employee@example.org")
    finally:
        with behind.app_context():
            db.engine.dispose()
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_in"))
        assert event.ip == "203.0.113.7"


def test_hostile_bodies_and_numbers_are_400_not_500(app, demo):
    client = app.test_client()
    token = sign_in(client, "hr@example.org")
    deep = '{"responses": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}"
    response = client.put(
        "/api/v1/attempts/1/responses",
        data=deep,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == "The request body is nested too deeply."
    huge = client.get("/api/v1/audit-events?page=99999999999999999999")
    assert huge.status_code in (400, 422)


def test_a_nul_the_database_refuses_is_named(app, demo):
    """Where no page checks for it, PostgreSQL refuses a NUL (%00) as a DataError: the answer
    names the character rather than "out of range" (a tester's bare 400 page). SQLite
    stores NUL, so there the person is simply not found."""
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    client = app.test_client()
    sign_in(client, "hr@example.org")
    for path in ("/people/E10%0007", "/api/v1/employees/E10%0007/profile"):
        response = client.get(path)
        if not postgresql:
            assert response.status_code == 404
            continue
        assert response.status_code == 400, path
        assert "holds the NUL character (%00)" in response.get_data(as_text=True), path


def test_openapi_declares_how_clients_authenticate(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["session"] == {**schemes["session"], "type": "apiKey", "in": "cookie"}
    assert schemes["csrf"]["name"] == "X-CSRFToken" and schemes["bearer"]["scheme"] == "bearer"
    operations = {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }
    for (method, path), operation in operations.items():
        assert "401" in operation["responses"] and "default" not in operation["responses"], path
        session = {"session": []} if method == "GET" else {"session": [], "csrf": []}
        assert operation["security"][0] == session, (method, path)
    audit = operations[("GET", "/api/v1/audit-events")]
    assert audit["security"] == [{"session": []}, {"bearer": []}]
    assert audit["x-token-scope"] == "audit:read" and "403" in audit["responses"]
    assert operations[("GET", "/api/v1/courses")]["security"] == [{"session": []}]
    assert operations[("GET", "/api/v1/exports/completions.csv")]["x-token-scope"] == (
        "exports:read"
    )
    assert operations[("POST", "/api/v1/assignments")]["x-token-scope"] == "assignments:write"
    assert operations[("GET", "/api/v1/assignments")]["x-token-scope"] == "assignments:read"
    assert "x-token-scope" not in operations[("GET", "/api/v1/me/requirements")]
    requirements = operations[("GET", "/api/v1/exports/requirements")]
    assert requirements["x-token-scope"] == "exports:read" and "422" in requirements["responses"]
    for path, method, code in [
        ("/api/v1/assignments", "POST", "422"),
        ("/api/v1/assignments/{assignment_id}", "PATCH", "404"),
        ("/api/v1/modules/{module_id}", "GET", "404"),
        ("/api/v1/attempts/{attempt_id}/responses", "PUT", "409"),
        ("/api/v1/teams/me/skill-gaps", "GET", "403"),
        ("/api/v1/api-tokens/{token_id}", "DELETE", "404"),
    ]:
        assert code in operations[(method, path)]["responses"], (method, path, code)


def test_schema_and_service_errors_have_one_422_shape(app, demo):
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "hr@example.org")}
    schema_error = client.post("/api/v1/api-tokens", json={"name": "x"}, headers=headers)
    service_error = client.post(
        "/api/v1/api-tokens", json={"name": "x", "scopes": ["everything"]}, headers=headers
    )
    for response in (schema_error, service_error):
        body = response.get_json()
        assert response.status_code == 422 and set(body) == {"code", "status", "message", "errors"}
        assert all(set(issue) == {"where", "message"} for issue in body["errors"]["issues"])
    assert schema_error.get_json()["errors"]["json"] == {
        "scopes": ["Missing data for required field."]
    }
    assert schema_error.get_json()["errors"]["issues"] == [
        {"where": "json.scopes", "message": "Missing data for required field."}
    ]
    assert [i["where"] for i in service_error.get_json()["errors"]["issues"]] == ["scopes"]


def test_an_api_write_without_a_session_is_401_and_forms_still_need_csrf(client):
    response = client.post("/api/v1/api-tokens", json={"name": "x", "scopes": ["audit:read"]})
    assert response.status_code == 401 and response.get_json()["code"] == 401
    form = client.post("/sign-in", data={"email": "hr@example.org", "password": "x"})
    assert form.status_code == 400


def test_a_method_an_api_path_does_not_have_is_405_before_any_csrf_check(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    response = client.put("/api/v1/courses", json={})
    assert response.status_code == 405 and response.get_json()["code"] == 405
