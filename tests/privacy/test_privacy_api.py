"""HR's erasure and legal hold through the API (issue 15): reason required, refused with a 409
that says why while the person is employed or on legal hold, audited, HR only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from learnhub.core.audit import AuditEvent
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from tests.conftest import sign_in
from tests.factories import EmployeeFactory


def _people(app) -> None:
    with app.app_context():
        EmployeeFactory(email="hr.person@example.org", password="learnhub-demo", roles=["hr"])
        EmployeeFactory(employee_number="E8001", email="still.here@example.org")
        EmployeeFactory(
            employee_number="E8002",
            email="gone@example.org",
            first_name="Gone",
            active=False,
            left_at=utcnow() - timedelta(days=400),
        )
        db.session.commit()


def _post(client, token, path, body):
    return client.post(f"/api/v1/privacy/{path}", json=body, headers={"X-CSRFToken": token})


def test_erasure_refused_with_409_then_done_after_the_hold_is_lifted(app):
    _people(app)
    client = app.test_client()
    token = sign_in(client, "hr.person@example.org")
    employed = _post(client, token, "erasures", {"employee_number": "E8001", "reason": "asked"})
    assert employed.status_code == 409
    assert "still employed" in employed.get_json()["message"]
    assert _post(client, token, "erasures", {"employee_number": "E8002"}).status_code == 422
    held = _post(
        client, token, "legal-holds", {"employee_number": "E8002", "on": True, "reason": "claim"}
    )
    assert held.status_code == 200 and held.get_json()["legal_hold"] is True
    refused = _post(client, token, "erasures", {"employee_number": "E8002", "reason": "asked"})
    assert refused.status_code == 409 and "legal hold" in refused.get_json()["message"]
    lifted = _post(
        client,
        token,
        "legal-holds",
        {"employee_number": "E8002", "on": False, "reason": "claim settled"},
    )
    assert lifted.get_json()["legal_hold"] is False
    done = _post(client, token, "erasures", {"employee_number": "E8002", "reason": "asked"})
    assert done.status_code == 200, done.get_json()
    nobody = _post(client, token, "erasures", {"employee_number": "E8002", "reason": "asked"})
    assert nobody.status_code == 404  # the employee number went with the erasure
    with app.app_context():
        gone = db.session.scalar(select(Employee).where(Employee.email.like("erased-%")))
        assert gone is not None and gone.first_name == "Erased"
        actions = list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.startswith("person."))
                .order_by(AuditEvent.id)
            )
        )
        assert actions == ["person.legal_hold", "person.legal_hold_lifted", "person.erased"]


def test_only_hr_may_erase(app):
    _people(app)
    client = app.test_client()
    with app.app_context():
        EmployeeFactory(email="learner@example.org", password="learnhub-demo")
        db.session.commit()
    token = sign_in(client, "learner@example.org")
    body = {"employee_number": "E8002", "reason": "asked"}
    assert _post(client, token, "erasures", body).status_code == 403
    with app.app_context():
        assert (
            db.session.scalar(
                select(Employee.first_name).where(Employee.employee_number == "E8002")
            )
            == "Gone"
        )
