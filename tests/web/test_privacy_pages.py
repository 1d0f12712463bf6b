"""HR's personal data pages (issue 15): the requests list with its forms (a copy of someone's
data, erasure confirmed by typing the employee number again, legal holds), the download, and
the person page's HR section; refusals said on the field, nothing changed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from learnhub.core.audit import AuditEvent
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.privacy.models import SubjectAccessRequest
from tests.conftest import sign_in
from tests.factories import EmployeeFactory


def _people(app) -> None:
    with app.app_context():
        hr = EmployeeFactory(
            email="hr.person@example.org",
            first_name="Hanna",
            password="learnhub-demo",
            roles=["hr"],
        )
        EmployeeFactory(employee_number="E9001", first_name="Ines", last_name="Present", manager=hr)
        EmployeeFactory(
            employee_number="E9002",
            first_name="Lars",
            last_name="Leaver",
            email="lars.leaver@example.org",
            active=False,
            left_at=utcnow() - timedelta(days=30),
        )
        db.session.commit()


def _hr(app):
    client = app.test_client()
    return client, sign_in(client, "hr.person@example.org")


def test_hr_asks_for_a_copy_and_downloads_it(app):
    _people(app)
    client, token = _hr(app)
    page = client.get("/privacy/requests")
    assert page.status_code == 200 and "Nobody has asked" in page.get_data(as_text=True)
    answer = client.post(
        "/privacy/requests",
        data={"csrf_token": token, "export-employee_number": "E9002", "export-reason": "ticket 7"},
    )
    assert answer.status_code == 302
    html = client.get("/privacy/requests").get_data(as_text=True)
    assert "Lars Leaver" in html and "ticket 7" in html and "Download request" in html
    with app.app_context():
        request_id = db.session.scalar(select(SubjectAccessRequest.id))
    file = client.get(f"/privacy/requests/{request_id}/file")
    assert file.status_code == 200 and file.data[:2] == b"PK"
    file.close()
    person = client.get("/people/E9002").get_data(as_text=True)
    assert 'id="personal-data"' in person and f"Request {request_id}" in person


def test_a_copy_of_nobody_is_refused_on_the_field(app):
    _people(app)
    client, token = _hr(app)
    answer = client.post(
        "/privacy/requests",
        data={"csrf_token": token, "export-employee_number": "E0000", "export-reason": "x"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "There is a problem" in html
    assert "No person with employee number" in html and 'aria-invalid="true"' in html
    answer = client.post("/privacy/requests", data={"csrf_token": token})
    assert "Enter the employee number" in answer.get_data(as_text=True)


def test_erasure_needs_the_number_typed_again_and_a_leaver(app):
    _people(app)
    client, token = _hr(app)
    form = {"csrf_token": token, "erase-employee_number": "E9002", "erase-reason": "asked"}
    mismatch = client.post("/privacy/erasures", data=form | {"erase-confirm": "E9001"})
    assert mismatch.status_code == 422
    assert "do not match: nothing was erased" in mismatch.get_data(as_text=True)
    employed = client.post(
        "/privacy/erasures",
        data=form | {"erase-employee_number": "E9001", "erase-confirm": "E9001"},
    )
    assert employed.status_code == 422 and "still employed" in employed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Employee).where(Employee.employee_number == "E9002"))
    held = client.post(
        "/privacy/legal-holds",
        data={
            "csrf_token": token,
            "hold-employee_number": "E9002",
            "hold-action": "set",
            "hold-reason": "claim",
        },
    )
    assert held.status_code == 302
    refused = client.post("/privacy/erasures", data=form | {"erase-confirm": "E9002"})
    assert "under a legal hold" in refused.get_data(as_text=True)
    client.post(
        "/privacy/legal-holds",
        data={
            "csrf_token": token,
            "hold-employee_number": "E9002",
            "hold-action": "lift",
            "hold-reason": "settled",
        },
    )
    done = client.post("/privacy/erasures", data=form | {"erase-confirm": "E9002"})
    assert done.status_code == 302
    with app.app_context():
        assert not db.session.scalar(select(Employee).where(Employee.last_name == "Leaver"))
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.startswith("person."))
        ).all()
        assert sorted(actions) == ["person.erased", "person.legal_hold", "person.legal_hold_lifted"]


def test_a_manager_sees_no_personal_data_section(app):
    _people(app)
    with app.app_context():
        EmployeeFactory(
            email="boss@example.org",
            password="learnhub-demo",
            first_name="Boss",
        )
        ines = db.session.scalar(select(Employee).where(Employee.employee_number == "E9001"))
        boss = db.session.scalar(select(Employee).where(Employee.email == "boss@example.org"))
        ines.manager_id = boss.id
        db.session.commit()
    manager = app.test_client()
    sign_in(manager, "boss@example.org")
    page = manager.get("/people/E9001")
    assert page.status_code == 200 and 'id="personal-data"' not in page.get_data(as_text=True)
    assert manager.get("/privacy/requests").status_code == 403
