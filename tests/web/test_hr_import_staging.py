"""Where an uploaded HR file waits for its confirmation (a fresh tester's finding): the folder
is a setting (``LEARNHUB_HR_IMPORT_STAGING_DIR``, default ``<instance>/hr_imports``) that every
web worker must share; a folder that cannot be made or written is a clear error on the page
(503, the folder and the setting named, nothing recorded), never a traceback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.org import import_staging
from learnhub.org.import_runs import HRImportRun
from tests.web.test_hr_import_pages import DEMO, _hr, _token, _upload


def _runs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(HRImportRun.id)))


def test_the_configured_folder_holds_the_file_until_the_confirmation(
    app, demo, tmp_path, monkeypatch
):
    shared = tmp_path / "shared volume" / "hr"
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_STAGING_DIR", str(shared))
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, DEMO))
    assert sorted(p.name for p in shared.iterdir()) == [f"{token}.data", f"{token}.json"]
    assert (shared / f"{token}.data").read_bytes() == DEMO
    assert shared.stat().st_mode & 0o777 == 0o700
    with app.app_context():
        assert import_staging.read_data(token) == DEMO
    monkeypatch.delitem(app.config, "LEARNHUB_HR_IMPORT_STAGING_DIR")
    with app.app_context():
        assert import_staging.folder_path() == Path(app.instance_path) / "hr_imports"


def test_an_unusable_folder_is_said_on_the_page_and_nothing_is_recorded(
    app, demo, tmp_path, monkeypatch
):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_STAGING_DIR", str(blocker / "hr"))
    client, csrf = _hr(app)
    before = _runs(app)
    refused = _upload(client, csrf, DEMO)
    assert refused.status_code == 503
    text = refused.get_data(as_text=True)
    assert "There is a problem" in text and "Traceback" not in text
    assert f"the folder {blocker / 'hr'} (LEARNHUB_HR_IMPORT_STAGING_DIR) cannot be used" in text
    assert "Nothing was imported" in text
    assert _runs(app) == before
    # the pages that only read or sweep the folder still open
    assert client.get("/hr/imports").status_code == 200
