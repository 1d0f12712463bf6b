"""Exemptions (learnhub.assignments.exemptions): HR waives one person's requirement with a
reason, from the person's page or the API, and withdraws it; the status reads "waived" (no
reminder, never overdue) and then due again; the rules refuse bad reasons, oneself, leavers,
repeats and a test-out's waiver, changing nothing; every change is audited."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from learnhub.assignments import exemptions
from learnhub.assignments.listing import requirement_rows
from learnhub.assignments.models import Requirement
from learnhub.assignments.reminders import ReminderSettings, send_reminders
from learnhub.core.audit import AuditEvent
from learnhub.core.errors import Conflict, Forbidden, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.services import get_by_email
from learnhub.org.time_zones import time_zone_of
from tests.assignments.helpers import assign, course_with_modules, requirement_of, take_outbox
from tests.conftest import csrf_from, sign_in
from tests.factories import EmployeeFactory


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _status(person) -> str:
    [row] = requirement_rows(person.id, time_zone_of(person))
    return row.status.value


def test_an_exemption_waives_then_withdrawing_makes_it_overdue_again(app_ctx):
    course, _, _ = course_with_modules()
    person, hr = EmployeeFactory(), EmployeeFactory()
    assign(course, [person], date.today() + timedelta(days=10))
    requirement = requirement_of(person)
    requirement.due_at = utcnow() - timedelta(days=3)  # a requirement three days late
    assert _status(person) == "overdue"
    exemptions.waive_requirement(person, requirement, actor_id=hr.id, reason="  long leave ")
    assert _status(person) == "waived"
    assert (requirement.waived_by_id, requirement.waiver_reason) == (hr.id, "long leave")
    every_hour = ReminderSettings(hour=0, manager_after_days=None)
    take_outbox()
    send_reminders(utcnow(), settings=every_hour)
    assert [e for e in take_outbox() if e.to_address == person.email] == []  # never reminded
    with pytest.raises(Conflict):
        exemptions.waive_requirement(person, requirement, actor_id=hr.id, reason="again")
    exemptions.withdraw_waiver(person, requirement, actor_id=hr.id, reason="back at work")
    assert _status(person) == "overdue"
    assert requirement.waived_at is None and requirement.waiver_reason is None
    send_reminders(utcnow(), settings=every_hour)  # due again: the overdue reminder goes
    assert [e.to_address for e in take_outbox()].count(person.email) == 1
    # about the person as every event is (the audit page's "about" filter finds them), and
    # without the reasons, which are often health data that platform admins must not read
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target == f"employee:{person.id}")
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events][-2:] == ["requirement.waived", "requirement.waiver_withdrawn"]
    assert all("leave" not in str(e.details) and "work" not in str(e.details) for e in events)


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("no reason", ValidationFailed),
        ("too long", ValidationFailed),
        ("oneself", Forbidden),
        ("leaver", Conflict),
        ("test-out", Conflict),
    ],
)
def test_what_is_refused_changes_nothing(app_ctx, case, error):
    course, _, _ = course_with_modules()
    person, hr = EmployeeFactory(), EmployeeFactory()
    assign(course, [person], date.today() + timedelta(days=30))
    requirement = requirement_of(person)
    reason, actor = {"no reason": "  ", "too long": "x" * 501}.get(case, "a reason"), hr.id
    if case == "oneself":
        actor = person.id
    if case == "leaver":
        person.active = False
    if case == "test-out":  # a test-out's waiver: no reason, no HR person
        requirement.waived_at = utcnow()
        with pytest.raises(error):
            exemptions.withdraw_waiver(person, requirement, actor_id=actor, reason=reason)
        assert requirement.waived_at is not None
        return
    with pytest.raises(error):
        exemptions.waive_requirement(person, requirement, actor_id=actor, reason=reason)
    assert requirement.waived_at is None and requirement.waiver_reason is None


def _e1010_requirement(app) -> int:
    """A new requirement of E1010 (in Tomasz Nowak's team), due in 20 days."""
    with app.app_context():
        employee = db.session.scalar(select(Employee).where(Employee.employee_number == "E1010"))
        course, _, _ = course_with_modules(title="Records at work")
        assign(course, [employee], date.today() + timedelta(days=20))
        requirement_id = db.session.scalar(
            select(Requirement.id).where(
                Requirement.employee_id == employee.id, Requirement.course_id == course.id
            )
        )
        db.session.commit()
        return requirement_id


def test_hr_exempts_from_the_person_page_and_withdraws_it(app, demo):
    requirement_id = _e1010_requirement(app)
    client = app.test_client()
    sign_in(client, "hr@example.org")
    person = client.get("/people/E1010").get_data(as_text=True)
    waive = f"/people/E1010/requirements/{requirement_id}/waive"
    assert f'href="{waive}"' in person
    page = client.get(waive)
    assert page.status_code == 200 and "Exempt" in _text(page)
    empty = client.post(waive, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert "Enter the reason" in _text(empty) and "Error:" in _text(empty)
    done = client.post(
        waive,
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "reason": "On secondment"},
    )
    assert done.status_code == 302
    shown = _text(client.get("/people/E1010"))
    assert "Waived</strong>: On secondment" in shown and "Withdraw the exemption" in shown
    withdraw = f"/people/E1010/requirements/{requirement_id}/withdraw-waiver"
    again = client.get(withdraw)
    back = client.post(
        withdraw,
        data={"csrf_token": csrf_from(again.get_data(as_text=True)), "reason": "Back now"},
    )
    assert back.status_code == 302
    with app.app_context():
        assert db.session.get(Requirement, requirement_id).waived_at is None


def test_only_hr_and_never_through_another_persons_page(app, demo):
    requirement_id = _e1010_requirement(app)
    manager = app.test_client()
    sign_in(manager, "tomasz.nowak@example.org")  # E1010's manager: may see, may not exempt
    assert f"/requirements/{requirement_id}/waive" not in manager.get("/people/E1010").get_data(
        as_text=True
    )
    assert manager.get(f"/people/E1010/requirements/{requirement_id}/waive").status_code == 403
    hr = app.test_client()
    token = sign_in(hr, "hr@example.org")
    # the requirement is E1010's: through E1011's URL it does not exist
    other = hr.post(
        f"/api/v1/employees/E1011/requirements/{requirement_id}/waiver",
        json={"reason": "mistake"},
        headers={"X-CSRFToken": token},
    )
    assert other.status_code == 404
    short = hr.post(
        f"/api/v1/employees/E1010/requirements/{requirement_id}/waiver",
        json={"reason": "x"},
        headers={"X-CSRFToken": token},
    )
    assert short.status_code == 422 and "reason" in short.get_json()["errors"]["json"]
    ok = hr.post(
        f"/api/v1/employees/E1010/requirements/{requirement_id}/waiver",
        json={"reason": "Exempt by law"},
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 200
    item = next(r for r in ok.get_json()["requirements"] if r["id"] == requirement_id)
    assert (item["status"], item["waiver_reason"]) == ("waived", "Exempt by law")
    twice = hr.post(
        f"/api/v1/employees/E1010/requirements/{requirement_id}/waiver",
        json={"reason": "Exempt by law"},
        headers={"X-CSRFToken": token},
    )
    assert twice.status_code == 409
    # the manager reads the status, never HR's reason
    seen = manager.get("/api/v1/employees/E1010/requirements").get_json()["requirements"]
    assert next(r for r in seen if r["id"] == requirement_id)["waiver_reason"] is None
    with app.app_context():
        hr_person = get_by_email("hr@example.org")
        assert db.session.get(Requirement, requirement_id).waived_by_id == hr_person.id


def test_hr_is_not_offered_their_own_exemption_nor_a_withdrawal_of_nothing(app, demo):
    with app.app_context():
        hr = get_by_email("hr@example.org")
        course, _, _ = course_with_modules(title="Own learning")
        assign(course, [hr], date.today() + timedelta(days=20))
        own = db.session.scalar(select(Requirement.id).where(Requirement.employee_id == hr.id))
        number = hr.employee_number
        db.session.commit()
    client = app.test_client()
    sign_in(client, "hr@example.org")
    assert client.get(f"/people/{number}/requirements/{own}/waive").status_code == 403
    requirement_id = _e1010_requirement(app)
    nothing = client.get(f"/people/E1010/requirements/{requirement_id}/withdraw-waiver")
    text = nothing.get_data(as_text=True)
    assert nothing.status_code == 200 and "there is nothing to withdraw" in text
    assert "<textarea" not in text  # no form to send
