"""A cancelled preview says so (a fresh tester's finding: confirming it from Back answered
"older than 60 minutes" 20 seconds after the upload, and the history said "Preview
expired")."""

from __future__ import annotations

from learnhub.org.import_runs import RunStatus
from tests.web.test_hr_import_pages import _changed_demo, _confirm, _hr, _runs, _token, _upload


def test_a_cancelled_preview_confirmed_from_back_says_it_was_cancelled(app, demo):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    client.post(f"/hr/imports/preview/{token}/cancel", data={"csrf_token": csrf})
    gone = _confirm(client, csrf, token)
    text = gone.get_data(as_text=True)
    assert gone.status_code == 410
    assert "This preview was cancelled and its file was deleted" in text
    assert "older than" not in text
    (run,) = _runs(app)
    assert run.status == RunStatus.EXPIRED and run.shown_status == "cancelled"
    history = client.get("/hr/imports").get_data(as_text=True)
    assert "<td>Cancelled</td>" in history and "Preview expired" not in history
    detail = client.get(f"/hr/imports/runs/{run.id}").get_data(as_text=True)
    assert "Cancelled" in detail and "Why it was refused" not in detail
