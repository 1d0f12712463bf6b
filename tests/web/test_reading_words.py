"""Words and figures as people read them (a fresh tester's findings, issue 11): learning time in
hours and minutes, days without a leading zero, the quiz behind a piece of evidence named, the
validator's evidence not called "manager validation" when HR gave it, no doubled full stop, and
the heat map's columns leading to "Close this gap"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from learnhub.catalog.models import Module
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.quizzes.models import Quiz
from learnhub.web.filters import learning_time, local_day
from tests.conftest import sign_in
from tests.factories import AttemptFactory, EvidenceFactory
from tests.reports.gap_helpers import signed_in_boss


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (None, "0 min"),
        (0, "0 min"),
        (17, "17 min"),
        (16.8, "17 min"),
        (51, "51 min"),
        (60, "1 h"),
        (61, "1 h 1 min"),
        (85, "1 h 25 min"),
        (486, "8 h 6 min"),
    ],
)
def test_learning_time_reads_in_hours_and_minutes(minutes, words):
    assert learning_time(minutes) == words


def test_a_day_has_no_leading_zero(app):
    with app.test_request_context():  # signed out: the organisation's zone (Europe/…)
        assert local_day(datetime(2025, 2, 3, 12, 0, tzinfo=UTC)) == "3 February 2025"
        assert local_day(None) == ""


def test_evidence_names_its_quiz_and_hrs_validation_is_not_a_managers(app, demo):
    with app.app_context():
        employee = get_by_email("employee@example.org")
        quiz = db.session.scalars(
            select(Quiz).where(Quiz.module_id.is_not(None)).order_by(Quiz.id)
        ).first()
        title = db.session.get(Module, quiz.module_id).title
        attempt = AttemptFactory(quiz=quiz, employee=employee, state="submitted")
        EvidenceFactory(
            employee=employee,
            code="4.1",
            level=2,
            kind="question_result",
            source=f"attempt:{attempt.id}",
        )
        hr = get_by_email("hr@example.org")
        revoked = EvidenceFactory(
            employee=employee,
            code="1.2",
            level=1,
            kind="manager_validation",
            recorded_by_id=hr.id,
            revoked_at=datetime(2026, 1, 5, tzinfo=UTC),
            revoked_reason="Replaced by a newer validation.",
        )
        db.session.commit()
        revoked_id = revoked.id
    client = app.test_client()
    sign_in(client, "employee@example.org")
    text = _text(client.get("/profile"))
    assert f"Questions on this competence answered well in the quiz of {title}" in text
    assert "attempt:" not in text
    assert "recognised prior learning" in text  # the intro names every kind that counts
    assert "Manager validation" not in text and "<caption>Validation</caption>" in text
    assert "Replaced by a newer validation" in text
    hr_client = app.test_client()
    sign_in(hr_client, "hr@example.org")
    withdrawn = _text(hr_client.get(f"/evidence/{revoked_id}/withdraw"))
    assert "Replaced by a newer validation." in withdrawn
    assert "validation.." not in withdrawn


def test_heat_map_columns_with_a_gap_lead_to_closing_it_and_times_read_as_minutes(app):
    _team, client = signed_in_boss(app)
    heat = client.get("/team/heatmap").get_data(as_text=True).replace("&amp;", "&")
    assert 'href="/team/gaps/4.2?framework=digcomp-3.0"' in heat
    assert 'aria-label="Close gap: 4.2' in heat
    page = _text(client.get("/team/gaps/4.2?framework=digcomp-3.0"))
    each = re.findall(r"(\d+ h(?: \d+ min)?|\d+ min) of learning each, (\S+(?: \S+)?) for", page)
    assert each, "each group's time reads in hours and minutes"
    assert not re.search(r"\d\.\d h each|learning hours each", page)
