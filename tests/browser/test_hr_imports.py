"""HR import in a real browser (Chromium, axe-core WCAG 2.2 A/AA) at 1280 and 320 px: HR opens
the import page from the HR page, sends the form empty (errors), uploads the real Oracle HR
export and sees the preview, confirms, reads the run and the history; a file with errors shows
them by row with no way to confirm; the import profiles page. No axe violation on any of these
pages; screenshots of each are kept (tests.browser.screenshots)."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.browser.test_timed_quiz import sign_in
from tests.conftest import realdata


@pytest.mark.parametrize("width", [1280, 320])
def test_hr_import_pages_work_and_pass_axe(
    app,
    demo,
    chromium,
    live_server,
    axe_installed,  # noqa: F811
    width,
    tmp_path,
):
    found: list[str] = []
    context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, "hr@example.org")

    def check(name: str) -> None:
        found.extend(_violations(page, f"hr import {name}"))

    page.goto("/hr")
    page.click("text=Import the organisation >> nth=-1")
    assert page.locator("h1").inner_text() == "Import the organisation"
    check("upload")
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    assert "There is a problem" in page.content()
    check("upload errors")
    # the real Oracle HR export, as its own source
    page.set_input_files("#file", str(realdata("hr", "oracle-hr-employees.csv")))
    page.fill("#source", "oracle")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/hr/imports/preview/*")
    assert page.locator("h1").inner_text() == "Check before you import"
    assert "People to add (107)" in page.content()
    check("preview")
    page.click("text=Import oracle-hr-employees.csv")
    page.wait_for_url("**/hr/imports/runs/*")
    assert "Imported: the organisation now matches the file." in page.content()
    assert "org_import" in page.content()
    check("run")
    page.goto("/hr/imports")
    assert "oracle-hr-employees.csv" in page.content()
    check("history")
    # a file with errors: listed by row, nothing to confirm
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Employee ID,First Name,Last Name,Work Email,Manager ID\n"
        "X1,Ada,Byron,not-an-email,\nX2,Alan,Turing,alan@example.org,NOBODY\n",
        encoding="utf-8",
    )
    page.set_input_files("#file", str(bad))
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/hr/imports/preview/*")
    assert page.locator("h1").inner_text() == "The file has errors"
    assert "row 2" in page.content() and "row 3" in page.content()
    assert page.locator("text=Import bad.csv").count() == 0
    check("preview errors")
    page.goto("/hr/imports/profiles?from=oracle-hr")
    assert page.locator("#column_employee_number").input_value() == "Employee ID"
    check("profiles")
    context.close()
    assert found == []


@pytest.mark.parametrize("width", [1280, 320])
def test_a_large_file_shows_checking_your_file_then_its_preview(
    app,
    demo,
    chromium,
    live_server,
    axe_installed,  # noqa: F811
    width,
    monkeypatch,
):
    """Over LEARNHUB_HR_IMPORT_JOB_ROWS rows (issue 13): "Checking your file" at once, its
    progress updated in place by hr_import_job.js, the preview when the worker is done (here
    the test plays the worker: no task is queued), and a failed check with Start again."""
    from playwright.sync_api import expect
    from sqlalchemy import select

    from learnhub.core.transactions import unit_of_work
    from learnhub.extensions import db
    from learnhub.org import import_jobs
    from learnhub.org.import_runs import HRImportRun

    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_JOB_ROWS", 50)
    monkeypatch.setattr(import_jobs, "_queue", lambda run: None)
    found: list[str] = []
    context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, "hr@example.org")
    page.goto("/hr/imports")
    page.set_input_files("#file", str(realdata("hr", "oracle-hr-employees.csv")))
    page.fill("#source", "oracle")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/hr/imports/preview/*")
    assert page.locator("h1").inner_text() == "Checking your file"
    assert "Waiting for a worker" in page.locator("#job-status").inner_text()
    found.extend(_violations(page, "hr import checking queued"))
    token = page.url.rsplit("/", 1)[-1]
    with app.app_context():
        run_id = db.session.scalar(select(HRImportRun.id).where(HRImportRun.preview_token == token))
        import_jobs.import_staging.write_preview(token, import_jobs._progress_doc("read", 40, 107))
    # the script updates the live region in place (no reload)
    expect(page.locator("#job-status")).to_contain_text("40 of about 107 rows", timeout=15000)
    found.extend(_violations(page, "hr import checking progress"))
    with app.app_context(), unit_of_work():
        assert import_jobs.run_planning(run_id, 1) == "dry_run"
    expect(page.locator("h1")).to_have_text("Check before you import", timeout=20000)
    assert "People to add (107)" in page.content()
    context.close()
    assert found == []
