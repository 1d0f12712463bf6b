"""An export job through a real ``celery -A workers worker`` (STYLE.md: one real-worker test
besides the eager ones): the page queues ``reports.run_export`` on Redis, the worker writes the
file to the folder web and workers share, the web serves it with a matching checksum; the task
sent again by name (a redelivery) leaves the job and its file as they were. Needs PostgreSQL
and Redis (skips, or fails under LEARNHUB_REQUIRE_SERVICES=1, without them)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.reports.jobs.models import ExportJob, JobStatus
from tests.conftest import csrf_from, sign_in
from tests.factories import CourseFactory, EmployeeFactory, EnrolmentFactory, ModuleFactory
from tests.skills.conftest import (  # noqa: F401  (fixtures)
    make_web,
    postgres,
    production_web,
    redis_url,
    start_worker,
    wait_until,
)

PASSWORD = "a-test-password"
PEOPLE = 40


@pytest.fixture
def shared_exports(tmp_path_factory, monkeypatch) -> Path:
    """The export folder web and worker share (LEARNHUB_EXPORT_DIR); set before the worker
    starts, so its environment has it."""
    folder = tmp_path_factory.mktemp("shared-exports")
    monkeypatch.setenv("LEARNHUB_EXPORT_DIR", str(folder))
    return folder


def _job(app) -> ExportJob | None:
    with app.app_context():
        job = db.session.scalar(select(ExportJob).order_by(ExportJob.id.desc()))
        if job is not None:
            db.session.expunge(job)
        db.session.rollback()
        return job


def test_an_export_job_on_a_real_worker(
    app,
    postgres,  # noqa: F811
    shared_exports,
    production_web,  # noqa: F811
    start_worker,  # noqa: F811
    monkeypatch,
):
    with app.app_context():
        module = ModuleFactory(course=CourseFactory(slug="w1", title="Worker course"))
        for n in range(PEOPLE):
            person = EmployeeFactory(employee_number=f"W{n:03d}", first_name=f"=Name{n}")
            EnrolmentFactory(employee=person, course=module.course)
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"])
        db.session.commit()
        email = hr.email
    monkeypatch.setitem(production_web.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 10)
    monkeypatch.setitem(production_web.config, "LEARNHUB_EXPORT_DIR", str(shared_exports))
    client = production_web.test_client()
    sign_in(client, email, PASSWORD)
    page = client.get("/exports").get_data(as_text=True)
    response = client.post(
        "/exports",
        data={"csrf_token": csrf_from(page), "report": "completions", "format": "csv"},
    )
    assert response.status_code == 303
    queued = _job(app)
    assert queued is not None and queued.rows_estimated == PEOPLE
    worker = start_worker()
    wait_until(lambda: (_job(app) or queued).status == "done", "the worker wrote it", 90)
    job = _job(app)
    assert job is not None and job.rows_done == PEOPLE
    path = shared_exports / (job.file_name or "")
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == job.sha256 and len(data) == job.size_bytes
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert len(rows) == PEOPLE + 1 and all(r[1].startswith("'=Name") for r in rows[1:])
    download = client.get(f"/exports/jobs/{job.id}/download")
    assert download.status_code == 200 and download.get_data() == data
    download.close()
    # redelivered: the same task by name again; the job is done, nothing changes
    production_web.extensions["celery"].send_task("reports.run_export", kwargs={"job_id": job.id})
    wait_until(
        lambda: worker.text().count("reports.run_export[") >= 4, "the second run", timeout=60
    )
    again = _job(app)
    assert again is not None and (again.sha256, again.file_name) == (job.sha256, job.file_name)
    assert sorted(p.name for p in shared_exports.iterdir()) == [job.file_name]
    # a worker killed mid-export (tester report): running, no heartbeat for the stall time,
    # its .part file left behind; the page's Retry runs it again on the worker, without beat,
    # and the killed run's partial file is gone with it
    with app.app_context():
        killed = db.session.get(ExportJob, job.id)
        assert killed is not None
        killed.status, killed.run_token, killed.file_name = JobStatus.RUNNING, "dead", None
        killed.heartbeat_at = datetime.now(UTC) - timedelta(hours=1)
        db.session.commit()
    (shared_exports / job.file_name).unlink()
    part = shared_exports / f"{job.id}-dead.csv.part"
    part.write_text("half a file")
    page = client.get(f"/exports/jobs/{job.id}").get_data(as_text=True)
    assert "Stalled." in page
    retried = client.post(f"/exports/jobs/{job.id}/retry", data={"csrf_token": csrf_from(page)})
    assert retried.status_code == 303
    wait_until(lambda: (_job(app) or job).status == "done", "the retried run", 90)
    redone = _job(app)
    assert redone is not None and (redone.attempts, redone.rows_done) == (2, PEOPLE)
    assert sorted(p.name for p in shared_exports.iterdir()) == [redone.file_name]
