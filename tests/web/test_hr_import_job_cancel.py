"""Cancel of a large HR file still being checked by a worker (issue 13 left-over): today's
"Checking your file" page had no Cancel, and the file waited for the preview time. Cancel
(page and API) deletes the kept file, the run reads cancelled, it is audited once, a second
Cancel changes nothing, and the task that wakes later (or is mid-plan) stops without writing.
Eager tasks (or none) on SQLite; PostgreSQL with LEARNHUB_TEST_DATABASE_URL."""

from __future__ import annotations

from sqlalchemy import func, select

from learnhub.core.audit import AuditEvent
from learnhub.core.transactions import unit_of_work
from learnhub.extensions import db
from learnhub.org import import_jobs, import_staging
from learnhub.org.import_runs import RunStatus
from tests.web.test_hr_import_jobs import _plan, low_threshold, no_worker  # noqa: F401
from tests.web.test_hr_import_pages import _changed_demo, _hr, _runs, _token, _upload


def _cancelled_events(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(AuditEvent.action == "org_import_cancelled")
        )


def _kept(app, token: str) -> tuple[bool, dict | None]:
    with app.app_context():
        return import_staging.kept(token), import_staging.read_preview(token)


def test_a_file_being_checked_is_cancelled_and_its_task_writes_nothing(
    app,
    demo,
    low_threshold,  # noqa: F811
    no_worker,  # noqa: F811
):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "<h1>Checking your file</h1>" in page and "Cancel and delete the file" in page
    assert _kept(app, token)[0]
    cancel = client.post(f"/hr/imports/preview/{token}/cancel", data={"csrf_token": csrf})
    assert cancel.status_code == 302 and cancel.headers["Location"].endswith("/hr/imports")
    (run,) = _runs(app)
    assert run.status == RunStatus.EXPIRED and run.shown_status == "cancelled"
    assert run.finished_at is not None
    assert _kept(app, token) == (False, None)  # the personal data is gone now
    assert _cancelled_events(app) == 1
    history = client.get("/hr/imports").get_data(as_text=True)
    assert "Cancelled: nothing was imported" in history and "Cancelled" in history
    # a second click changes nothing; the page is gone, Start again refuses
    again = client.post(f"/hr/imports/preview/{token}/cancel", data={"csrf_token": csrf})
    assert again.status_code == 302 and _cancelled_events(app) == 1
    assert client.get(f"/hr/imports/preview/{token}").status_code == 410
    client.post(f"/hr/imports/preview/{token}/restart", data={"csrf_token": csrf})
    assert "upload the file again" in client.get("/hr/imports").get_data(as_text=True)
    # the worker wakes at last: nothing is planned, recorded or written
    assert _plan(app, run.id, 1) == "dropped"
    (run,) = _runs(app)
    assert run.shown_status == "cancelled" and run.added == 0
    assert _kept(app, token) == (False, None)
    assert no_worker == [(run.id, 1)]


def test_a_check_cancelled_mid_plan_stops_at_its_next_tick(
    app,
    demo,
    low_threshold,  # noqa: F811
    no_worker,  # noqa: F811
    monkeypatch,
):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    (run,) = _runs(app)
    seen: list[str] = []

    def planning(_request, *, progress, **_kwargs):
        # the person cancels while the worker reads the rows
        with app.test_request_context():
            held = db.session.get(type(run), run.id)
            assert import_jobs.cancel_planning(held)
            db.session.commit()
        seen.append("cancelled")
        progress("check", 5, 27)
        seen.append("went on")  # never reached
        raise AssertionError("the plan went on")

    monkeypatch.setattr(import_jobs, "plan_request", planning)
    assert _plan(app, run.id, 1) == "dropped"
    assert seen == ["cancelled"]
    (run,) = _runs(app)
    assert run.shown_status == "cancelled" and run.message is not None
    assert "Nothing was imported" not in run.message  # not marked failed
    assert _kept(app, token) == (False, None)


def test_a_finished_check_is_not_cancelled_as_a_check(app, demo, low_threshold):  # noqa: F811
    """Eager: the check ended before the click; Cancel then cancels the preview (as its
    page's Cancel does), audited too; the API answers 409 for a run whose check ended."""
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    (run,) = _runs(app)
    assert run.status == RunStatus.DRY_RUN
    with app.test_request_context():
        held = db.session.get(type(run), run.id)
        try:
            import_jobs.cancel_planning(held)
        except import_jobs.Conflict as error:
            assert "already ended" in error.message
        else:
            raise AssertionError("a dry run was cancelled as a check")
        db.session.rollback()
    client.post(f"/hr/imports/preview/{token}/cancel", data={"csrf_token": csrf})
    (run,) = _runs(app)
    assert run.shown_status == "cancelled" and _cancelled_events(app) == 1


def test_a_confirmed_file_being_imported_by_a_worker_is_not_cancelled(
    app,
    demo,
    low_threshold,  # noqa: F811
    monkeypatch,
):
    """The page hides Cancel while a worker imports the confirmed preview; a hand-made POST of
    the cancel address is refused too (409 reason on the page), and the file stays for the
    worker, which then imports it (the lead's review of the Cancel)."""
    from learnhub.org import import_apply_jobs
    from tests.web.test_hr_import_pages import _confirm

    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))  # planned eagerly
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(
        "learnhub.org.tasks.apply_hr_import.delay",
        lambda run_id, attempt: queued.append((run_id, attempt)),
    )
    assert _confirm(client, csrf, token).status_code == 302
    answer = client.post(
        f"/hr/imports/preview/{token}/cancel", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "can no longer be cancelled" in answer.get_data(as_text=True)
    assert _kept(app, token)[0] and _cancelled_events(app) == 0
    (run,) = _runs(app)
    assert run.status == RunStatus.DRY_RUN
    with app.app_context(), unit_of_work():
        assert import_apply_jobs.run_applying(*queued[-1]) == "applied"
    (run,) = _runs(app)
    assert run.status == RunStatus.APPLIED
