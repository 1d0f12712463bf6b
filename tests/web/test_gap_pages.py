"""Issue 11 in the browser's terms: team page → "Close this gap" → due date → confirm → what
was assigned; a double submit assigns once (here and on the team's and HR's assignment forms);
only the manager's own subtree, HR anywhere, employees refused."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from learnhub.assignments.models import Assignment, Requirement
from learnhub.catalog.models import Course, Module
from learnhub.extensions import db
from learnhub.org.models import Employee
from tests.conftest import csrf_from, sign_in
from tests.factories import EmployeeFactory
from tests.reports.gap_helpers import LEVEL_2, PASSWORD, gap_team, signed_in_boss


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _count(app, model=Assignment) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _token(html: str) -> str:
    found = re.search(r'name="submit_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="submit_token"', html
    )
    assert found, "the form carries a submit token"
    return found.group(1)


def test_a_manager_closes_a_gap_from_the_team_page_once(app):
    t, client = signed_in_boss(app)
    team = _text(client.get("/team"))
    assert "Learning hours to close" in team
    link = "/team/gaps/4.2?framework=digcomp-3.0"
    assert f'href="{link}"' in team.replace("&amp;", "&") and "Close this gap" in team
    page = client.get(link)
    html = page.get_data(as_text=True)
    text = _text(page)
    assert page.status_code == 200 and "6 people have this gap" in text
    with app.app_context():
        names = dict(
            db.session.execute(select(Employee.employee_number, Employee.first_name)).all()
        )
    for number in [*t.at_zero, t.held, t.basic, t.required]:
        assert names[number] in text
    for number in [t.outsider, *t.met]:
        assert f"{names[number]} " not in text
    assert "Already completed or required" in text
    form = {
        "csrf_token": csrf_from(html),
        "submit_token": _token(html),
        "due_kind": "fixed",
        "due_date": (date.today() + timedelta(days=30)).isoformat(),
    }
    before, requirements = _count(app), _count(app, Requirement)
    done = client.post(link, data=form)
    assert done.status_code == 302 and "/team/gaps/assigned/" in done.headers["Location"]
    again = client.post(link, data=form)  # the double click
    assert again.headers["Location"] == done.headers["Location"]
    assert _count(app) == before + 2  # two module sets (level 0; level 1 and in hand)
    assert _count(app, Requirement) == requirements + 2 * 3 + 2
    result = _text(client.get(done.headers["Location"]))
    with app.app_context():
        second = db.session.get(Module, t.module_ids[LEVEL_2])
        title, course_title = second.title, second.course.title
    assert course_title in result and names[t.basic] in result
    person = _text(client.get(f"/people/{t.at_zero[0]}"))
    assert "Required learning" in person and title in person


def test_the_gap_page_refuses_bad_dates_keeps_the_token_and_assigns_after(app):
    t = gap_team(app)
    client = app.test_client()
    sign_in(client, t.boss_email, PASSWORD)
    html = client.get("/team/gaps/4.2").get_data(as_text=True)
    form = {"csrf_token": csrf_from(html), "submit_token": _token(html), "due_kind": "fixed"}
    before = _count(app)
    missing = client.post("/team/gaps/4.2", data=form)
    assert missing.status_code == 200 and "Enter a date" in _text(missing)
    past = client.post("/team/gaps/4.2", data=form | {"due_date": "2020-01-01"})
    assert past.status_code == 200 and "is in the past" in _text(past)
    assert _count(app) == before
    fine = client.post(
        "/team/gaps/4.2", data=form | {"due_kind": "after_assignment", "due_days": "14"}
    )
    assert fine.status_code == 302 and _count(app) == before + 2


def test_only_the_managers_subtree_hr_anywhere_employees_refused(app):
    t = gap_team(app)
    with app.app_context():
        EmployeeFactory(password=PASSWORD, email="plain@example.test")
        other = EmployeeFactory(password=PASSWORD, email="other@example.test")
        EmployeeFactory(manager=other, job_code="CASE_OFF")
        EmployeeFactory(password=PASSWORD, roles=["hr"], email="hr.gaps@example.test")
        db.session.commit()
    plain = app.test_client()
    sign_in(plain, "plain@example.test", PASSWORD)
    assert plain.get("/team/gaps/4.2").status_code == 403
    outsider = app.test_client()
    sign_in(outsider, "other@example.test", PASSWORD)
    assert outsider.get(f"/team/gaps/4.2?manager={t.boss_number}").status_code == 404
    html = outsider.get("/team/gaps/4.2").get_data(as_text=True)
    before = _count(app)
    refused = outsider.post(
        f"/team/gaps/4.2?manager={t.boss_number}",
        data={"csrf_token": csrf_from(html), "submit_token": "x" * 20, "due_kind": "fixed"},
    )
    assert refused.status_code == 404 and _count(app) == before
    hr = app.test_client()
    sign_in(hr, "hr.gaps@example.test", PASSWORD)
    chooser = hr.get("/team/gaps/4.2")
    assert chooser.status_code == 403 and "Whose team?" in _text(chooser)
    view = hr.get(f"/team/gaps/4.2?manager={t.boss_number}")
    assert view.status_code == 200 and "6 people have this gap" in _text(view)
    assert hr.get(f"/team/gaps/0.0?manager={t.boss_number}").status_code == 404


def test_the_team_assignment_form_assigns_once_when_sent_twice(app, demo):
    client = app.test_client()
    sign_in(client, "manager@example.org")
    html = client.get("/team/assign?people=E1010").get_data(as_text=True)
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "working-together-online"))
        course_id, module_id = course.id, course.modules[0].id
    form = {
        "csrf_token": csrf_from(html),
        "submit_token": _token(html),
        "people": ["E1010"],
        "course": course_id,
        "modules": [module_id],
        "due_kind": "after_assignment",
        "due_days": "7",
    }
    before = _count(app)
    assert client.post("/team/assign", data=form).status_code == 302
    assert client.post("/team/assign", data=form).status_code == 302
    assert _count(app) == before + 1
    # a new form (a new token) assigns again
    fresh = client.get("/team/assign?people=E1010").get_data(as_text=True)
    assert (
        client.post("/team/assign", data=form | {"submit_token": _token(fresh)}).status_code == 302
    )
    assert _count(app) == before + 2


def test_hrs_assign_it_creates_one_assignment_when_sent_twice(app, demo):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    html = client.get("/hr/assignments/new").get_data(as_text=True)
    with app.app_context():
        course_id = db.session.scalar(
            select(Course.id).where(Course.slug == "working-together-online")
        )
    form = {
        "csrf_token": csrf_from(html),
        "submit_token": _token(html),
        "course": course_id,
        "audience": "everyone",
        "due_kind": "after_assignment",
        "due_days": "21",
        "renewal_window_days": "30",
        "action": "preview",
    }
    preview = client.post("/hr/assignments/new", data=form).get_data(as_text=True)
    assert _token(preview) == form["submit_token"]  # carried through the preview
    before = _count(app)
    first = client.post("/hr/assignments/new", data=form | {"action": "confirm"})
    second = client.post("/hr/assignments/new", data=form | {"action": "confirm"})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app) == before + 1
