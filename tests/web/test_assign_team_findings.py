"""A tester's findings on the assign forms (the manager's and HR's) and the validation note:
only the chosen course's modules are offered, a module of another course is named by title
(finding 6); someone outside the team is named and the team still listed (finding 7); the
note's textarea carries the server's limit (finding 12c)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from learnhub.assignments.models import Assignment
from learnhub.catalog.models import Course
from learnhub.extensions import db
from learnhub.skills.recorded import NOTE_MAX
from tests.conftest import csrf_from, sign_in

SOLVING = "solving-everyday-digital-problems"
DOCUMENTS = "accessible-documents-and-content"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _course(app, slug: str) -> tuple[int, int, str, str]:
    """(course id, its first active module's id, the module's title, the course's title)."""
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        module = next(m for m in course.modules if m.active)
        return course.id, module.id, module.title, course.title


def _visible_modules(html: str) -> set[str]:
    """The course ids whose module lists are shown (not hidden)."""
    return set(re.findall(r'<div data-course="(\d+)">', html))


def _manager(app):
    client = app.test_client()
    sign_in(client, "manager@example.org")
    return client


def test_only_the_chosen_courses_modules_and_a_stray_module_named(app, demo):
    solving, _, _, solving_title = _course(app, SOLVING)
    _, stray, stray_title, _ = _course(app, DOCUMENTS)
    client = _manager(app)
    html = client.get("/team/assign?people=E1010").get_data(as_text=True)
    # nothing chosen yet: no course's list is open, the form says to choose a course first
    assert _visible_modules(html) == set()
    assert "Choose a course first" in html and 'value="modules"' in html
    assert "course-modules.js" in html
    form = {
        "csrf_token": csrf_from(html),
        "people": ["E1010"],
        "course": str(solving),
        "due_kind": "after_assignment",
        "due_days": "7",
    }
    # without JavaScript: "Show the modules" sends the form back for the course chosen
    shown = client.post("/team/assign", data=form | {"action": "modules"})
    assert shown.status_code == 200 and "<title>Error" not in _text(shown)
    assert _visible_modules(shown.get_data(as_text=True)) == {str(solving)}
    # other courses' boxes are disabled (never sent) as well as hidden
    assert re.search(rf'value="{stray}" disabled', shown.get_data(as_text=True))
    with app.app_context():
        before = db.session.scalar(select(func.count(Assignment.id)))
    refused = client.post("/team/assign", data=form | {"modules": [str(stray)]})
    text = _text(refused)
    assert refused.status_code == 422
    assert f"“{stray_title}” is not a module of “{solving_title}”" in text
    assert f"Module {stray} is not" not in text
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == before
    # HR's form is the same
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    page = hr.get("/hr/assignments/new").get_data(as_text=True)
    assert _visible_modules(page) == set() and 'value="modules"' in page
    again = hr.post(
        "/hr/assignments/new",
        data={"csrf_token": csrf_from(page), "course": str(solving), "action": "modules"},
    )
    assert again.status_code == 200
    assert _visible_modules(again.get_data(as_text=True)) == {str(solving)}


def test_someone_outside_the_team_is_named_and_the_team_still_listed(app, demo):
    client = _manager(app)
    page = client.get("/team/assign?people=E1015")
    text = _text(page)
    assert "Nobody in your team is active" not in text
    assert "E1015 is not in your team" in text
    assert text.count('name="people" value="E10') >= 7  # the whole team, to choose from
    assert 'value="E1015"' not in text
    # a tampered submit: refused, named, the team listed and the valid choice kept
    tampered = client.post(
        "/team/assign",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "people": ["E1010", "E1015"],
            "course": str(_course(app, SOLVING)[0]),
            "due_kind": "after_assignment",
            "due_days": "7",
        },
    )
    text = _text(tampered)
    assert tampered.status_code == 422
    assert "E1015 is not in your team" in text and "Nobody in your team is active" not in text
    assert re.search(r'value="E1010" checked', text)
    assert text.count('name="people" value="E10') >= 7


def test_the_validation_note_carries_the_servers_limit(app, demo):
    client = _manager(app)
    html = client.get("/people/E1007/validate?competence=4.1").get_data(as_text=True)
    assert re.search(rf'<textarea id="note" name="note" rows="3" maxlength="{NOTE_MAX}"', html)
    assert f"Up to {NOTE_MAX:,} characters." in html
    # the server still checks, and counts a line break once, as the browser does
    note = "\r\n".join(["x" * 99] * 10)  # 999 characters in the browser, 1,008 sent
    done = client.post(
        "/people/E1007/validate",
        data={
            "csrf_token": csrf_from(html),
            "framework": "digcomp-3.0",
            "competence": "4.1",
            "level": "2",
            "note": note,
        },
    )
    assert done.status_code == 302
    too_long = client.post(
        "/people/E1007/validate",
        data={
            "csrf_token": csrf_from(html),
            "framework": "digcomp-3.0",
            "competence": "4.1",
            "level": "2",
            "note": "x" * (NOTE_MAX + 1),
        },
    )
    assert f"Use {NOTE_MAX} characters or fewer" in _text(too_long)
