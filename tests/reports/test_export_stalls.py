# ruff: noqa: F811 (the org fixture is imported from test_export_jobs)
"""Stalled export jobs (tester report item 2), with eager Celery: a job whose worker was killed
(no heartbeat for the stall time) is shown stalled with Retry and Cancel; Retry runs the same
job again from zero with a new estimate, and a second Retry or an older task message changes
nothing; Cancel stops it; the beat sweep queues stalled jobs again or fails them and deletes
orphaned ``.part`` files; progress never shows more than the estimate."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.reports.jobs import services, stalls
from learnhub.reports.jobs.models import ExportJob, JobStatus
from learnhub.reports.jobs.services import export_dir, run_job
from tests.conftest import csrf_from
from tests.reports.test_export_jobs import _client, _export, _job_of, org  # noqa: F401

MINUTES_AGO = timedelta(minutes=10)


@pytest.fixture(autouse=True)
def _jobs_always(app, monkeypatch):
    """Every export becomes a job."""
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)


def _killed(app, org, *, attempts: int = 1, fresh: bool = False) -> tuple[int, str]:
    """An HR competence profiles job (7 rows) left as a killed worker leaves it: running at 3
    of an estimate of 3, its heartbeat 10 minutes old (``fresh``: just now), and the killed
    run's ``.part`` file; returns the job id and the part file's path."""
    _export(_client(app, org["hr"]), report="competence_profiles", format="jsonl")
    job_id = _job_of(app).id
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        now = datetime.now(UTC)
        (export_dir() / job.file_name).unlink()
        job.status, job.run_token, job.attempts = JobStatus.RUNNING, "dead", attempts
        job.rows_done, job.rows_estimated = 3, 3
        job.file_name = job.sha256 = job.size_bytes = job.finished_at = job.expires_at = None
        job.heartbeat_at = now if fresh else now - MINUTES_AGO
        db.session.commit()
        part = export_dir() / f"{job_id}-dead.jsonl.part"
        part.write_text("{}\n")
        old = (now - MINUTES_AGO).timestamp()
        os.utime(part, (old, old))
    return job_id, str(part)


def _post(client, url: str):
    token = csrf_from(client.get("/exports").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


def _actions(app, job_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.target == f"export-job:{job_id}")
                .order_by(AuditEvent.id)
            )
        )


def test_a_job_without_heartbeat_is_stalled_with_retry_and_cancel(app, org):
    job_id, _part = _killed(app, org)
    client = _client(app, org["hr"])
    page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "Stalled." in page and "Retry the export" in page and "Cancel the export" in page
    assert 'data-poll=""' in page  # no polling of a stalled job
    api = client.get(f"/api/v1/exports/jobs/{job_id}").get_json()
    assert api["stalled"] is True and api["status"] == "running" and api["attempts"] == 1
    assert "Stalled" in client.get("/exports").get_data(as_text=True)
    # the same job with a fresh heartbeat is running, not stalled: Cancel only
    with app.app_context():
        db.session.get(ExportJob, job_id).heartbeat_at = datetime.now(UTC)
        db.session.commit()
    page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "Stalled" not in page and "Retry the export" not in page
    assert "Cancel the export" in page and "Running:" in page
    refused = _post(client, f"/exports/jobs/{job_id}/retry")
    assert refused.status_code == 303  # told on the job page, not a bare 409 page
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "can be retried only when it has stalled" in page and "Running:" in page


def test_retry_runs_the_same_job_from_zero_with_a_new_estimate(app, org):
    job_id, _part = _killed(app, org)
    client = _client(app, org["hr"])
    response = _post(client, f"/exports/jobs/{job_id}/retry")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/exports/jobs/{job_id}")
    job = _job_of(app)
    assert job.id == job_id and job.status == "done"
    assert (job.rows_done, job.rows_estimated, job.attempts, job.retries) == (7, 7, 2, 1)
    assert "Started 2 times" in client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    # a second click, and the killed run's message coming back at last: nothing changes
    assert _post(client, f"/exports/jobs/{job_id}/retry").status_code == 303
    assert "there is nothing to retry" in client.get(f"/exports/jobs/{job_id}").get_data(
        as_text=True
    )
    with app.app_context():
        assert run_job(job_id, retry=0) == "done"
        assert run_job(job_id) == "done"
    assert _job_of(app).sha256 == job.sha256 and _job_of(app).attempts == 2
    assert _actions(app, job_id).count("export_job_retried") == 1


def test_a_retry_while_queued_again_and_an_older_message_change_nothing(app, org):
    job_id, _part = _killed(app, org)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        job.status, job.retries, job.heartbeat_at = JobStatus.QUEUED, 1, datetime.now(UTC)
        db.session.commit()
        assert stalls.retry_job(job, "HR") is False  # queued, not stalled: a second click
        db.session.commit()
        assert run_job(job_id, retry=0) == "queued"  # queued before the retry: dropped
        job = db.session.get(ExportJob, job_id)
        assert (job.status, job.attempts, job.retries) == (JobStatus.QUEUED, 1, 1)
        assert run_job(job_id, retry=1) == "done"


def test_the_requester_cancels_a_job_and_nobody_else_can(app, org):
    job_id, _part = _killed(app, org, fresh=True)
    assert _post(_client(app, org["boss"]), f"/exports/jobs/{job_id}/cancel").status_code == 404
    client = _client(app, org["hr"])
    assert _post(client, f"/exports/jobs/{job_id}/cancel").status_code == 303
    page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "Cancelled." in page and "Cancelled by" in page and "Retry the export" in page
    api = client.get(f"/api/v1/exports/jobs/{job_id}").get_json()
    assert (api["status"], api["cancelled"], api["stalled"]) == ("failed", True, False)
    assert _post(client, f"/exports/jobs/{job_id}/cancel").status_code == 303  # no change
    assert _actions(app, job_id).count("export_job_cancelled") == 1
    with app.app_context():
        assert run_job(job_id) == "failed"  # the dead run's message: nothing to do
        if db.engine.dialect.name == "postgresql":  # a live run stops at its next tick
            with pytest.raises(services.Superseded):
                services._store_progress(job_id, "dead", 5)


def test_the_sweep_requeues_then_fails_stalled_jobs_and_deletes_orphaned_parts(app, org):
    job_id, part = _killed(app, org)
    with app.app_context():
        live = export_dir() / "999-live.csv.part"  # a job that does not exist
        live.write_text("x")
        counts = stalls.sweep_stalled()
        assert (counts["requeued"], counts["failed"]) == (1, 0)
        # the requeue deleted the stalled run's part itself; the other is too recent
        assert not os.path.exists(part) and live.exists()
        old = (datetime.now(UTC) - MINUTES_AGO).timestamp()
        os.utime(live, (old, old))
        assert stalls.delete_orphaned_parts() == 1 and not live.exists()
        job = db.session.get(ExportJob, job_id)
        assert (job.status, job.attempts, job.rows_done) == (JobStatus.DONE, 2, 7)
    job_id, part = _killed(app, org, attempts=3)
    with app.app_context():
        app.extensions["celery"].tasks["reports.delete_expired_exports"].delay()
        job = db.session.get(ExportJob, job_id)
        assert job.status == JobStatus.FAILED and "3 attempts" in (job.error or "")
        assert not os.path.exists(part)
    assert "export_job_given_up" in _actions(app, job_id)


def test_the_sweep_leaves_a_long_queued_job_to_its_page(app, org):
    job_id, _part = _killed(app, org)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        job.status, job.run_token = JobStatus.QUEUED, None
        db.session.commit()
        assert stalls.sweep_stalled()["requeued"] == 0
        job = db.session.get(ExportJob, job_id)
        assert job.status == JobStatus.QUEUED and stalls.is_stalled(job)
    page = _client(app, org["hr"]).get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "no worker has taken it yet" in page and "Retry the export" in page


def test_a_live_runs_part_file_is_kept_however_old(app, org):
    _job_id, part = _killed(app, org, fresh=True)
    with app.app_context():
        assert stalls.delete_orphaned_parts() == 0
        assert os.path.exists(part)


def test_progress_never_shows_more_than_the_estimate(app, org):
    job_id, _part = _killed(app, org, fresh=True)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        job.rows_done = 600
        assert job.progress() == 1.0
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            services._store_progress(job_id, "dead", 600)
            db.session.expire_all()
            job = db.session.get(ExportJob, job_id)
            assert (job.rows_done, job.rows_estimated) == (600, 600)
        job.status, job.rows_estimated = JobStatus.QUEUED, 2  # an estimate that is too low
        job.attempts = 0
        db.session.commit()
        assert run_job(job_id) == "done"
        job = db.session.get(ExportJob, job_id)
        assert (job.rows_done, job.rows_estimated, job.progress()) == (7, 7, 1.0)


def test_the_api_cancels_and_retries_a_job(app, org):
    job_id, _part = _killed(app, org, fresh=True)
    client = _client(app, org["hr"])
    token = csrf_from(client.get("/exports").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    retried = client.post(f"/api/v1/exports/jobs/{job_id}/retry", headers=headers)
    assert retried.status_code == 409  # running with signs of life
    cancelled = client.post(f"/api/v1/exports/jobs/{job_id}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["cancelled"] is True
    again = client.post(f"/api/v1/exports/jobs/{job_id}/retry", headers=headers)
    assert again.status_code == 200 and again.get_json()["status"] == "queued"
    done = client.get(f"/api/v1/exports/jobs/{job_id}").get_json()  # eager: ran after commit
    assert (done["status"], done["rows_done"], done["attempts"]) == ("done", 7, 2)
    assert client.post(f"/api/v1/exports/jobs/{job_id}/cancel", headers=headers).status_code == 409


def test_a_cancel_of_a_finished_job_is_answered_on_its_page(app, org):
    """Tester report item 2: the page was left open with its Cancel button while the job
    finished; the click is answered on the job page (the file still offered), not on a bare
    409 page, and the job is unchanged."""
    _export(_client(app, org["hr"]), report="competence_profiles", format="jsonl")
    job = _job_of(app)
    assert job.status == "done"
    client = _client(app, org["hr"])
    response = _post(client, f"/exports/jobs/{job.id}/cancel")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/exports/jobs/{job.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash error"' in page
    assert f"Export job {job.id} had already finished, so it was not cancelled" in page
    assert "Download the file" in page and "Cancel the export" not in page
    assert _job_of(app).status == "done" and _job_of(app).cancelled_at is None
    assert "export_job_cancelled" not in _actions(app, job.id)


def test_retry_and_a_new_run_delete_the_killed_runs_part_file(app, org):
    """Tester report: a killed worker's ``.part`` file stayed until the beat sweep. Retry
    deletes it once it commits; a redelivered task that takes the job over deletes it as it
    claims the job; a Cancel deletes the cancelled run's."""
    job_id, part = _killed(app, org)
    client = _client(app, org["hr"])
    assert _post(client, f"/exports/jobs/{job_id}/retry").status_code == 303
    job = _job_of(app)
    assert job.status == "done" and not os.path.exists(part)
    with app.app_context():
        assert [p.name for p in export_dir().glob(f"{job_id}-*.part")] == []
        assert (export_dir() / (job.file_name or "")).exists()
    # no Retry, no sweep: the task comes back (acks_late) and takes the stalled job over
    job_id, part = _killed(app, org)
    with app.app_context():
        assert run_job(job_id) == "done"
        assert not os.path.exists(part)
        assert [p.name for p in export_dir().glob(f"{job_id}-*.part")] == []
    # a cancelled run's partial file goes with it
    job_id, part = _killed(app, org, fresh=True)
    assert _post(client, f"/exports/jobs/{job_id}/cancel").status_code == 303
    assert not os.path.exists(part)


def test_discarding_parts_keeps_the_live_runs_file_and_other_jobs(app, org):
    job_id, part = _killed(app, org, fresh=True)
    with app.app_context():
        folder = export_dir()
        live = folder / f"{job_id}-live.jsonl.part"
        other = folder / f"{job_id + 1000}-dead.jsonl.part"
        live.write_text("x")
        other.write_text("x")
        assert services.discard_parts(job_id, only="nobody") == 0
        assert services.discard_parts(job_id, keep="live") == 1
        assert live.exists() and other.exists() and not os.path.exists(part)
