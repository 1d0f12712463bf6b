"""People see what was sent to them: the /reminders page and GET /api/v1/me/reminders list the
signed-in person's reminders (kind, item, when, due date in their zone), a manager's
escalations and digests, and nobody else's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from freezegun import freeze_time

from learnhub.assignments.digest import send_digests
from learnhub.assignments.reminders import ReminderSettings, send_reminders
from learnhub.extensions import db
from tests.assignments.helpers import assign, course_with_modules
from tests.conftest import sign_in
from tests.factories import EmployeeFactory

PASSWORD = "a-test-password"
SETTINGS = ReminderSettings(days_before=(7,), manager_after_days=3, hour=8)


def _sent(app: Flask) -> dict[str, str]:
    with app.app_context():
        manager = EmployeeFactory(password=PASSWORD)
        person = EmployeeFactory(password=PASSWORD, manager=manager, timezone="Europe/Helsinki")
        other = EmployeeFactory(password=PASSWORD, first_name="Nosy")
        course, modules, _ = course_with_modules(modules=2, title="Safe passwords")
        with freeze_time("2027-03-01 09:00:00"):
            assign(course, [person], date(2027, 3, 10), module_ids=[modules[0].id])
            assign(course, [other], date(2027, 6, 10))
        for day in (3, 11, 14):  # before, overdue, the manager 3 days late
            moment = datetime(2027, 3, day, 9, tzinfo=UTC)
            send_reminders(moment, settings=SETTINGS)
        send_digests(datetime(2027, 3, 15, 9, tzinfo=UTC), settings=SETTINGS)
        db.session.commit()
        return {
            "person": person.email,
            "manager": manager.email,
            "other": other.email,
            "module": modules[0].title,
        }


def test_my_reminders_in_the_api(app):
    people = _sent(app)
    client = app.test_client()
    sign_in(client, people["person"], PASSWORD)
    items = client.get("/api/v1/me/reminders").get_json()
    assert [i["kind"] for i in items] == ["overdue", "before"]  # newest first
    overdue = items[0]
    assert overdue["title"] == f"{people['module']} (Safe passwords)"
    assert overdue["due_on"] == "2027-03-10"  # the day in Helsinki, not the UTC instant's
    assert overdue["due_at"].startswith("2027-03-10T22:00:00")
    assert overdue["sent_at"].startswith("2027-03-11T09:00:00")
    assert overdue["about"] is None and overdue["module_id"] is not None
    assert client.get("/api/v1/me/reminders?limit=1").get_json() == items[:1]
    assert client.get("/api/v1/me/reminders?limit=0").status_code == 422


def test_a_manager_sees_escalations_and_digests_and_nobody_sees_others(app):
    people = _sent(app)
    boss = app.test_client()
    sign_in(boss, people["manager"], PASSWORD)
    items = boss.get("/api/v1/me/reminders").get_json()
    assert [i["kind"] for i in items] == ["digest", "manager"]
    assert items[0]["week_of"] == "2027-03-15" and items[0]["due_on"] is None
    assert items[1]["about"] and items[1]["due_on"] == "2027-03-10"
    page = boss.get("/reminders").get_data(as_text=True)
    assert "Weekly team digest" in page and "Overdue, to you as manager" in page
    assert "Wednesday 10 March 2027" in page
    nosy = app.test_client()
    sign_in(nosy, people["other"], PASSWORD)
    assert nosy.get("/api/v1/me/reminders").get_json() == []
    page = nosy.get("/reminders").get_data(as_text=True)
    assert "No reminders have been sent to you." in page and people["module"] not in page
