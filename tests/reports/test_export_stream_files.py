"""A small XLSX export streamed in the response (below the job threshold): the exports page
and the two direct API exports write the workbook and its worksheets' files in the export
folder, never in /tmp, and delete them when the download ends or is broken off; the export
sweep deletes those a killed process left."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from learnhub.extensions import db
from learnhub.reports import formats
from learnhub.reports.jobs import stalls
from learnhub.reports.jobs.writing import export_dir
from tests.conftest import csrf_from, sign_in
from tests.factories import CourseFactory, EmployeeFactory, EnrolmentFactory, ModuleFactory

PASSWORD = "a-test-password"


@pytest.fixture
def hr_client(app, tmp_path, monkeypatch):
    """A signed-in HR client; three enrolled people; the system temp folder empty."""
    system = tmp_path / "system-tmp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    with app.app_context():
        course = ModuleFactory(course=CourseFactory(slug="s1", title="Streamed")).course
        for number in ("P1", "P2", "P3"):
            EnrolmentFactory(employee=EmployeeFactory(employee_number=number), course=course)
        hr = EmployeeFactory(employee_number="H1", password=PASSWORD, roles=["hr"])
        db.session.commit()
        email = hr.email
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    client.system_tmp = system  # type: ignore[attr-defined]
    return client


def _left(app) -> list[str]:
    with app.app_context():
        return sorted(p.name for p in export_dir().iterdir())


def _asks(client) -> dict:
    page = client.get("/exports").get_data(as_text=True)
    return {
        "page": lambda: client.post(
            "/exports",
            data={"csrf_token": csrf_from(page), "report": "completions", "format": "xlsx"},
        ),
        "completions API": lambda: client.get(
            "/api/v1/exports/completions", query_string={"format": "xlsx"}
        ),
        "requirements API": lambda: client.get(
            "/api/v1/exports/requirements", query_string={"format": "xlsx"}
        ),
    }


@pytest.mark.parametrize("way", ["page", "completions API", "requirements API"])
def test_a_streamed_xlsx_leaves_no_file_after_the_download(app, hr_client, way):
    before = _left(app)
    response = _asks(hr_client)[way]()
    assert response.status_code == 200 and response.mimetype.endswith(".sheet")
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert next(book.worksheets[0].iter_rows(values_only=True))  # a header at least
    response.close()
    assert _left(app) == before
    assert list(hr_client.system_tmp.iterdir()) == []


@pytest.mark.parametrize("way", ["page", "completions API"])
def test_a_broken_off_xlsx_download_leaves_no_file(app, hr_client, monkeypatch, way):
    monkeypatch.setattr(formats, "FILE_CHUNK", 100)  # a download of several chunks
    before = _left(app)
    response = _asks(hr_client)[way]()
    try:
        first = next(iter(response.response))
        during = [n for n in _left(app) if n not in before]
    finally:
        response.close()  # the client went away: the server closes the response's iterable
    assert first.startswith(b"PK")
    assert len(during) == 1 and during[0].startswith(formats.STREAM_PREFIX)
    assert _left(app) == before
    assert list(hr_client.system_tmp.iterdir()) == []


def test_the_sweep_deletes_a_dead_downloads_files_only_when_old(app, tmp_path, monkeypatch):
    # an export folder of its own: another test's leftovers must not count here
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_DIR", str(tmp_path / "exports"))
    with app.app_context():
        dead = formats.stream_part(export_dir())
        sheet = formats.scratch_path(dead, 1)
        for path in (dead, sheet):
            path.write_bytes(b"personal data")
        assert stalls.delete_orphaned_parts() == 0  # a download may still be writing them
        old = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
        for path in (dead, sheet):
            os.utime(path, (old, old))
        assert stalls.delete_orphaned_parts() == 2
        assert not dead.exists() and not sheet.exists()
