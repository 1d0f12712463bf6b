"""A large HR file checked by a worker (issue 13, learnhub.org.import_jobs): over
LEARNHUB_HR_IMPORT_JOB_ROWS rows the upload answers at once with "Checking your file" and its
progress, then shows the same preview, and Confirm applies it as for a small file; a task
message delivered twice (or of an older attempt) records nothing twice; a failed or stalled
check says so and offers Start again. Eager tasks on SQLite (PostgreSQL with
LEARNHUB_TEST_DATABASE_URL); the real worker is in test_hr_import_job_worker.py."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook

from learnhub.core.transactions import unit_of_work
from learnhub.extensions import db
from learnhub.org import import_jobs
from learnhub.org.import_runs import HRImportRun, RunStatus
from tests.web.test_hr_import_pages import (
    _changed_demo,
    _confirm,
    _hr,
    _runs,
    _title_of,
    _token,
    _upload,
)


@pytest.fixture
def low_threshold(app, monkeypatch):
    """Files of more than 5 rows go to a worker (the demo organisation has 27)."""
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_JOB_ROWS", 5)


@pytest.fixture
def no_worker(monkeypatch) -> list[tuple[int, int]]:
    """No worker takes the task: the (run id, attempt) it would have been queued with."""
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(import_jobs, "_queue", lambda run: queued.append((run.id, run.job_attempt)))
    return queued


def _plan(app, run_id: int, attempt: int) -> str:
    """What the worker does with one task message."""
    with app.app_context(), unit_of_work():
        return import_jobs.run_planning(run_id, attempt)


def test_count_rows_of_a_csv_and_an_xlsx_without_reading_them():
    assert import_jobs.count_rows(b"a,b\n1,2\n3,4\n") == 2
    assert import_jobs.count_rows(b"a,b\n1,2\n3,4") == 2  # no final line break
    assert import_jobs.count_rows(b"") == 0
    book = Workbook()
    sheet = book.active
    sheet.append(["employee_number", "first_name"])
    for n in range(2500):
        sheet.append([f"E{n}", "Ann"])
    out = io.BytesIO()
    book.save(out)
    assert import_jobs.count_rows(out.getvalue(), "people.xlsx") == 2500
    assert import_jobs.count_rows(b"PK\x03\x04 not a zip", "people.xlsx") == 0


def test_a_large_file_is_checked_by_the_task_then_previewed_and_confirmed(app, demo, low_threshold):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    # eager: the task ran in-process after the upload's commit; the page shows the preview
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "Check before you import" in page and "Zofia Kowalczyk" in page
    (run,) = _runs(app)
    assert (run.status, run.job_attempt, run.added, run.updated) == (RunStatus.DRY_RUN, 1, 1, 1)
    assert _title_of(app, "E1200") is None
    # Confirm: applied by the task too (eager: before the answer); the page leads to the run
    done = _confirm(client, csrf, token)
    assert done.status_code == 302 and done.headers["Location"].endswith(token)
    assert _title_of(app, "E1200") == "Case Officer"
    (run,) = _runs(app)
    assert (run.status, run.job_attempt) == (RunStatus.APPLIED, 2)
    shown = client.get(done.headers["Location"])
    assert shown.status_code == 302 and shown.headers["Location"].endswith(f"/runs/{run.id}")


def test_confirm_of_a_large_file_is_imported_by_the_task_once(
    app, demo, low_threshold, monkeypatch
):
    from learnhub.org import import_apply_jobs

    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))  # planned eagerly
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(
        "learnhub.org.tasks.apply_hr_import.delay",
        lambda run_id, attempt: queued.append((run_id, attempt)),
    )
    assert _confirm(client, csrf, token).status_code == 302
    again = _confirm(client, csrf, token)  # sent twice: queued once, the progress shown
    assert again.status_code == 200 and "Importing your file" in again.get_data(as_text=True)
    (run,) = _runs(app)
    assert queued == [(run.id, 2)] and run.status == RunStatus.DRY_RUN
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "<h1>Importing your file</h1>" in page and "Waiting for a worker" in page
    progress = client.get(f"/hr/imports/preview/{token}/progress").get_json()
    assert progress["status"] == "applying" and progress["stalled"] is False
    assert _title_of(app, "E1200") is None
    with app.app_context(), unit_of_work():
        assert import_apply_jobs.run_applying(run.id, 1) == "dropped"  # an older attempt
    with app.app_context(), unit_of_work():
        assert import_apply_jobs.run_applying(run.id, 2) == "applied"
    with app.app_context(), unit_of_work():
        assert import_apply_jobs.run_applying(run.id, 2) == "dropped"  # redelivered
    assert _title_of(app, "E1200") == "Case Officer"
    (run,) = _runs(app)
    assert run.status == RunStatus.APPLIED and run.audit_first_id is not None
    shown = client.get(f"/hr/imports/preview/{token}")
    assert shown.headers["Location"].endswith(f"/runs/{run.id}")


def test_a_large_file_whose_organisation_changed_gets_a_new_preview(app, demo, low_threshold):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    with app.app_context():
        from sqlalchemy import select

        from learnhub.org.models import Employee

        evan = db.session.scalar(select(Employee).where(Employee.employee_number == "E1007"))
        evan.job_title = "Lead Case Officer"
        db.session.commit()
    done = _confirm(client, csrf, token)
    page = client.get(done.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "The organisation changed since the preview: nothing was imported." in page
    assert "Check before you import" in page and "Lead Case Officer" in page
    assert _title_of(app, "E1200") is None
    old, new = _runs(app)
    assert (old.status, new.status) == (RunStatus.SUPERSEDED, RunStatus.DRY_RUN)


def test_the_checking_page_shows_progress_until_the_worker_has_planned(
    app, demo, low_threshold, no_worker
):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    (run,) = _runs(app)
    assert run.status == RunStatus.PLANNING and run.rows == 27 and no_worker == [(run.id, 1)]
    page = client.get(f"/hr/imports/preview/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Checking your file</h1>" in text
    assert 'role="status" aria-live="polite"' in text and "Waiting for a worker" in text
    assert "Check now" in text and "hr_import_job.js" in text and "Start again" not in text
    # the history says so too
    assert "Checking…" in client.get("/hr/imports").get_data(as_text=True)  # F10
    progress = client.get(f"/hr/imports/preview/{token}/progress").get_json()
    assert progress == {
        "status": "planning",
        "phase": "queued",
        "words": "Waiting for a worker",
        "done": 0,
        "total": 27,
        "stalled": False,
    }
    # a Confirm sent meanwhile imports nothing
    assert _confirm(client, csrf, token).status_code == 409
    # a tick of the worker shows on the page (rows checked of N)
    with app.app_context():
        import_jobs.import_staging.write_preview(token, import_jobs._progress_doc("read", 10, 27))
    text = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "Reading the rows:</strong> <span data-rows>10</span> of about 27 rows." in text
    assert _plan(app, run.id, 1) == "dry_run"
    assert _plan(app, run.id, 1) == "dropped"  # redelivered: nothing recorded twice
    (run,) = _runs(app)
    assert run.status == RunStatus.DRY_RUN and run.added == 1 and run.fingerprint
    assert client.get(f"/hr/imports/preview/{token}/progress").get_json()["status"] == "dry_run"
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "Check before you import" in page and "Zofia Kowalczyk" in page
    assert _confirm(client, csrf, token).status_code == 302
    assert _title_of(app, "E1200") == "Case Officer"


def test_a_refused_large_file_lists_its_errors_as_a_small_one_does(
    app, demo, low_threshold, no_worker
):
    client, csrf = _hr(app)
    bad = _changed_demo().replace(b"employee@example.org", b"not-an-email")
    token = _token(_upload(client, csrf, bad, name="bad.csv"))
    (run,) = _runs(app)
    assert _plan(app, run.id, 1) == "invalid"
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "The file has errors" in page and "row 8" in page and "not-an-email" in page
    (run,) = _runs(app)
    assert run.status == RunStatus.INVALID and run.errors >= 1
    # the history's run page lists them too (F2: it showed "Errors 1" and no row), also once
    # the preview file is gone
    with app.app_context():
        import_jobs.import_staging.discard(token)
    page = client.get(f"/hr/imports/runs/{run.id}").get_data(as_text=True)
    assert "Row or cell" in page and "row 8" in page and "not-an-email" in page


def test_a_failed_check_says_why_and_starts_again(app, demo, low_threshold, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_jobs, "plan_request", broken)
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    (run,) = _runs(app)
    assert run.status == RunStatus.FAILED and "Nothing was imported" in run.message
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "The check of your file failed" in page and "Nothing was imported." in page
    assert "Start again" in page and "disk on fire" not in page  # no internals shown
    assert "Check failed" in client.get("/hr/imports").get_data(as_text=True)
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_JOB_ROWS", 5)
    again = client.post(f"/hr/imports/preview/{token}/restart", data={"csrf_token": csrf})
    assert again.status_code == 302 and again.headers["Location"].endswith(token)
    (run,) = _runs(app)
    assert (run.status, run.job_attempt, run.message) == (RunStatus.DRY_RUN, 2, None)
    assert "Check before you import" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_stalled_check_is_said_and_started_again_and_the_old_message_dropped(
    app, demo, low_threshold, no_worker
):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    (run,) = _runs(app)
    # not stalled yet: Start again changes nothing
    client.post(f"/hr/imports/preview/{token}/restart", data={"csrf_token": csrf})
    assert no_worker == [(run.id, 1)]
    with app.app_context():
        held = db.session.get(HRImportRun, run.id)
        held.heartbeat_at = held.started_at = held.started_at - timedelta(minutes=10)
        db.session.commit()
        import_jobs.import_staging.write_preview(
            token, {"planning": {"phase": "check", "done": 5, "total": 27, "at": 0}}
        )
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "This is taking longer than it should." in page and "Start again" in page
    assert client.get(f"/hr/imports/preview/{token}/progress").get_json()["stalled"] is True
    client.post(f"/hr/imports/preview/{token}/restart", data={"csrf_token": csrf})
    assert no_worker == [(run.id, 1), (run.id, 2)]
    assert "Waiting for a worker" in client.get(f"/hr/imports/preview/{token}").get_data(
        as_text=True
    )
    assert _plan(app, run.id, 1) == "dropped"  # the worker that stalled comes back
    assert _plan(app, run.id, 2) == "dry_run"
    (run,) = _runs(app)
    assert run.status == RunStatus.DRY_RUN


def test_someone_elses_checking_page_is_not_found(app, demo, low_threshold, no_worker):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    other = app.test_client()
    from tests.conftest import sign_in

    sign_in(other, "employee@example.org")
    assert other.get(f"/hr/imports/preview/{token}/progress").status_code in (403, 404)


def test_a_refused_apply_says_why_once_and_imports_nothing(app, demo, low_threshold):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    with app.app_context():  # the kept file is no longer the previewed one
        path = import_jobs.import_staging._paths(token)[0]
        path.write_bytes(path.read_bytes() + b"\n")
    done = _confirm(client, csrf, token)
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "its SHA-256 differs" in page and "nothing was imported" in page
    assert _title_of(app, "E1200") is None
    (run,) = _runs(app)
    assert run.status == RunStatus.DRY_RUN
    again = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "its SHA-256 differs" not in again  # said once


def _history_status(client, run_id: int) -> str:
    page = client.get("/hr/imports").get_data(as_text=True)
    row = next(r for r in page.split("<tr>") if f'/hr/imports/runs/{run_id}"' in r)
    return row.split("<td>")[4].split("</td>")[0]


def test_the_history_says_checking_importing_and_stalled(
    app, demo, low_threshold, no_worker, monkeypatch
):
    """Tester's findings F10 (the history said "Preview, not imported" for a confirmed run
    being imported or stalled) and F18 (Start again of a stalled import flashed "being
    checked")."""
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    (run,) = _runs(app)
    assert _history_status(client, run.id) == "Checking…"
    assert _plan(app, run.id, 1) == "dry_run"
    assert _history_status(client, run.id) == "Preview, not imported"
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(
        "learnhub.org.tasks.apply_hr_import.delay",
        lambda run_id, attempt: queued.append((run_id, attempt)),
    )
    assert _confirm(client, csrf, token).status_code == 302
    assert _history_status(client, run.id) == "Importing…"
    assert "Importing…" in client.get(f"/hr/imports/runs/{run.id}").get_data(as_text=True)
    with app.app_context():  # the worker dies: no sign of life for 10 minutes
        held = db.session.get(HRImportRun, run.id)
        held.heartbeat_at = held.started_at = held.started_at - timedelta(minutes=10)
        db.session.commit()
        doc = import_jobs.import_staging.read_preview(token)
        doc["applying"]["at"] = 0
        import_jobs.import_staging.write_preview(token, doc)
    assert _history_status(client, run.id).startswith("Stalled: the import stopped")
    again = client.post(f"/hr/imports/preview/{token}/restart", data={"csrf_token": csrf})
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Started again: your file is being imported." in page
    assert "being checked" not in page and len(queued) == 2


def test_binary_junk_over_the_job_threshold_is_refused_at_once_not_queued(
    app, demo, low_threshold, no_worker
):
    """Tester's finding F16 (issue 13): a random binary file named .csv was queued as "about
    78,119 rows", refused only by the worker, and its run kept "rows 78119"."""
    import random

    junk = random.Random(16).randbytes(64 * 1024)
    assert import_jobs.count_rows(junk) > 5  # over the threshold by its line breaks
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, junk, name="people.csv"))
    assert no_worker == []  # never queued
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "binary data, not text" in page
    (run,) = _runs(app)
    assert run.status == RunStatus.INVALID and run.rows == 0
