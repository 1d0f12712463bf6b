"""HR import in the browser (issue 13): upload → preview → confirm, errors by row that block,
one apply per preview however often it is confirmed, tokens that are someone else's, made up,
expired or whose file changed, the organisation changing between preview and confirmation,
non-HR refused, and the history written by the page, the API and the command line."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from learnhub.auth import services as auth
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org import import_staging
from learnhub.org.import_runs import HRImportRun, RunChannel, RunStatus
from learnhub.org.models import Employee, ImportProfile
from tests.conftest import CONTENT_DIR, csrf_from, realdata, sign_in

DEMO = (CONTENT_DIR / "demo" / "organisation.csv").read_bytes()
NEW_PERSON = (
    b"E1200,Zofia,Kowalczyk,zofia.kowalczyk@example.org,CASE_OFF,Case Officer,"
    b"Benefits Casework,E1009,2026-11-02\n"
)


def _changed_demo() -> bytes:
    """The demo organisation with one person added and Evan Price's job title changed."""
    text = DEMO.replace(b"\r\n", b"\n").rstrip(b"\n") + b"\n" + NEW_PERSON
    line = next(x for x in text.split(b"\n") if x.startswith(b"E1007,"))
    fields = line.split(b",")
    fields[5] = b"Senior Case Officer"
    return text.replace(line, b",".join(fields))


def _upload(client, csrf: str, data: bytes, name: str = "people.csv", **fields):
    form = {
        "csrf_token": csrf,
        "file": (io.BytesIO(data), name),
        "profile": "",
        "source": "demo",
        "mode": "",
        "encoding": "",
        "max_leavers": "20",
    } | fields
    return client.post("/hr/imports", data=form, content_type="multipart/form-data")


def _hr(app):
    client = app.test_client()
    csrf = sign_in(client, "hr@example.org")
    return client, csrf


def _token(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    match = re.search(r"/hr/imports/preview/([A-Za-z0-9_-]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _confirm(client, csrf: str, token: str):
    return client.post(f"/hr/imports/preview/{token}", data={"csrf_token": csrf})


def _runs(app) -> list[HRImportRun]:
    with app.app_context():
        runs = list(db.session.scalars(select(HRImportRun).order_by(HRImportRun.id)))
        db.session.expunge_all()
        return runs


def _title_of(app, number: str) -> str | None:
    with app.app_context():
        return db.session.scalar(
            select(Employee.job_title).where(Employee.employee_number == number)
        )


def test_upload_preview_confirm_applies_what_was_shown(app, demo):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "Check before you import" in page
    assert "E1200" in page and "Zofia Kowalczyk" in page  # to add
    assert "Job title: Benefits Case Officer → Senior Case Officer" in page  # what changes
    assert re.search(r"People to add</th><td>1<", page) and "Import people.csv" in page
    # nothing changed yet; the dry run is in the history
    assert _title_of(app, "E1007") == "Benefits Case Officer" and _title_of(app, "E1200") is None
    (run,) = _runs(app)
    assert (run.status, run.dry_run, run.channel, run.added, run.updated) == (
        RunStatus.DRY_RUN,
        True,
        RunChannel.PAGE,
        1,
        1,
    )
    done = _confirm(client, csrf, token)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/runs/{run.id}")
    assert _title_of(app, "E1007") == "Senior Case Officer"
    assert _title_of(app, "E1200") == "Case Officer"
    (run,) = _runs(app)
    assert run.status == RunStatus.APPLIED and run.dry_run is False and run.finished_at
    detail = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported: the organisation now matches the file." in detail
    assert "org_import" in detail and f"run_id: {run.id}" in detail  # the audit events
    # the invitations it owed (F3: the page said nothing of them): E1200 invited (eager)
    assert re.search(r"Invitations</dt><dd>1 sent, 0 waiting", detail), detail
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "org_import"))
        assert event.details["run_id"] == run.id and event.details["sha256"] == run.sha256
        assert run.audit_first_id <= event.id <= run.audit_last_id
    with app.app_context():
        assert import_staging.read_data(token) is None


def test_errors_block_with_their_rows_and_a_csv_of_them_all(app, demo):
    client, csrf = _hr(app)
    bad = DEMO.replace(b"employee@example.org", b"not-an-email")
    bad = bad.rstrip(b"\r\n") + b"\nE1300,Nobody,Manager,nm@example.org,,,,E9999,\n"
    token = _token(_upload(client, csrf, bad, name="bad.csv"))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "The file has errors" in page and "Import bad.csv" not in page
    assert "row 8" in page and "not-an-email" in page  # Evan, the 7th person: row 8
    assert "row 28" in page and "E9999" in page
    csv_text = client.get(f"/hr/imports/preview/{token}/errors.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0] == '"where","error"' and '"row 28"' in csv_text
    refused = _confirm(client, csrf, token)
    assert refused.status_code == 409
    (run,) = _runs(app)
    assert run.status == RunStatus.INVALID and run.errors == 2
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(Employee.employee_number == "E1300")) == 0
        )


def test_confirming_twice_applies_once(app, demo):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    first = _confirm(client, csrf, token)
    second = _confirm(client, csrf, token)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "sent twice: the file was imported once" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "org_import")) == 1
    assert [r.status for r in _runs(app)] == [RunStatus.APPLIED]


def test_cancel_deletes_the_file_and_the_preview_cannot_be_confirmed_after(app, demo):
    client, csrf = _hr(app)
    # the form offers the people's own source (the demo's), not a new one
    assert 'value="demo"' in client.get("/hr/imports").get_data(as_text=True)
    token = _token(_upload(client, csrf, _changed_demo()))
    with app.app_context():
        staged = import_staging._paths(token)[0]
    assert staged.exists()
    cancelled = client.post(f"/hr/imports/preview/{token}/cancel", data={"csrf_token": csrf})
    assert cancelled.status_code == 302 and not staged.exists()
    assert "nothing was imported" in client.get("/hr/imports").get_data(as_text=True)
    assert _confirm(client, csrf, token).status_code == 410  # Back, then "Import": refused
    assert _title_of(app, "E1007") != "Senior Case Officer"
    assert [r.status for r in _runs(app)] == [RunStatus.EXPIRED]


def test_made_up_foreign_and_expired_tokens_and_a_changed_file_are_refused(app, demo):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    assert _confirm(client, csrf, "A" * 32).status_code == 404
    assert _confirm(client, csrf, "../../secret_key").status_code == 404
    assert client.get("/hr/imports/preview/" + "B" * 32).status_code == 404
    # another HR person cannot confirm (or see) this one's preview
    with app.app_context():
        other = db.session.scalar(
            select(Employee).where(Employee.email == "oliver.bennett@example.org")
        )
        auth.grant_role(auth.account_for(other), "hr")
        db.session.commit()
    other_client = app.test_client()
    other_csrf = sign_in(other_client, "oliver.bennett@example.org")
    assert _confirm(other_client, other_csrf, token).status_code == 404
    # the staged file changed on the server: its SHA-256 is no longer the preview's
    with app.app_context():
        path = import_staging.folder() / f"{token}.data"
        path.write_bytes(path.read_bytes().replace(b"Senior Case Officer", b"Chief Executive"))
    assert _confirm(client, csrf, token).status_code == 409
    assert _title_of(app, "E1007") == "Benefits Case Officer"
    # a preview past its time: refused with 410, and marked expired by the next visit
    token = _token(_upload(client, csrf, _changed_demo()))
    with app.app_context():
        run = db.session.scalar(select(HRImportRun).where(HRImportRun.preview_token == token))
        run.started_at = run.started_at - timedelta(minutes=61)
        db.session.commit()
    gone = _confirm(client, csrf, token)
    assert gone.status_code == 410 and "older than 60 minutes" in gone.get_data(as_text=True)
    assert _title_of(app, "E1007") == "Benefits Case Officer"
    client.get("/hr/imports")
    with app.app_context():
        assert (
            db.session.scalar(select(HRImportRun.status).where(HRImportRun.preview_token == token))
            == RunStatus.EXPIRED
        )
        assert import_staging.read_data(token) is None


def test_a_changed_organisation_shows_the_new_preview_instead(app, demo):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _changed_demo()))
    # meanwhile the HR system imports the same file through the API
    api = client.post(
        "/api/v1/org/imports?source=demo",
        data={"file": (io.BytesIO(_changed_demo()), "people.csv")},
        headers={"X-CSRFToken": csrf},
    )
    assert api.status_code == 200, api.get_json()
    changed = _confirm(client, csrf, token)
    newer = _token(changed)
    assert newer != token
    page = client.get(f"/hr/imports/preview/{newer}").get_data(as_text=True)
    assert "The organisation changed since the preview" in page
    assert "already matches this file" in page
    statuses = {r.preview_token: r.status for r in _runs(app) if r.preview_token}
    assert statuses == {token: RunStatus.SUPERSEDED, newer: RunStatus.DRY_RUN}


def test_only_hr_reaches_the_import_pages(app, demo):
    client = app.test_client()
    csrf = sign_in(client, "manager@example.org")
    assert client.get("/hr/imports").status_code == 403
    assert _upload(client, csrf, DEMO).status_code == 403
    assert client.get("/hr/imports/profiles").status_code == 403
    assert _runs(app) == []


def test_the_history_has_the_runs_of_the_page_the_api_and_the_command_line(app, demo, tmp_path):
    client, csrf = _hr(app)
    _token(_upload(client, csrf, DEMO))
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes()
    api = client.post(
        "/api/v1/org/imports?source=oracle&dry_run=true",
        data={"file": (io.BytesIO(data), "oracle.csv")},
        headers={"X-CSRFToken": csrf},
    )
    assert api.status_code == 200
    path = tmp_path / "oracle-hr.csv"
    path.write_bytes(data)
    done = app.test_cli_runner().invoke(args=["org", "import", str(path), "--source", "oracle"])
    assert done.exit_code == 0, done.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Employee ID,First Name,Last Name,Work Email\n1,A,B,nope\n")
    refused = app.test_cli_runner().invoke(args=["org", "import", str(bad)])
    assert refused.exit_code == 1 and "row 2" in refused.output
    runs = _runs(app)
    assert [(r.channel, r.status, r.file_name) for r in runs] == [
        (RunChannel.PAGE, RunStatus.DRY_RUN, "people.csv"),
        (RunChannel.API, RunStatus.DRY_RUN, "oracle.csv"),
        (RunChannel.CLI, RunStatus.APPLIED, "oracle-hr.csv"),
        (RunChannel.CLI, RunStatus.INVALID, "bad.csv"),
    ]
    hr_id = runs[0].employee_id
    assert hr_id and runs[1].employee_id == hr_id and runs[2].employee_id is None
    # Oracle's 11 departments but Finance, which the demo organisation has already
    assert runs[2].added == 107 and runs[2].units_added == 10 and runs[3].errors == 1
    page = client.get("/hr/imports").get_data(as_text=True)
    # newest first, who and how
    assert page.index("bad.csv") < page.index("oracle-hr.csv") < page.index("oracle.csv")
    assert "Command line (command line)" in page and "Hana Rossi (API)" in page
    detail = client.get(f"/hr/imports/runs/{runs[2].id}").get_data(as_text=True)
    assert "People added</th><td>107" in detail and "org_import" in detail


def test_saving_an_import_profile_checks_its_name_and_columns(app, demo):
    client, csrf = _hr(app)
    columns = {
        "column_employee_number": "Staff No",
        "column_first_name": "Given",
        "column_last_name": "Family",
        "column_email": "Mail",
    }
    form = {"csrf_token": csrf, "mode": "delta", "description": "", "encoding": ""}
    bad = client.post("/hr/imports/profiles", data=form | columns | {"name": "Pay Roll!"})
    assert bad.status_code == 422 and "lower-case letters" in bad.get_data(as_text=True)
    missing = client.post(
        "/hr/imports/profiles", data=form | columns | {"name": "payroll", "column_email": ""}
    )
    assert missing.status_code == 422
    assert "column header that holds the work email" in missing.get_data(as_text=True)
    wrong = client.post(
        "/hr/imports/profiles", data=form | columns | {"name": "payroll", "encoding": "klingon"}
    )
    assert wrong.status_code == 422
    # one header for two fields: refused on both fields, naming the header and the fields
    shared = client.post(
        "/hr/imports/profiles",
        data=form | columns | {"name": "payroll", "column_last_name": "Given"},
    )
    text = shared.get_data(as_text=True)
    said = "The column “Given” is given for First name and Last name: each field needs its own"
    assert shared.status_code == 422 and said in text
    assert 'id="column_first_name-error"' in text and 'id="column_last_name-error"' in text
    saved = client.post(
        "/hr/imports/profiles", data=form | columns | {"name": "payroll", "encoding": "ISO-8859-2"}
    )
    assert saved.status_code == 302
    with app.app_context():
        profile = db.session.scalar(select(ImportProfile))
        assert (profile.name, profile.encoding) == ("payroll", "iso8859-2")
        assert profile.mapping == {
            "employee_number": "Staff No",
            "first_name": "Given",
            "last_name": "Family",
            "email": "Mail",
        }
    # the profile reads a file with those columns (ISO-8859-2 names) and is its source
    data = "Staff No,Given,Family,Mail\nP1,Łukasz,Żółkiewski,lz@example.org\n".encode("iso8859-2")
    token = _token(_upload(client, csrf, data, profile="payroll"))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "Łukasz Żółkiewski" in page and "payroll" in page
    assert _confirm(client, csrf, token).status_code == 302
    with app.app_context():
        person = db.session.scalar(select(Employee).where(Employee.employee_number == "P1"))
        assert (person.last_name, person.source) == ("Żółkiewski", "payroll")


def test_the_upload_form_says_what_is_missing(app, demo):
    client, csrf = _hr(app)
    response = client.post(
        "/hr/imports",
        data={"csrf_token": csrf, "source": "demo", "max_leavers": "120", "mode": ""},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in page
    assert "Choose the HR file (CSV or XLSX)" in page
    assert "Enter a percentage from 0 to 100" in page
    wrong_kind = _upload(client, csrf, b"%PDF-1.7", name="people.pdf")
    assert wrong_kind.status_code == 422
    assert "Choose a CSV or XLSX file" in wrong_kind.get_data(as_text=True)
    assert csrf_from(page)
    # a post without the profile, or with a mode not offered, names the field (F21: "Not a
    # valid choice." alone); a post without the mode radio takes the default ("as the profile
    # says")
    for fields, named in (
        ({}, "Import profile: choose one of the saved profiles, or none"),
        ({"profile": "", "mode": "sideways"}, "Import mode: choose which people change"),
    ):
        form = {"csrf_token": csrf, "file": (io.BytesIO(DEMO), "people.csv"), "source": "demo"}
        refused = client.post(
            "/hr/imports",
            data=form | {"max_leavers": "20"} | fields,
            content_type="multipart/form-data",
        )
        words = refused.get_data(as_text=True)
        assert refused.status_code == 422 and "Not a valid choice" not in words
        assert named in words
    # a request over the upload limit is refused before it is read, with a page saying so
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        too_large = _upload(client, csrf, DEMO)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert too_large.status_code == 413 and "<h1>" in too_large.get_data(as_text=True)
    assert _runs(app) == []
