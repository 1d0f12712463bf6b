"""The Exports page and export jobs (issue 13), on a small known organisation: the two new
reports' contents, every cell neutralised, invalid filters shown on the form, the job
lifecycle with eager Celery (queued → done, checksum of the file, expiry deletes it, 410
after), who may see and download a job, and the same through /api/v1/exports/jobs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from learnhub.assignments import services as assignments
from learnhub.assignments.models import AudienceKind, DueKind
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.models import Employee, OrgUnit
from learnhub.reports.competence_export import PROFILE_HEADER
from learnhub.reports.jobs import services, writing
from learnhub.reports.jobs.models import ExportJob
from learnhub.reports.jobs.services import export_dir, run_job
from learnhub.skills.rollup import store_all_summaries
from tests.conftest import csrf_from, sign_in
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    EnrolmentFactory,
    EvidenceFactory,
    ModuleFactory,
    OrgUnitFactory,
    TargetProfileFactory,
)

PASSWORD = "a-test-password"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def org(app) -> dict:
    """Units R > S and O. boss (R, manager) > mid (S, job EXPJOB) > leaf (R, job EXPJOB);
    outsider (O, job EXPJOB). EXPJOB targets 1.2 at 2 and 4.1 at 3. Evidence: mid 1.2 at 2
    (prior learning, 2027-01-10) and a weaker 1.2 at 1; leaf 4.1 at 1 (quiz) and 2.1 at 2
    (not targeted); outsider none. Stored team summaries of boss and mid."""
    with app.app_context():
        TargetProfileFactory(targets={"1.2": 2, "4.1": 3}, job_codes=["EXPJOB"])
        root = OrgUnitFactory(code="R", name="Root")
        sub = OrgUnitFactory(code="S", name="=Sub", parent_id=root.id)
        other = OrgUnitFactory(code="O", name="Other")
        boss = EmployeeFactory(employee_number="P0", password=PASSWORD, org_unit=root)
        mid = EmployeeFactory(
            employee_number="P1", manager=boss, org_unit=sub, job_code="EXPJOB",
            first_name="@Mid", password=PASSWORD,
        )  # fmt: skip
        leaf = EmployeeFactory(employee_number="P2", manager=mid, org_unit=root, job_code="EXPJOB")
        outsider = EmployeeFactory(employee_number="P3", org_unit=other, job_code="EXPJOB")
        day = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
        EvidenceFactory(employee=mid, code="1.2", level=2, achieved_at=day, source="=cert")
        EvidenceFactory(employee=mid, code="1.2", level=1, achieved_at=day + timedelta(days=1))
        EvidenceFactory(
            employee=leaf, code="4.1", level=1, kind="quiz_passed", source="attempt:7",
            achieved_at=day, expires_at=datetime(2099, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        EvidenceFactory(employee=leaf, code="2.1", level=2, achieved_at=day)
        course = ModuleFactory(course=CourseFactory(slug="c1", title="Course 1"), title="M1")
        for person in (mid, leaf, outsider):
            EnrolmentFactory(employee=person, course=course.course)
        hr = EmployeeFactory(employee_number="H1", password=PASSWORD, roles=["hr"])
        assignments.create_assignment(
            assignments.AssignmentSpec(
                course_id=course.course.id,
                audience=AudienceKind.PEOPLE,
                employee_ids=[mid.id, leaf.id],
                due_kind=DueKind.AFTER_ASSIGNMENT,
                due_days=10,
            ),
            created_by_id=hr.id,
        )
        store_all_summaries()  # the two managers' stored summaries
        plain = EmployeeFactory(employee_number="E1", password=PASSWORD)
        db.session.commit()
        return {"hr": hr.email, "boss": boss.email, "mid": mid.email, "plain": plain.email}


def _client(app, email: str):
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    return client


def _export(client, **fields):
    page = client.get("/exports")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "include_sub_units": "y"}
    response = client.post("/exports", data=data | fields)
    response.get_data()  # a streamed body: read it so its request context ends here
    return response


def _get(client, url: str):
    """GET ``url`` and read it whole, closing the response (a file download holds the file
    open until then)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_competence_profiles_list_each_person_and_competence(app, org):
    response = _export(_client(app, org["hr"]), report="competence_profiles")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _rows(response)
    head = rows[0]
    assert head == PROFILE_HEADER
    by = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    assert [(r["employee_number"], r["competence_code"]) for r in by] == [
        ("P1", "1.2"), ("P1", "4.1"), ("P2", "1.2"), ("P2", "2.1"), ("P2", "4.1"),
        ("P3", "1.2"), ("P3", "4.1"),
    ]  # fmt: skip
    mid_12, leaf_21, leaf_41 = by[0], by[3], by[4]
    assert (mid_12["target_level"], mid_12["attained_level"], mid_12["gap"]) == ("2", "2", "0")
    # the highest evidence, not the latest weaker one; its source neutralised
    assert mid_12["evidence_kind"] == "prior_learning"
    assert mid_12["evidence_date"] == "2027-01-10T09:00:00Z"
    assert mid_12["evidence_source"] == "'=cert" and mid_12["name"].startswith("'@Mid")
    assert mid_12["org_unit"] == "'=Sub"
    assert (leaf_21["target_level"], leaf_21["attained_level"], leaf_21["gap"]) == ("", "2", "")
    assert (leaf_41["target_level"], leaf_41["attained_level"], leaf_41["gap"]) == ("3", "1", "2")
    assert leaf_41["evidence_expires_at"] == "2099-01-01T00:00:00Z"
    assert by[5]["attained_level"] == "0" and by[5]["evidence_kind"] == ""


def test_a_manager_gets_their_subtree_without_the_evidence_source(app, org):
    response = _export(_client(app, org["boss"]), report="competence_profiles", format="jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert {r["employee_number"] for r in records} == {"P1", "P2"}
    assert all("evidence_source" not in r for r in records)
    assert records[0]["target_level"] == 2 and records[0]["gap"] == 0  # typed in JSON Lines
    # assignments and overdue: their subtree's requirements, and only those
    hr_rows = _rows(_export(_client(app, org["hr"]), report="requirements", include_unassigned="y"))
    boss_rows = _rows(
        _export(_client(app, org["boss"]), report="requirements", include_unassigned="y")
    )
    assert {r[0] for r in hr_rows[1:]} >= {"P0", "P1", "P2", "P3", "H1", "E1"}
    assert {r[0] for r in boss_rows[1:]} == {"P1", "P2"}
    dictionary = _client(app, org["boss"]).get("/exports/competence_profiles/dictionary.csv")
    columns = [r[0] for r in _rows(dictionary)[1:]]
    assert "evidence_source" not in columns and "gap" in columns


def test_team_gap_summaries_come_from_the_stored_summaries(app, org):
    response = _export(_client(app, org["hr"]), report="team_gap_summaries")
    rows = _rows(response)
    by = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [(r["manager_employee_number"], r["competence_code"]) for r in by] == [
        ("P0", "1.2"), ("P0", "4.1"), ("P1", "1.2"), ("P1", "4.1"),
    ]  # fmt: skip
    boss_12, boss_41, mid_41 = by[0], by[1], by[3]
    # boss's subtree: mid (1.2 at 2, 4.1 at 0) and leaf (1.2 at 0, 4.1 at 1); targets 2 and 3
    assert (boss_12["headcount"], boss_12["people_with_targets"]) == ("2", "2")
    assert (boss_12["with_target"], boss_12["meeting"], boss_12["max_gap"]) == ("2", "1", "2")
    assert boss_12["mean_gap"] == "1.00" and boss_12["attained_distribution"] == "1;0;1;0;0"
    assert (boss_41["mean_gap"], boss_41["max_gap"]) == ("2.50", "3")
    assert boss_41["attained_distribution"] == "1;1;0;0;0"
    assert (mid_41["headcount"], mid_41["mean_gap"]) == ("1", "2.00")
    # a manager: their own team's and the teams below, never another's
    mine = _rows(_export(_client(app, org["mid"]), report="team_gap_summaries"))
    assert {r[0] for r in mine[1:]} == {"P1"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "report", ["completions", "requirements", "competence_profiles", "team_gap_summaries"]
)
def test_every_cell_a_spreadsheet_could_read_as_a_formula_is_neutralised(app, org, report, fmt):
    with app.app_context():
        for person in db.session.scalars(select(Employee)):
            person.first_name, person.last_name = "=1+2", "+SUM(A1)"
            person.job_title = "-2"
        for unit in db.session.scalars(select(OrgUnit)):
            unit.name = "@cmd"
        db.session.commit()
    response = _export(_client(app, org["hr"]), report=report, format=fmt)
    assert response.status_code == 200
    if fmt == "csv":
        cells = [c for row in _rows(response)[1:] for c in row]
    else:
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        cells = [
            c for sheet in book for row in list(sheet.values)[1:] for c in row if isinstance(c, str)
        ]
    assert cells, "the export has rows"
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert any(c.startswith("'=1+2") or c.startswith("'@cmd") for c in cells)


def test_invalid_filters_show_the_form_again_naming_each_field(app, org):
    client = _client(app, org["hr"])
    response = _export(
        client,
        report="competence_profiles",
        course="c1",
        org_unit="NOPE",
        date_from="2027-02-01",
        date_to="2027-01-01",
    )
    assert response.status_code == 422 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and page.count('class="error-message"') >= 3
    assert 'href="#course"' in page and "A course does not apply to competence profiles" in page
    assert 'href="#org_unit"' in page and "No org unit has the code" in page
    assert 'href="#date_from"' in page and 'value="2027-02-01"' in page  # kept as typed
    waived = _export(client, report="completions", status="overdue")
    assert waived.status_code == 422
    assert "Overdue is not a status of completions" in waived.get_data(as_text=True)
    bad_day = _export(client, report="completions", date_from="31/02/2027")
    assert bad_day.status_code == 422 and "Enter a date" in bad_day.get_data(as_text=True)
    backwards = _export(client, report="completions", date_from="2027-02-01", date_to="2027-01-01")
    assert 'href="#date_to"' in backwards.get_data(as_text=True)
    # the HR page has no export form of its own: it links here with the report chosen
    hr_page = client.get("/hr").get_data(as_text=True)
    assert 'href="/exports?report=requirements"' in hr_page and 'action="/exports"' not in hr_page


def test_a_report_in_the_address_is_chosen_on_the_exports_page(app, org):
    client = _client(app, org["hr"])
    for report in ("completions", "requirements", "competence_profiles", "team_gap_summaries"):
        page = client.get("/exports", query_string={"report": report}).get_data(as_text=True)
        assert f'value="{report}" aria-describedby="report-{report}-hint" checked' in page
        assert page.count('hint" checked') == 1  # that report only
    unknown = client.get("/exports?report=payroll")
    assert unknown.status_code == 200  # ignored: the default report stays chosen
    assert 'value="completions" aria-describedby="report-completions-hint" checked' in (
        unknown.get_data(as_text=True)
    )


def test_only_hr_and_managers_reach_the_exports_page(app, org):
    assert _client(app, org["plain"]).get("/exports").status_code == 403
    assert app.test_client().get("/exports").status_code == 302


def _job_of(app) -> ExportJob:
    with app.app_context():
        job = db.session.scalar(select(ExportJob).order_by(ExportJob.id.desc()))
        db.session.expunge(job)
        return job


def test_over_the_threshold_an_export_job_writes_the_file(app, org, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 2)
    client = _client(app, org["hr"])
    response = _export(client, report="competence_profiles", format="csv", excel="y")
    assert response.status_code == 303
    job = _job_of(app)
    assert response.headers["Location"].endswith(f"/exports/jobs/{job.id}")
    # eager Celery ran it after the commit
    assert (job.status, job.rows_estimated, job.rows_done) == ("done", 7, 7)
    with app.app_context():
        path = export_dir() / job.file_name
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode()) and len(data) == job.size_bytes
    assert hashlib.sha256(data).hexdigest() == job.sha256
    page = client.get(f"/exports/jobs/{job.id}").get_data(as_text=True)
    assert job.sha256 in page and "Download the file" in page and 'role="status"' in page
    assert "/exports/competence_profiles/dictionary.csv" in page
    assert "Ready" in client.get("/exports").get_data(as_text=True)
    download = _get(client, f"/exports/jobs/{job.id}/download")
    assert download.status_code == 200 and download.data == data
    assert download.headers["X-Content-SHA256"] == job.sha256
    assert "attachment" in download.headers["Content-Disposition"]
    # running it again (a redelivered task) changes nothing
    with app.app_context():
        assert run_job(job.id) == "done"
        db.session.commit()
    assert _job_of(app).sha256 == job.sha256 and path.exists()
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target == f"export-job:{job.id}")
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["export_job_requested", "export_job_done", "export_job_download"]


def test_an_expired_job_file_is_deleted_and_its_download_is_gone(app, org, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)
    client = _client(app, org["hr"])
    _export(client, report="team_gap_summaries", format="xlsx")
    job = _job_of(app)
    with app.app_context():
        path = export_dir() / job.file_name
        assert path.exists()
        stored = db.session.get(ExportJob, job.id)
        stored.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    celery = app.extensions["celery"]
    celery.tasks["reports.delete_expired_exports"].delay()
    assert not path.exists()
    gone = client.get(f"/exports/jobs/{job.id}/download")
    assert gone.status_code == 410 and "This export has expired" in gone.get_data(as_text=True)
    api = client.get(f"/api/v1/exports/jobs/{job.id}/file")
    assert api.status_code == 410 and api.get_json()["code"] == 410
    assert "Expired" in client.get(f"/exports/jobs/{job.id}").get_data(as_text=True)


def test_an_expired_file_is_deleted_on_the_download_attempt_too(app, org, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)
    client = _client(app, org["hr"])
    _export(client, report="completions")
    job = _job_of(app)
    with app.app_context():
        path = export_dir() / job.file_name
        db.session.get(ExportJob, job.id).expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert client.get(f"/exports/jobs/{job.id}/download").status_code == 410
    assert not path.exists()
    assert _job_of(app).file_deleted_at is not None


def test_a_manager_can_not_see_nor_download_hrs_job(app, org, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)
    _export(_client(app, org["hr"]), report="completions")
    job = _job_of(app)
    boss = _client(app, org["boss"])
    for url in (
        f"/exports/jobs/{job.id}",
        f"/exports/jobs/{job.id}/download",
        f"/api/v1/exports/jobs/{job.id}",
        f"/api/v1/exports/jobs/{job.id}/file",
    ):
        assert _get(boss, url).status_code == 404, url
    assert f"/exports/jobs/{job.id}" not in boss.get("/exports").get_data(as_text=True)
    # a manager's own job is theirs, limited to their subtree and without the quiz columns
    _export(boss, report="completions")
    mine = _job_of(app)
    assert mine.manager_scope_id is not None
    rows = _rows(_get(boss, f"/exports/jobs/{mine.id}/download"))
    assert "grade_percent" not in rows[0] and {r[0] for r in rows[1:]} == {"P1", "P2"}
    # HR may download it
    assert _get(_client(app, org["hr"]), f"/exports/jobs/{mine.id}/download").status_code == 200


def test_the_api_makes_follows_and_downloads_a_job(app, org):
    client = _client(app, org["hr"])
    token = csrf_from(client.get("/").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    body = {"report": "requirements", "format": "jsonl", "status": ["waived", "overdue"]}
    made = client.post("/api/v1/exports/jobs", json=body, headers=headers)
    assert made.status_code == 202, made.get_json()
    job = made.get_json()
    # answered before the commit that queues the worker; eager Celery has run it since
    assert job["status"] == "queued" and job["filters"]["status"] == ["waived", "overdue"]
    followed = client.get(f"/api/v1/exports/jobs/{job['id']}").get_json()
    assert followed["status"] == "done" and followed["rows_done"] == 0
    assert followed["file_url"] == f"/api/v1/exports/jobs/{job['id']}/file"
    file = _get(client, followed["file_url"])
    assert hashlib.sha256(file.data).hexdigest() == followed["sha256"]
    listed = client.get("/api/v1/exports/jobs").get_json()
    assert [j["id"] for j in listed] == [job["id"]]
    refused = client.post(
        "/api/v1/exports/jobs", json={"report": "team_gap_summaries", "course": "c1"},
        headers=headers,
    )  # fmt: skip
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["issues"][0]["where"] == "course"
    plain = _client(app, org["plain"])
    plain_token = csrf_from(plain.get("/").get_data(as_text=True))
    denied = plain.post("/api/v1/exports/jobs", json=body, headers={"X-CSRFToken": plain_token})
    assert denied.status_code == 403


def test_progress_is_stored_while_the_job_runs_and_others_see_it(app, org, monkeypatch):
    """Every TICK_ROWS rows the job's progress is written; on PostgreSQL it is committed at
    once (a connection of its own), so the page sees it while the export still runs; on SQLite
    (one writer at a time) progress jumps from 0 to done."""
    monkeypatch.setattr(writing, "TICK_ROWS", 2)
    monkeypatch.setitem(app.config, "LEARNHUB_EXPORT_JOB_THRESHOLD", 0)
    seen: list[tuple[int, int | None]] = []
    store = services._store_progress

    def spy(job_id: int, token: str, rows: int) -> None:
        store(job_id, token, rows)
        with db.engine.connect() as other:  # another session, as the page's request
            done = other.execute(
                select(ExportJob.rows_done).where(ExportJob.id == job_id)
            ).scalar_one()
        seen.append((rows, done))

    monkeypatch.setattr(services, "_store_progress", spy)
    _export(_client(app, org["hr"]), report="competence_profiles", format="jsonl")
    job = _job_of(app)
    assert job.status == "done" and job.rows_done == 7
    ticks = [rows for rows, _done in seen]
    assert ticks == [2, 4, 6]
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    assert [done for _rows, done in seen] == (ticks if postgres else [0, 0, 0])
