# ruff: noqa: F811 (the org fixture is imported from test_export_jobs)
"""The Exports form and job pages (tester report item 17): CSV for Excel with another format is
refused naming the field (page and API), and job times are shown in the viewer's time zone as
on the other pages, never in UTC."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from learnhub.core.dates import without_leading_zero
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.reports.jobs.models import ExportJob
from tests.reports.test_export_jobs import _client, _export, _job_of, org  # noqa: F401


def test_csv_for_excel_with_another_format_is_refused_naming_the_field(app, org):
    client = _client(app, org["hr"])
    for fmt in ("jsonl", "xlsx"):
        response = _export(client, report="competence_profiles", format=fmt, excel="y")
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and 'href="#excel"' in page
        assert (
            "CSV for Excel is for CSV files only: untick it, or choose CSV instead of "
            + fmt.upper()
            in page
        )
    token = client.get("/exports").get_data(as_text=True).split('name="csrf-token" content="')[1]
    api = client.post(
        "/api/v1/exports/jobs",
        json={"report": "competence_profiles", "format": "jsonl", "excel": True},
        headers={"X-CSRFToken": token.split('"')[0]},
    )
    assert api.status_code == 422 and "excel" in str(api.get_json())
    assert _export(client, report="competence_profiles", format="csv", excel="y").status_code == 200


def test_job_times_are_in_the_viewers_time_zone(app, org, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)
    with app.app_context():
        hr = db.session.query(Employee).filter_by(email=org["hr"]).one()
        hr.timezone = "Asia/Tokyo"
        db.session.commit()
    try:
        client = _client(app, org["hr"])
        _export(client, report="competence_profiles", format="jsonl")
        job = _job_of(app)
        tokyo = ZoneInfo("Asia/Tokyo")
        # the day without a leading zero, as every date of the pages (learnhub.core.dates)
        asked = without_leading_zero("%d %B %Y, %H:%M %Z", job.created_at.astimezone(tokyo))
        until = without_leading_zero("%d %B %Y, %H:%M %Z", job.expires_at.astimezone(tokyo))
        page = client.get(f"/exports/jobs/{job.id}").get_data(as_text=True)
        assert asked in page and until in page and " UTC" not in page
        listing = client.get("/exports").get_data(as_text=True)
        assert asked in listing and "(UTC)" not in listing
    finally:
        with app.app_context():
            db.session.query(Employee).filter_by(email=org["hr"]).one().timezone = None
            db.session.commit()


def test_a_completion_date_far_in_the_future_is_a_form_error(app, org):
    """9999-12-31 (the date picker allows it) overflowed into a 400 and lost the form
    (tester report E5)."""
    client = _client(app, org["hr"])
    response = _export(client, report="completions", date_to="9999-12-31")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#date_to"' in page
    assert "Give a year from 1900 to 2999" in page and 'value="9999-12-31"' in page
    early = _export(client, report="completions", date_from="0001-01-01")
    assert early.status_code == 422 and 'href="#date_from"' in early.get_data(as_text=True)
    token = client.get("/exports").get_data(as_text=True).split('name="csrf-token" content="')[1]
    api = client.post(
        "/api/v1/exports/jobs",
        json={"report": "completions", "date_to": "9999-12-31"},
        headers={"X-CSRFToken": token.split('"')[0]},
    )
    assert api.status_code == 422
    assert api.get_json()["errors"]["issues"][0]["where"] == "date_to"
    direct = client.get("/api/v1/exports/completions?completed_to=9999-12-31")
    assert direct.status_code == 422
    assert direct.get_json()["errors"]["issues"][0]["where"] == "completed_to"


def test_the_expired_download_page_says_the_viewers_time(app, org, monkeypatch):
    """It said "expired on 2026-12-06 23:33 UTC" while the job page said "7 December 2026,
    00:33 CET" (tester report E19)."""
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)
    with app.app_context():
        hr = db.session.query(Employee).filter_by(email=org["hr"]).one()
        hr.timezone = "Asia/Tokyo"
        db.session.commit()
    try:
        client = _client(app, org["hr"])
        _export(client, report="competence_profiles", format="jsonl")
        job = _job_of(app)
        with app.app_context():
            stored = db.session.get(ExportJob, job.id)
            stored.expires_at = utcnow() - timedelta(minutes=5)
            db.session.commit()
            until = stored.expires_at.astimezone(ZoneInfo("Asia/Tokyo"))
        gone = client.get(f"/exports/jobs/{job.id}/download")
        page = gone.get_data(as_text=True)
        assert gone.status_code == 410 and " UTC" not in page
        assert without_leading_zero("%d %B %Y, %H:%M %Z", until) in page
        api = client.get(f"/api/v1/exports/jobs/{job.id}/file")
        assert api.status_code == 410 and "UTC" in api.get_json()["message"]
    finally:
        with app.app_context():
            db.session.query(Employee).filter_by(email=org["hr"]).one().timezone = None
            db.session.commit()
