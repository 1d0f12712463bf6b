"""A tester's findings on the manager's team page: it says when its figures lag behind
pending recompute requests (finding 3), and a gap whose learning is already assigned says so
instead of offering to assign it again (finding 8)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import insert, select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.time_zones import local_time
from learnhub.skills.models import RecomputeRequest
from tests.conftest import csrf_from
from tests.reports.gap_helpers import signed_in_boss


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _id(number: str) -> int:
    return db.session.scalar(select(Employee.id).where(Employee.employee_number == number))


def _request(app, minutes_ago: float, **who: object) -> None:
    """A pending recompute request as a killed worker leaves it (nothing drains it here)."""
    with app.app_context():
        row = {"employee_id": None, "manager_id": None, "everyone": False} | who
        at = utcnow() - timedelta(minutes=minutes_ago)
        db.session.execute(insert(RecomputeRequest.__table__), [row | {"requested_at": at}])
        db.session.commit()


def _clear(app) -> None:
    with app.app_context():
        db.session.query(RecomputeRequest).delete()
        db.session.commit()


def _boss_clock(app, t, minutes_ago: float) -> str:
    """The request's time as the page writes it: in the viewer's own time zone."""
    with app.app_context():
        boss = db.session.scalar(select(Employee).where(Employee.employee_number == t.boss_number))
        return local_time(utcnow() - timedelta(minutes=minutes_ago), boss).strftime("%H:%M")


def test_the_team_page_says_when_changes_are_still_being_counted(app):
    t, client = signed_in_boss(app)
    _clear(app)
    assert "summary-pending" not in _text(client.get("/team"))
    with app.app_context():
        outsider, member = _id(t.outsider), _id(t.at_zero[0])
        above = db.session.get(Employee, outsider).manager_id
    # requests about other teams are not this team's business
    _request(app, 5, employee_id=outsider)
    _request(app, 5, manager_id=above)
    assert "summary-pending" not in _text(client.get("/team"))
    # one of the team, just now: being counted
    _request(app, 0, employee_id=member)
    text = _text(client.get("/team"))
    assert "Changes since" in text and "are being counted" in text and "Reload in a moment" in text
    # waiting over a minute (the worker is down): say so, with the oldest request's time
    _request(app, 4, employee_id=member)
    text = _text(client.get("/team"))
    clock = _boss_clock(app, t, 4)
    assert f"Changes since {clock}" in text
    assert "waiting for the background worker (4 minutes so far)" in text
    _clear(app)
    # a sub-manager's own summary, and everyone's, cover this team too
    with app.app_context():
        sub = db.session.scalar(select(Employee.id).where(Employee.email == t.sub_manager_email))
    _request(app, 2, manager_id=sub)
    assert "waiting for the background worker (2 minutes so far)" in _text(client.get("/team"))
    _clear(app)
    _request(app, 0, everyone=True)
    assert "are being counted" in _text(client.get("/team"))


def _row(text: str, code: str) -> str:
    return re.search(rf"<th scope=\"row\">{re.escape(code)} [^<]*</th>(.*?)</tr>", text).group(1)


def test_a_gap_whose_learning_is_assigned_says_so_on_the_team_page(app):
    _team, client = signed_in_boss(app)
    row = _row(_text(client.get("/team")), "4.2")
    # one of the six (the level-2 module already required of them) has it in hand
    assert "Learning assigned to 1 of 6 people with this gap, due" in row
    assert "Close this gap for the other 5" in row
    link = "/team/gaps/4.2?framework=digcomp-3.0"
    html = client.get(link).get_data(as_text=True)
    token = re.search(r'name="submit_token"[^>]*value="([^"]+)"', html).group(1)
    due = date.today() + timedelta(days=30)
    done = client.post(
        link,
        data={
            "csrf_token": csrf_from(html),
            "submit_token": token,
            "due_kind": "fixed",
            "due_date": due.isoformat(),
        },
    )
    assert done.status_code == 302
    assert "nothing new to assign" in _text(client.get(link))
    row = _row(_text(client.get("/team")), "4.2")
    assert "Learning assigned</strong> to all 6 people with this gap, due" in row
    assert f"{due.day} {due.strftime('%B %Y')}" in row
    assert "Close this gap" not in row and "See what is assigned" in row
