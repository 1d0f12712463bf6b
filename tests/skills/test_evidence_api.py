"""The evidence API: a person's evidence (scoped), a validation, prior learning, a withdrawal
and the caller's own self-assessment, with the session cookie (and CSRF header) or a token."""

from __future__ import annotations

from sqlalchemy import func, select

from learnhub.auth import tokens
from learnhub.extensions import db
from learnhub.skills.models import Evidence
from tests.conftest import sign_in

FW = "digcomp-3.0"


def _client(app, email: str):
    client = app.test_client()
    client.environ_base["HTTP_X_CSRFTOKEN"] = sign_in(client, email)
    return client


def _evidence_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Evidence.id)))


def test_a_manager_validates_through_the_api_and_lists_the_evidence(app, demo):
    maria = _client(app, "manager@example.org")
    made = maria.post(
        "/api/v1/employees/E1007/validations",
        json={"framework": FW, "competence": " 4.1 ", "level": 2, "note": "Reported a phish"},
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["kind"] == "manager_validation" and body["status"] == "counts"
    assert (body["competence"], body["level"], body["level_name"]) == ("4.1", 2, "Intermediate")
    assert body["recorded_by"] == "Maria Okafor" and body["note"] == "Reported a phish"
    listed = maria.get("/api/v1/employees/E1007/evidence").get_json()
    assert listed["employee_number"] == "E1007"
    assert [e["id"] for e in listed["evidence"]] == [body["id"]]
    # the person sees it too, and their profile counts it
    evan = _client(app, "employee@example.org")
    assert (
        evan.get("/api/v1/employees/E1007/evidence").get_json()["evidence"][0]["id"] == body["id"]
    )
    profile = evan.get("/api/v1/me/competence-profile").get_json()[0]["competences"]
    assert next(c for c in profile if c["code"] == "4.1")["attained"] == 2

    withdrawn = maria.post(
        f"/api/v1/evidence/{body['id']}/withdrawal", json={"reason": "Wrong competence"}
    )
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert withdrawn.get_json()["revoked_reason"] == "Wrong competence"
    again = maria.post(f"/api/v1/evidence/{body['id']}/withdrawal", json={"reason": "x"})
    assert again.status_code == 409
    nobody = maria.post("/api/v1/evidence/99999999999/withdrawal", json={"reason": "x"})
    assert nobody.status_code == 404


def test_outside_the_subtree_is_404_and_bad_input_is_422_naming_the_field(app, demo):
    maria = _client(app, "manager@example.org")
    before = _evidence_rows(app)
    body = {"framework": FW, "competence": "4.1", "level": 2}
    assert maria.post("/api/v1/employees/E1015/validations", json=body).status_code == 404
    assert maria.get("/api/v1/employees/E1015/evidence").status_code == 404
    bad = maria.post("/api/v1/employees/E1007/validations", json=body | {"level": 7})
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["issues"][0]["where"] == "level"
    other = maria.post(
        "/api/v1/employees/E1007/validations", json=body | {"competence": "6.1"}
    ).get_json()
    assert other["errors"]["issues"] == [
        {"where": "competence", "message": "DigComp 3.0 has no competence '6.1'."}
    ]
    unknown = maria.post("/api/v1/employees/E1007/validations", json=body | {"colour": "red"})
    assert unknown.status_code == 422
    # an employee validates nobody, not even themself
    evan = _client(app, "employee@example.org")
    assert evan.post("/api/v1/employees/E1008/validations", json=body).status_code == 404
    assert evan.post("/api/v1/employees/E1007/validations", json=body).status_code == 403
    # only HR records prior learning
    prior = body | {"reference": "Cert", "achieved_on": "2025-01-10"}
    assert maria.post("/api/v1/employees/E1007/prior-learning", json=prior).status_code == 403
    assert _evidence_rows(app) == before


def test_hr_records_prior_learning_anywhere(app, demo):
    hana = _client(app, "hr@example.org")
    made = hana.post(
        "/api/v1/employees/E1015/prior-learning",
        json={
            "framework": FW,
            "competence": "4.1",
            "level": 3,
            "reference": "CompTIA Security+",
            "achieved_on": "2025-01-10",
            "expires_on": "2099-01-09",
        },
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["kind"] == "prior_learning" and body["reference"] == "CompTIA Security+"
    assert body["expires_at"].startswith("2099-01-10T00:00:00")  # through the end of the 9th
    bad = hana.post(
        "/api/v1/employees/E1015/prior-learning",
        json={
            "framework": FW,
            "competence": "4.1",
            "level": 3,
            "reference": "X",
            "achieved_on": "2025-01-10",
            "expires_on": "2024-01-01",
        },
    )
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["issues"][0]["where"] == "expires_on"


def test_self_assessment_through_the_api(app, demo):
    evan = _client(app, "employee@example.org")
    saved = evan.post(
        "/api/v1/me/self-assessment", json={"framework": FW, "ratings": {"4.1": 3, "1.2": 2}}
    )
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["changed"] == 2
    assert sorted((c["competence"], c["level"], c["status"]) for c in body["claims"]) == [
        ("1.2", 2, "claimed"),
        ("4.1", 3, "claimed"),
    ]
    profile = evan.get("/api/v1/me/competence-profile").get_json()[0]["competences"]
    row = next(c for c in profile if c["code"] == "4.1")
    assert (row["attained"], row["claimed"]) == (0, 3)
    refused = evan.post("/api/v1/me/self-assessment", json={"framework": FW, "ratings": {"3.4": 1}})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["issues"][0]["where"] == "ratings.3.4"


def test_tokens_need_the_skills_scopes(app, demo):
    with app.app_context():
        _, writer = tokens.create_token("w", ["skills:write", "skills:read"], 5)
        _, other = tokens.create_token("x", ["assignments:read"], 5)
        db.session.commit()
    client = app.test_client()
    body = {"framework": FW, "competence": "4.1", "level": 2}

    def call(method: str, url: str, secret: str, **kwargs):
        headers = {"Authorization": f"Bearer {secret}"}
        return client.open(url, method=method, headers=headers, **kwargs)

    assert call("POST", "/api/v1/employees/E1007/validations", other, json=body).status_code == 403
    assert call("GET", "/api/v1/employees/E1007/evidence", other).status_code == 403
    made = call("POST", "/api/v1/employees/E1007/validations", writer, json=body)
    assert made.status_code == 201 and made.get_json()["recorded_by"] is None
    listed = call("GET", "/api/v1/employees/E1007/evidence", writer).get_json()
    assert len(listed["evidence"]) == 1
    mine = call("POST", "/api/v1/me/self-assessment", writer, json={"framework": FW, "ratings": {}})
    assert mine.status_code == 403  # a token has no self
