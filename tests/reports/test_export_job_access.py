# ruff: noqa: F811 (the org fixture is imported from test_export_jobs)
"""Export jobs through API tokens and the browser (tester report E6-E8, issue 13): every
report's data dictionary under the API, a job's ``dictionary_url`` that a token opens, a job
seen by its requester whichever way they asked (a token acts for its owner) and by HR, and the
same export asked twice while the first still runs answered with the first job."""

from __future__ import annotations

from datetime import timedelta

import pytest

from learnhub.auth.tokens import create_token
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.reports.jobs.catalogue import Report
from learnhub.reports.jobs.models import ExportJob, JobStatus
from tests.reports.test_export_jobs import _client, _export, _job_of, org  # noqa: F401


@pytest.fixture(autouse=True)
def _jobs_always(app, monkeypatch):
    """Every export becomes a job."""
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)


def _token(app, email: str | None, scopes: tuple[str, ...] = ("exports:read",)) -> dict:
    """The Authorization header of a new token owned by ``email`` (None: made by the CLI)."""
    with app.app_context():
        owner = db.session.query(Employee).filter_by(email=email).one() if email else None
        _token_row, secret = create_token("bi", list(scopes), 30, owner=owner)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_opens_every_reports_dictionary_at_its_jobs_dictionary_url(app, org):
    bearer = _token(app, org["hr"])
    client = app.test_client()
    for report in Report:
        made = client.post("/api/v1/exports/jobs", json={"report": report.value}, headers=bearer)
        assert made.status_code == 202, made.get_json()
        url = made.get_json()["dictionary_url"]
        assert url == f"/api/v1/exports/{report.value}/dictionary.csv"
        dictionary = client.get(url, headers=bearer)
        assert dictionary.status_code == 200, (report, dictionary.get_data(as_text=True))
        assert dictionary.mimetype == "text/csv"
        assert dictionary.get_data(as_text=True).startswith('"column","meaning"')
    # a manager's competence profiles dictionary lists the columns of their file (no source)
    boss = _client(app, org["boss"])
    page = boss.get("/exports/competence_profiles/dictionary.csv").get_data(as_text=True)
    api = boss.get("/api/v1/exports/competence_profiles/dictionary.csv").get_data(as_text=True)
    assert api == page and "evidence_source" not in api
    assert client.get("/api/v1/exports/nope/dictionary.csv", headers=bearer).status_code == 404
    refused = app.test_client().get(
        "/api/v1/exports/team_gap_summaries/dictionary.csv",
        headers=_token(app, org["hr"], ("audit:read",)),
    )
    assert refused.status_code == 403
    assert (
        _client(app, org["plain"])
        .get("/api/v1/exports/team_gap_summaries/dictionary.csv")
        .status_code
        == 403
    )


def test_a_job_is_its_requesters_whichever_way_they_asked_and_hrs(app, org):
    bearer = _token(app, org["hr"])
    hr = _client(app, org["hr"])
    _export(hr, report="competence_profiles", format="jsonl")
    in_browser = _job_of(app).id
    api = app.test_client()
    # the same HR person's token follows, lists and downloads the job they started in the browser
    assert api.get(f"/api/v1/exports/jobs/{in_browser}", headers=bearer).status_code == 200
    assert api.get(f"/api/v1/exports/jobs/{in_browser}/file", headers=bearer).status_code == 200
    by_token = api.post(
        "/api/v1/exports/jobs", json={"report": "team_gap_summaries"}, headers=bearer
    ).get_json()["id"]
    listed = [j["id"] for j in api.get("/api/v1/exports/jobs", headers=bearer).get_json()]
    assert listed == [by_token, in_browser]
    # ... and the browser shows the token's job in "Your prepared exports" and opens it
    page = hr.get("/exports").get_data(as_text=True)
    assert f"/exports/jobs/{by_token}" in page and f"/exports/jobs/{in_browser}" in page
    assert hr.get(f"/exports/jobs/{by_token}").status_code == 200
    assert [j["id"] for j in hr.get("/api/v1/exports/jobs").get_json()] == listed
    # a token made on the command line (no owner) sees its own jobs only
    cli = _token(app, None)
    assert api.get(f"/api/v1/exports/jobs/{in_browser}", headers=cli).status_code == 404
    assert api.get("/api/v1/exports/jobs", headers=cli).get_json() == []
    # a manager sees neither HR's browser job nor HR's token's
    boss = _client(app, org["boss"])
    for job_id in (in_browser, by_token):
        assert boss.get(f"/api/v1/exports/jobs/{job_id}").status_code == 404
        assert boss.get(f"/exports/jobs/{job_id}").status_code == 404
    assert f"/exports/jobs/{by_token}" not in boss.get("/exports").get_data(as_text=True)


def _still_running(app, job_id: int) -> None:
    """Put job ``job_id`` back as a live worker shows it (eager Celery finished it at once)."""
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        job.status, job.run_token, job.heartbeat_at = JobStatus.RUNNING, "live", utcnow()
        db.session.commit()


def test_the_same_export_asked_again_while_it_runs_shows_that_job(app, org, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", -1)  # no rows: a job too
    hr = _client(app, org["hr"])
    asked = {"report": "completions", "format": "xlsx", "status": ["completed", "in_progress"]}
    first = _export(hr, **asked)
    job_id = _job_of(app).id
    _still_running(app, job_id)
    again = _export(hr, **asked | {"status": ["in_progress", "completed"]})  # another order
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/jobs/{job_id}")
    assert first.headers["Location"] == again.headers["Location"] and _job_of(app).id == job_id
    page = hr.get(again.headers["Location"]).get_data(as_text=True)
    assert "this is that export. No second one was started" in page
    # the API (HR's token acts for HR): 200 with the same job
    bearer = _token(app, org["hr"])
    body = {"report": "completions", "format": "xlsx", "status": ["completed", "in_progress"]}
    api = app.test_client().post("/api/v1/exports/jobs", json=body, headers=bearer)
    assert api.status_code == 200 and api.get_json()["id"] == job_id
    # another format, other filters, or another person: a new job
    other_format = _export(hr, **asked | {"format": "csv"})
    assert other_format.headers["Location"] != first.headers["Location"]
    other_filter = _export(hr, **asked | {"status": ["completed"]})
    assert not other_filter.headers["Location"].endswith(f"/jobs/{job_id}")
    boss = _export(_client(app, org["boss"]), **asked)
    assert not boss.headers["Location"].endswith(f"/jobs/{job_id}")
    # once it is done, or stalled, asking again starts a new one
    with app.app_context():
        stalled = db.session.get(ExportJob, job_id)
        stalled.heartbeat_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    assert not _export(hr, **asked).headers["Location"].endswith(f"/jobs/{job_id}")
