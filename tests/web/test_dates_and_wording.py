"""Wording a tester found uneven: the assignment page wrote "By 01 February 2027" where its
preview wrote "By 1 February 2027" (one date form everywhere: learnhub.core.dates); the
/content/quizzes intro began in lower case; the HR import history called an unconfirmed
preview a "Dry run" while its page says nothing is imported until you confirm."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from learnhub.assignments import services
from learnhub.assignments.models import AudienceKind, DueKind
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.web.filters import local_time
from tests.conftest import sign_in
from tests.web.test_hr_import_pages import DEMO, _hr, _upload


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_a_fixed_due_date_is_written_without_a_leading_zero(app, demo):
    due = date(date.today().year + 2, 2, 1)
    with app.app_context():
        spec = services.AssignmentSpec(
            course_id=1,
            audience=AudienceKind.PEOPLE,
            employee_ids=[
                db.session.scalar(select(Employee.id).where(Employee.employee_number == "E1010"))
            ],
            due_kind=DueKind.FIXED,
            due_date=due,
        )
        assignment_id = services.create_assignment(spec, created_by_id=None).id
        db.session.commit()
    hr = app.test_client()
    sign_in(hr, "hr@example.org")
    for page in (f"/hr/assignments/{assignment_id}", "/hr/assignments"):
        text = _text(hr.get(page))
        assert f"By 1 February {due.year}" in text, page
        assert "By 01 February" not in text


def test_times_of_the_pages_have_no_leading_zero_on_the_day(app):
    with app.test_request_context():
        moment = datetime(2027, 2, 1, 9, 5, tzinfo=UTC)
        assert local_time(moment, "%d %B %Y")[:2] == "1 "
        assert re.fullmatch(r"1 February 2027, \d\d:05 \S+", local_time(moment))


def test_the_quizzes_intro_begins_with_a_capital(app, demo):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    text = _text(client.get("/content/quizzes"))
    assert "; pass mark" not in text
    assert "The pass mark, attempts allowed and grading method change" in text


def test_an_unconfirmed_preview_is_not_called_a_dry_run(app, demo):
    client, csrf = _hr(app)
    assert _upload(client, csrf, DEMO).status_code in (200, 302)  # a job runs it, or not
    history = _text(client.get("/hr/imports"))
    assert "<td>Preview, not imported</td>" in history and "Dry run" not in history
