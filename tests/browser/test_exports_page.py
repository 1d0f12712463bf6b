"""The Exports page in Chromium (issue 13), at 1280 and 320 px: axe-core finds no WCAG 2.2
A/AA violation on the form, the form with its error summary, an export job's page and the
page of an expired file; the error summary names the fields; a manager's page too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.reports.jobs.models import ExportJob
from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.browser.test_timed_quiz import sign_in


@pytest.mark.parametrize("width", [1280, 320])
def test_the_exports_pages_pass_axe(
    app,
    demo,
    chromium,
    live_server,
    axe_installed,  # noqa: F811
    monkeypatch,
    width,
):
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)
    found: list[str] = []
    context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, "hr@example.org")
    page.goto("/exports")
    found += _violations(page, f"hr exports {width}")
    # a filter the report does not take, and a range that ends before it starts
    page.check("#report-competence_profiles")
    page.select_option("#course", index=1)
    page.fill("#date_from", "2027-02-01")
    page.fill("#date_to", "2027-01-01")
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert "A course does not apply to competence profiles" in summary.inner_text()
    assert summary.locator("a[href='#course']").count() == 1
    found += _violations(page, f"hr exports errors {width}")
    # a valid one: over the threshold (0), so an export job, run at once by eager Celery
    page.goto("/exports")
    page.check("#report-team_gap_summaries")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/exports/jobs/*")
    assert "Ready" in page.locator("#job-status").inner_text()
    assert page.locator("code.checksum").inner_text().strip()
    found += _violations(page, f"hr export job {width}")
    job_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        db.session.get(ExportJob, job_id).expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    response = page.goto(f"/exports/jobs/{job_id}/download")
    assert response is not None and response.status == 410
    found += _violations(page, f"hr export expired {width}")
    page.goto("/exports")
    found += _violations(page, f"hr exports with a job {width}")
    context.close()
    manager = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = manager.new_page()
    sign_in(page, "manager@example.org")
    page.goto("/exports")
    assert "Grades, points and quiz attempts are never included" in page.content()
    found += _violations(page, f"manager exports {width}")
    manager.close()
    with app.app_context():
        assert db.session.scalar(select(ExportJob.status).where(ExportJob.id == job_id)) == "done"
    assert found == []


def test_a_job_page_left_open_shows_what_a_reload_shows_when_the_job_ends(
    app, demo, chromium, live_server, monkeypatch
):
    """Tester report item 2: a job page open while the job runs, then the job finishes. The
    page then says what the same page reloaded says: the expiry in the viewer's zone (not UTC
    without a zone), the download link and checksum, and no Cancel button any more."""
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)
    context = chromium.new_context(base_url=live_server)
    page = context.new_page()
    sign_in(page, "hr@example.org")
    page.goto("/exports")
    page.check("#report-team_gap_summaries")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/exports/jobs/*")
    job_id = int(page.url.rsplit("/", 1)[1])
    done_fields = ("status", "rows_done", "finished_at", "heartbeat_at")
    with app.app_context():  # eager Celery wrote it; show it running as a worker would
        job = db.session.get(ExportJob, job_id)
        done = {name: getattr(job, name) for name in done_fields}
        job.status, job.heartbeat_at = "running", datetime.now(UTC)
        db.session.commit()
    page.goto(f"/exports/jobs/{job_id}")
    assert "Running:" in page.locator("#job-status").inner_text()
    assert page.get_by_role("button", name="Cancel the export").count() == 1
    with app.app_context():  # the worker finishes while the page is open
        job = db.session.get(ExportJob, job_id)
        for name, value in done.items():
            setattr(job, name, value)
        db.session.commit()
    page.locator("code.checksum").wait_for(timeout=15000)
    live = page.locator("main").inner_text()
    assert page.get_by_role("button", name="Cancel the export").count() == 0
    assert "Ready." in page.locator("#job-status").inner_text()
    page.reload()
    assert live == page.locator("main").inner_text()
    context.close()
