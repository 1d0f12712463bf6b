"""A large HR file checked by a real ``celery -A workers worker`` (STYLE.md: one real-worker
test besides the eager ones): the page queues ``org.plan_hr_import`` on Redis and answers
"Checking your file" at once; the worker plans the file kept in the staging folder web and
workers share; the page then shows the preview; the task sent again by name (a redelivery)
records nothing twice; Confirm is applied by the worker too (``org.apply_hr_import``). Needs
PostgreSQL and Redis (skips, or fails under LEARNHUB_REQUIRE_SERVICES=1, without them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnhub.org.import_runs import RunStatus
from tests.conftest import sign_in
from tests.skills.conftest import (  # noqa: F401  (fixtures)
    make_web,
    postgres,
    production_web,
    redis_url,
    start_worker,
    wait_until,
)
from tests.web.test_hr_import_pages import (
    _changed_demo,
    _confirm,
    _runs,
    _title_of,
    _token,
    _upload,
)


@pytest.fixture
def shared_staging(tmp_path_factory, monkeypatch) -> Path:
    """The staging folder web and worker share; set before the worker starts."""
    folder = tmp_path_factory.mktemp("shared-hr-imports")
    monkeypatch.setenv("LEARNHUB_HR_IMPORT_STAGING_DIR", str(folder))
    return folder


def test_a_large_hr_file_checked_on_a_real_worker(
    app,
    demo,
    postgres,  # noqa: F811
    shared_staging,
    production_web,  # noqa: F811
    start_worker,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setitem(production_web.config, "LEARNHUB_HR_IMPORT_JOB_ROWS", 5)
    monkeypatch.setitem(
        production_web.config, "LEARNHUB_HR_IMPORT_STAGING_DIR", str(shared_staging)
    )
    client = production_web.test_client()
    csrf = sign_in(client, "hr@example.org")
    token = _token(_upload(client, csrf, _changed_demo()))
    (run,) = _runs(app)
    assert run.status == RunStatus.PLANNING  # answered before any worker ran
    assert "Checking your file" in client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    worker = start_worker()
    wait_until(lambda: _runs(app)[0].status != RunStatus.PLANNING, "the worker planned it", 90)
    (run,) = _runs(app)
    assert run.status == RunStatus.DRY_RUN and (run.added, run.updated) == (1, 1)
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "Check before you import" in page and "Zofia Kowalczyk" in page
    # redelivered: the same task by name again; the run is planned already, nothing changes
    production_web.extensions["celery"].send_task(
        "org.plan_hr_import", kwargs={"run_id": run.id, "attempt": 1}
    )
    wait_until(lambda: worker.text().count("org.plan_hr_import[") >= 4, "the second delivery", 60)
    (again,) = _runs(app)
    assert (again.status, again.fingerprint) == (RunStatus.DRY_RUN, run.fingerprint)
    # Confirm: the worker applies it too (org.apply_hr_import), in one transaction
    assert _confirm(client, csrf, token).status_code == 302
    wait_until(lambda: _runs(app)[0].status == RunStatus.APPLIED, "the worker applied it", 90)
    assert _title_of(app, "E1200") == "Case Officer"
    shown = client.get(f"/hr/imports/preview/{token}")
    assert shown.status_code == 302 and shown.headers["Location"].endswith(f"/runs/{run.id}")
