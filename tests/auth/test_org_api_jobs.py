"""POST /api/v1/org/imports of a file over LEARNHUB_HR_IMPORT_JOB_ROWS rows (issue 13): 202
with the run's URL, which a worker plans and (unless a dry run) applies in one transaction; the
run is polled at GET /api/v1/org/imports/runs/<id>. Smaller files keep the synchronous 200.
Eager tasks here (the task runs in-process after the request's commit)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org import import_jobs
from learnhub.org.import_runs import HRImportRun
from tests.auth.test_org_api import _people, _post, _token
from tests.conftest import realdata

URL = "/api/v1/org/imports"


@pytest.fixture
def low_threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_JOB_ROWS", 50)


def test_a_large_file_answers_202_and_the_worker_applies_it(app, low_threshold):
    headers = _token(app, "org:write")
    client = app.test_client()
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes()  # 107 people
    dry = _post(client, headers, data, "?dry_run=true")
    assert dry.status_code == 202, dry.get_json()
    body = dry.get_json()
    assert body["status"] == "planning" and body["dry_run"] is True
    assert dry.headers["Location"] == body["url"] == f"{URL}/runs/{body['id']}"
    polled = client.get(body["url"], headers=headers).get_json()
    assert polled["status"] == "dry_run" and polled["summary"]["added"] == 107
    assert _people(app) == 0
    done = _post(client, headers, data, "?mode=full&source=oracle")
    assert done.status_code == 202 and done.get_json()["dry_run"] is False
    polled = client.get(done.get_json()["url"], headers=headers).get_json()
    assert polled["status"] == "applied" and polled["summary"]["added"] == 107
    assert polled["dry_run"] is False and _people(app) == 107
    # a redelivered task message applies nothing twice
    with app.app_context():
        run = db.session.get(HRImportRun, done.get_json()["id"])
        assert import_jobs.run_planning(run.id, run.job_attempt) == "dropped"
        assert run.audit_first_id is not None


def test_small_files_keep_the_synchronous_answer(app):
    headers = _token(app, "org:write")
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes()
    answer = _post(app.test_client(), headers, data, "?dry_run=true")
    assert answer.status_code == 200 and answer.get_json()["summary"]["added"] == 107


def test_a_refused_large_file_is_polled_as_invalid(app, low_threshold):
    headers = _token(app, "org:write")
    client = app.test_client()
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes().replace(b"@", b"#", 3)
    body = _post(client, headers, data).get_json()
    polled = client.get(body["url"], headers=headers).get_json()
    assert polled["status"] == "invalid" and polled["errors"] >= 1 and polled["message"]
    assert _people(app) == 0


def test_another_tokens_run_is_not_found(app, low_threshold):
    client = app.test_client()
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes()
    body = _post(client, _token(app, "org:write"), data, "?dry_run=true").get_json()
    other = _token(app, "org:write")
    assert client.get(body["url"], headers=other).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(HRImportRun.status).where(HRImportRun.id == body["id"]))


def _people_csv(rows: int, bad_row: int | None = None) -> bytes:
    """An HR file of ``rows`` people; ``bad_row`` (1-based data row) has an impossible date."""
    lines = ["Employee ID,First Name,Last Name,Work Email,Job Title,Department,Hire Date"]
    for i in range(rows):
        date = "2020-99-01" if bad_row is not None and i + 1 == bad_row else "2020-01-01"
        lines.append(f"A{i:06},Api{i},Person{i},api{i}@example.org,Officer,Api Unit,{date}")
    return ("\n".join(lines) + "\n").encode()


def test_a_refused_large_file_is_polled_with_its_rows_in_error(app, low_threshold):
    """Tester's finding F2 (issue 13): the poll said "1 error(s)" and no row; the page too."""
    headers = _token(app, "org:write")
    client = app.test_client()
    data = _people_csv(120, bad_row=70)
    small = _post(client, headers, _people_csv(20, bad_row=7))
    assert small.status_code == 422
    small_issue = small.get_json()["errors"]["issues"][0]
    body = _post(client, headers, data).get_json()
    polled = client.get(body["url"], headers=headers).get_json()
    assert polled["status"] == "invalid" and polled["errors"] == 1
    [issue] = polled["issues"]
    assert set(issue) == set(small_issue) == {"where", "message"}
    assert issue["where"].startswith("row 71") and "2020-99-01" in issue["message"]
    with app.app_context():
        run = db.session.get(HRImportRun, body["id"])
        assert run.issues == [[issue["where"], issue["message"]]]


def test_a_large_dry_run_is_polled_with_the_numbers_a_small_one_lists(app, low_threshold):
    """F2: a large dry run answered counts only; the small-file answer lists the numbers."""
    headers = _token(app, "org:write")
    client = app.test_client()
    body = _post(client, headers, _people_csv(120), "?dry_run=true").get_json()
    polled = client.get(body["url"], headers=headers).get_json()
    assert polled["status"] == "dry_run" and polled["summary"]["added"] == 120
    assert polled["added"][:2] == ["A000000", "A000001"] and len(polled["added"]) == 100
    assert polled["updated"] == [] and polled["left"] == []
    assert polled["units_added"] == ["Api Unit"] and polled["encoding"]


def test_binary_junk_is_refused_at_once_not_queued(app, low_threshold):
    """F16: a random binary file over the job threshold answers 422 at once, not 202."""
    import random

    junk = random.Random(16).randbytes(64 * 1024)
    answer = _post(app.test_client(), _token(app, "org:write"), junk)
    assert answer.status_code == 422, answer.get_json()
    assert "binary data, not text" in answer.get_json()["message"]


def test_an_import_being_checked_is_cancelled_through_the_api(app, low_threshold, monkeypatch):
    """No worker takes the task: the API cancels the run (200, then the same answer again),
    the kept file is deleted, a task that wakes later imports nothing; another token's run is
    a 404 and a run whose check has ended a 409."""
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(import_jobs, "_queue", lambda run: queued.append((run.id, run.job_attempt)))
    headers = _token(app, "org:write")
    client = app.test_client()
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes()
    body = _post(client, headers, data, "?mode=full&source=oracle").get_json()
    assert body["status"] == "planning" and queued == [(body["id"], 1)]
    cancel = f"{body['url']}/cancel"
    assert client.post(cancel, headers=_token(app, "org:write")).status_code == 404
    answer = client.post(cancel, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "expired" and "Cancelled" in answer.get_json()["message"]
    assert client.post(cancel, headers=headers).get_json()["status"] == "expired"
    with app.app_context():
        run = db.session.get(HRImportRun, body["id"])
        assert run is not None and not import_jobs.import_staging.kept(run.preview_token)
        assert import_jobs.run_planning(run.id, 1) == "dropped"
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "org_import_cancelled")
        ).all()
        assert [e.details["run_id"] for e in events] == [body["id"]]
        assert events[0].actor_token_id is not None
    assert _people(app) == 0
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_JOB_ROWS", 50)
    done = _post(client, headers, data, "?dry_run=true").get_json()  # eager: checked at once
    refused = client.post(f"{done['url']}/cancel", headers=headers)
    assert refused.status_code == 409 and "already ended" in refused.get_json()["message"]
