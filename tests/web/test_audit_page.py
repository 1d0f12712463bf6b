"""The audit log page (issue 13): filters really filter (event, who did it, about whom, dates
as calendar days in the viewer's own time zone), newest first, 50 a page, details in words,
and "Download CSV" gives the same events (all pages) and is itself audited while viewing is
not; roles other than HR and platform admins are refused."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from learnhub.auth import services as auth
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from tests.conftest import sign_in


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _ids(response) -> list[int]:
    """The event numbers the page lists, in order (from the "id" in each event's anchor)."""
    return [int(i) for i in re.findall(r'id="event-(\d+)"', response.get_data(as_text=True))]


@pytest.fixture
def log(app, demo) -> dict[str, int]:
    """HR in Berlin; a clean log with known events: 120 sign-ins by Evan (one a minute from
    1 June 2026 10:00 UTC), a role grant by HR about Evan at 30 June 22:30 UTC (1 July 00:30
    in Berlin), an export by HR, and an event from the command line."""
    with app.app_context():
        db.session.query(AuditEvent).delete()
        hr, evan = get_by_email("hr@example.org"), get_by_email("employee@example.org")
        hr.timezone = "Europe/Berlin"
        start = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
        for n in range(120):
            db.session.add(
                AuditEvent(
                    at=start + timedelta(minutes=n),
                    actor_id=evan.id,
                    action="sign_in",
                    target=f"employee:{evan.id}",
                    ip="10.0.0.7",
                    details={"method": "password"},
                )
            )
        db.session.add(
            AuditEvent(
                at=datetime(2026, 6, 30, 22, 30, tzinfo=UTC),
                actor_id=hr.id,
                action="role_granted",
                target=f"employee:{evan.id}",
                ip="10.0.0.9",
                details={"role": "content_admin", "people": [1, 2], "dry_run": False},
            )
        )
        db.session.add(
            AuditEvent(
                at=datetime(2026, 7, 2, 9, 0, tzinfo=UTC),
                actor_id=hr.id,
                action="export_completions",
                target="completions.csv",
                details={"filters": {"course": "phishing"}},
            )
        )
        db.session.add(
            AuditEvent(at=datetime(2026, 7, 3, 9, 0, tzinfo=UTC), action="org_import", details={})
        )
        db.session.commit()
        return {"hr": hr.id, "evan": evan.id}


def test_filters_filter_and_pages_run_newest_first(app, log):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    every = client.get("/audit")
    assert every.status_code == 200
    text = _text(every)
    # the 123 events and HR's own sign-in (audited, newest)
    assert "Events 1 to 50 of 124, newest first" in text and "Page 1 of 3" in text
    ids = _ids(every)
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)  # inserted oldest first

    # the event of HR about Evan: done by, about, details in words (no JSON)
    only = client.get("/audit?action=role_granted")
    text = _text(only)
    assert "Events 1 to 1 of 1" in text
    assert "Done by</dt><dd>Hana Rossi (E1020)" in text and "About</dt><dd>Evan Price" in text
    assert "Role</dt><dd>content_admin" in text and "People</dt><dd>1, 2" in text
    assert "Dry run</dt><dd>no" in text and "{" not in only.get_data(as_text=True).split("<main")[1]

    by_hr = client.get("/audit?actor=HR@example.org")  # and the sign-in
    assert "of 3," in _text(by_hr)
    about_evan = client.get("/audit?person=E1007&action=sign_in")
    assert "of 120," in _text(about_evan)

    # 30 June 22:30 UTC is 1 July in Berlin, HR's zone: found on 1 July, not on 30 June
    assert "of 1," in _text(client.get("/audit?date_from=2026-07-01&date_to=2026-07-01"))
    june_30 = client.get("/audit?date_from=2026-06-30&date_to=2026-06-30")
    assert "No events" in _text(june_30)
    assert "of 4," in _text(client.get("/audit?date_from=2026-07-01"))  # and the sign-in

    # paging keeps the filters; the last page has the oldest 20
    page3 = client.get("/audit?action=sign_in&person=E1007&page=3")
    text = _text(page3)
    assert "Events 101 to 120 of 120" in text and len(_ids(page3)) == 20
    assert 'href="/audit?action=sign_in&amp;person=E1007&amp;page=2"' in page3.get_data(
        as_text=True
    )
    with app.app_context():
        oldest = db.session.scalar(select(func.min(AuditEvent.id)))
    assert _ids(page3)[-1] == oldest


def test_the_csv_has_the_same_events_and_is_audited_while_viewing_is_not(app, log):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    query = "action=sign_in&person=E1007&date_from=2026-06-01"
    shown = []
    for page in (1, 2, 3):
        shown += _ids(client.get(f"/audit?{query}&page={page}"))
    with app.app_context():
        # sign-in itself is audited (one event); viewing the page three times is not
        after = db.session.scalar(select(func.count()).select_from(AuditEvent))
        assert after == before
    page = client.get(f"/audit?{query}")
    assert f'href="/audit.csv?{query.replace("&", "&amp;")}"' in page.get_data(as_text=True)
    download = client.get(f"/audit.csv?{query}")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0][:3] == ["id", "at", "action"]
    assert [int(r[0]) for r in rows[1:]] == shown and len(shown) == 120
    with app.app_context():
        exported = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export_audit_events")
        ).all()
        assert len(exported) == 1
        assert exported[0].actor_id == log["hr"]
        assert exported[0].details["filters"] == {
            "action": "sign_in",
            "person": "E1007",
            "since": "2026-05-31T22:00:00+00:00",  # midnight in Berlin
        }


def test_wrong_filters_are_named_and_select_nothing(app, log):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    page = client.get("/audit?person=nobody@example.org&date_from=2026-02-31")
    text = _text(page)
    assert page.status_code == 422  # as the Exports page's form
    assert "There is a problem" in text and "<title>Error: Audit log" in text
    assert "From: enter a date, for example 31 March 2027" in text
    assert "newest first" not in text and "Download CSV" not in text
    unknown = client.get("/audit?person=nobody@example.org")
    assert "About person: no one has the employee number or work email “nobody@example.org”" in (
        _text(unknown)
    )
    ancient = client.get("/audit?date_from=0001-01-01")  # overflowed into a 400 before
    assert ancient.status_code == 422 and "From: give a year from 1900 to 2999" in _text(ancient)
    backwards = client.get("/audit?date_from=2026-07-02&date_to=2026-07-01")
    assert "To: the date must be the same as or after" in _text(backwards)
    refused = client.get("/audit.csv?actor=E9999")
    assert refused.status_code == 422 and "Done by: no one has" in _text(refused)
    with app.app_context():
        assert not db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "export_audit_events")
        )


def test_an_unknown_event_or_a_nul_is_named_on_its_field(app, log):
    """A tester's findings: "?action=bogus" quietly showed "No events" (an unknown person
    in "Done by" was already an error); a NUL (%00) in "Done by" gave a bare 400 page from
    the database."""
    client = app.test_client()
    sign_in(client, "hr@example.org")
    bogus = client.get("/audit?action=bogus")
    assert bogus.status_code == 422
    text = _text(bogus)
    assert "There is a problem" in text
    assert "Event: no event is called “bogus”; choose one from the list" in text
    # a known event the log holds none of yet lists none, without an error
    assert client.get("/audit?action=person.erased").status_code == 200
    for field, label in (("actor", "Done by"), ("person", "About person")):
        nul = client.get(f"/audit?{field}=E10%0007")
        assert nul.status_code == 422, field
        assert f"{label}: give an employee number or work email without the NUL character" in (
            _text(nul)
        )
    assert client.get("/audit.csv?actor=%00").status_code == 422
    huge = client.get("/audit?page=" + "9" * 30)
    assert huge.status_code == 200 and 'rel="next"' not in huge.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "role", "status"),
    [
        ("employee@example.org", None, 403),
        ("manager@example.org", None, 403),
        ("oliver.bennett@example.org", "content_admin", 403),
        ("niamh.gallagher@example.org", "platform_admin", 200),
    ],
)
def test_only_hr_and_platform_admins_read_the_log(app, log, email, role, status):
    if role:
        with app.app_context():
            auth.grant_role(auth.account_for(get_by_email(email)), role)
            db.session.commit()
    client = app.test_client()
    sign_in(client, email)
    assert client.get("/audit").status_code == status
    assert client.get("/audit.csv").status_code == status
    if status == 403:
        assert "Hana Rossi" not in client.get("/audit").get_data(as_text=True)


def test_the_csv_names_people_by_employee_number_as_the_page(app, log):
    """A tester's finding: /audit.csv said actor "7" and target "employee:7" (internal ids)
    while the page and its filters use employee numbers (E1007)."""
    client = app.test_client()
    sign_in(client, "hr@example.org")
    with app.app_context():
        evan = get_by_email("employee@example.org")
        db.session.add(
            AuditEvent(
                at=datetime(2026, 7, 4, 9, 0, tzinfo=UTC),
                actor_id=log["hr"],
                action="quizzes.essay_scored",
                target="attempt:999999",
                details={},
            )
        )
        db.session.commit()
        evan_id = evan.id
    rows = list(
        csv.DictReader(io.StringIO(client.get("/audit.csv?action=role_granted").get_data(True)))
    )
    assert len(rows) == 1
    granted = rows[0]
    assert granted["actor"] == "Hana Rossi (E1020)" and granted["actor_employee_number"] == "E1020"
    assert granted["target"] == "employee:E1007" and granted["about_employee_number"] == "E1007"
    assert granted["about"] == "Evan Price (E1007)"
    assert str(evan_id) not in (granted["target"], granted["actor_employee_number"])
    system_csv = client.get("/audit.csv?action=org_import").get_data(True)
    system = next(csv.DictReader(io.StringIO(system_csv)))
    assert system["actor"] == "The system or the command line"
    assert system["actor_employee_number"] == "" and system["about"] == ""
