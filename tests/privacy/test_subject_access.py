"""Subject access export (issue 15; GDPR articles 15 and 20): complete (a row in every table
that references a person is exported, and a new table with a foreign key to employees fails
here until the export covers it), nothing about anyone else (their names, emails, answers),
a safe ZIP (fixed names, neutralised CSV cells, a README), made by a job idempotent by request
id, downloadable until it expires, every step audited."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learnhub.assignments.models import Requirement
from learnhub.assignments.reminder_models import SentDigest, SentReminder
from learnhub.auth.models import ApiToken
from learnhub.core.audit import AuditEvent, audit
from learnhub.core.mail import queue_email
from learnhub.core.models import utcnow
from learnhub.credentials import services as credentials
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.privacy import subject_access
from learnhub.privacy.models import RequestStatus, SubjectAccessRequest
from learnhub.privacy.sar_contents import REFERENCES, SECTIONS
from learnhub.progress.models import Enrolment, ModuleProgress, XapiStatement
from learnhub.questionbank.models import Question
from learnhub.quizzes.models import QuizTimeAdjustment, Response
from learnhub.reports.jobs.models import ExportJob
from learnhub.skills.models import Framework, TeamSummary, TeamSummarySnapshot
from tests.assignments.helpers import assign, course_with_modules, passed_attempt
from tests.conftest import sign_in
from tests.factories import EmployeeFactory, EvidenceFactory

OTHER_SECRET = "otto-private-answer-about-his-password-manager"


def _fks_to_employees() -> set[tuple[str, str]]:
    return {
        (table.name, fk.parent.name)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "employees"
    }


def _any_question() -> int:
    return db.session.scalar(select(Question.id).order_by(Question.id))


@pytest.fixture
def seeded(app_ctx):
    """:func:`_seed` in the test's app context."""
    return _seed()


def _seed():
    """Ada (the subject) with a row in every table that references a person; Otto, her
    report, whose answer she reviewed and whose evidence she recorded and withdrew."""
    hr = EmployeeFactory(
        first_name="Hedda", last_name="Resource", password="learnhub-demo", roles=["hr"]
    )
    ada = EmployeeFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada.lovelace@example.org",
        employee_number="E7001",
        job_title='=HYPERLINK("http://evil.example")',
        password="learnhub-demo",
    )
    otto = EmployeeFactory(
        first_name="Otto",
        last_name="Zweig",
        email="otto.zweig@example.org",
        employee_number="E7002",
        manager=ada,
    )
    course, [module], [quiz] = course_with_modules()
    # requirements, targets, people named, enrolments; Ada made it (she manages Otto)
    assign(course, [ada, otto], date(2030, 1, 31)).created_by_id = ada.id
    attempt = passed_attempt(ada, quiz, utcnow())
    response = Response(attempt_id=attempt.id, question_id=_any_question())
    response.answer, response.points = {"text": "ada's own words"}, Decimal(1)
    db.session.add(response)
    other = passed_attempt(otto, quiz, utcnow())
    db.session.add(
        Response(
            attempt_id=other.id,
            question_id=_any_question(),
            answer={"text": OTHER_SECRET},
            reviewed_by_id=ada.id,
            reviewed_at=utcnow(),
            comment="Otto: see me",
        )
    )
    progress = db.session.scalar(
        select(ModuleProgress).where(ModuleProgress.employee_id == ada.id)
    ) or ModuleProgress(employee_id=ada.id, module_id=module.id)
    progress.status, progress.completed_at = "completed", utcnow()
    db.session.add(progress)
    EvidenceFactory(employee=ada, recorded_by_id=hr.id, note="validated at her desk")
    EvidenceFactory(employee=ada, revoked_at=utcnow(), revoked_reason="entered twice")
    EvidenceFactory(
        employee=otto,
        recorded_by_id=ada.id,
        revoked_by_id=ada.id,
        revoked_at=utcnow(),
        note="Otto Zweig did well",
    )
    db.session.add_all(
        [
            QuizTimeAdjustment(
                employee_id=ada.id, extra_percent=25, set_by_id=hr.id, reason="dyslexia (ticket 77)"
            ),
            QuizTimeAdjustment(employee_id=otto.id, extra_percent=50, set_by_id=ada.id),
            XapiStatement(
                id="00000000-0000-4000-8000-00000000a001",
                employee_id=ada.id,
                verb="http://adlnet.gov/expapi/verbs/passed",
                object_id="https://learnhub.example/x",
                timestamp=utcnow(),
                statement={"actor": {"mbox": "mailto:ada.lovelace@example.org"}},
            ),
            ApiToken(
                name="Ada's BI feed",
                prefix="lh_abcd",
                token_hash="f" * 64,
                scopes=["exports:read"],
                owner_id=ada.id,
                expires_at=utcnow() + timedelta(days=30),
            ),
            SentDigest(
                manager_id=ada.id, week_of=date(2026, 11, 30), people=1, items=1, run_id="r"
            ),
        ]
    )
    framework = db.session.scalar(select(Framework).order_by(Framework.id))
    db.session.add_all(
        [
            TeamSummary(manager_id=ada.id, framework_id=framework.id, headcount=1),
            TeamSummarySnapshot(
                manager_id=ada.id, framework_id=framework.id, day=date(2026, 12, 1), headcount=1
            ),
        ]
    )
    db.session.flush()
    ada_requirement = db.session.scalar(
        select(Requirement.id).where(Requirement.employee_id == ada.id)
    )
    db.session.add(
        SentReminder(
            requirement_id=ada_requirement,
            kind="before",
            days=7,
            due_at=utcnow(),
            recipient_id=ada.id,
            run_id="r",
        )
    )
    # Ada as HR or a manager: she exempted Otto from his requirement, and asked for her
    # team's export (issue 13's export jobs, learnhub.assignments.exemptions)
    otto_requirement = db.session.scalar(
        select(Requirement).where(Requirement.employee_id == otto.id)
    )
    otto_requirement.waived_at, otto_requirement.waived_by_id = utcnow(), ada.id
    otto_requirement.waiver_reason = "Otto Zweig is on leave"
    db.session.add(
        ExportJob(
            requested_by_id=ada.id,
            report="completions",
            format="csv",
            manager_scope_id=ada.id,
        )
    )
    db.session.flush()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.employee_id == ada.id))
    enrolment.completed_at = utcnow()
    db.session.flush()
    credentials.issue_credential(ada.id, course.id)
    queue_email("Ada.Lovelace@example.org", "Your training is due", "Dear Ada, +1 reminder")
    queue_email("otto.zweig@example.org", "Otto's reminder", "Dear Otto")
    audit("sign_in", target=f"employee:{ada.id}", method="password")
    audit("sign_in_failed", target="ada.lovelace@example.org")
    audit("role_granted", target=f"employee:{otto.id}", role="hr")  # about Otto only
    db.session.flush()
    return hr, ada, otto


def _produce(ada: Employee, hr: Employee) -> SubjectAccessRequest:
    row = subject_access.request_export(ada, "ticket 1234", actor_id=hr.id)
    return subject_access.produce(row.id)


def _zip(row: SubjectAccessRequest) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(subject_access.file_path(row).read_bytes()))


def test_every_foreign_key_to_employees_is_exported(app_ctx):
    """A new table referencing a person fails here until sar_contents.REFERENCES names the
    section that exports it (and that section exists)."""
    assert sorted(_fks_to_employees() - set(REFERENCES)) == [], (
        "add these to learnhub.privacy.sar_contents.REFERENCES and export them"
    )
    assert sorted(set(REFERENCES) - _fks_to_employees()) == []
    assert set(REFERENCES.values()) <= {s.name for s in SECTIONS}


def test_the_export_holds_a_row_of_every_table_about_the_person(seeded):
    hr, ada, otto = seeded
    for table, column in sorted(_fks_to_employees()):
        if (table, column) == ("subject_access_requests", "employee_id"):
            continue  # made by the export itself
        where = db.metadata.tables[table].c[column] == ada.id
        count = db.session.scalar(
            select(func.count()).select_from(db.metadata.tables[table]).where(where)
        )
        assert count, f"the seed has no {table}.{column} row for the subject: add one"
    row = _produce(ada, hr)
    assert row.status == RequestStatus.READY
    archive = _zip(row)
    names = archive.namelist()
    expected = {f"{s.name}.json" for s in SECTIONS} | {f"{s.name}.csv" for s in SECTIONS if s.csv}
    assert set(names) == expected | {"README.txt"}
    assert len(names) == len(set(names))
    data = {n: json.loads(archive.read(n)) for n in names if n.endswith(".json")}
    assert data["profile.json"]["email"] == "ada.lovelace@example.org"
    assert data["profile.json"]["account"]["password_set"] is True
    assert data["profile.json"]["quiz_time_adjustment"]["extra_percent"] == 25
    assert data["profile.json"]["quiz_time_adjustment"]["reason"] == "dyslexia (ticket 77)"
    assert data["org_history.json"]["people_below_by_depth"] == [{"depth": 1, "people": 1}]
    assert data["enrolments.json"] and data["module_progress.json"]
    assert data["attempts.json"][0]["passed"] is True
    assert data["responses.json"][0]["answer"] == {"text": "ada's own words"}
    evidence = data["evidence.json"]
    assert {e["revoked_reason"] for e in evidence} == {None, "entered twice"}
    assert any(e["recorded_by_employee_number"] == hr.employee_number for e in evidence)
    assert data["requirements.json"]["requirements"]
    assert data["requirements.json"]["assignments_naming_them"]
    assert data["requirements.json"]["reminders_sent_to_them"][0]["days"] == 7
    statements = {s["id"]: s for s in data["xapi_statements.json"]}
    assert "00000000-0000-4000-8000-00000000a001" in statements
    assert any(s["verb"].endswith("was-assigned") for s in statements.values())
    assert data["credentials.json"][0]["revoked_at"] is None
    assert data["emails.json"][0]["subject"] == "Your training is due"
    assert data["api_tokens.json"] == [
        {
            "name": "Ada's BI feed",
            "prefix": "lh_abcd",
            "scopes": "exports:read",
            "created_at": data["api_tokens.json"][0]["created_at"],
            "expires_at": data["api_tokens.json"][0]["expires_at"],
            "revoked_at": None,
            "last_used_at": None,
        }
    ]
    sign_ins = data["sign_ins.json"]["sign_in_events"]
    assert [e["action"] for e in sign_ins] == ["sign_in", "sign_in_failed"]
    by_them = data["actions_by_them.json"]
    assert len(by_them["evidence_recorded_or_withdrawn_about_others"]) == 1
    assert len(by_them["essay_responses_reviewed"]) == 1
    assert by_them["quiz_time_adjustments_set_for_others"][0]["about_employee_id"] == otto.id
    assert by_them["manager_digests_received"] and by_them["team_summaries_as_manager"]
    assert by_them["team_summary_snapshots_as_manager"][0]["days"] == 1
    assert data["subject_access_requests.json"][0]["reason"] == "ticket 1234"
    actions = {e["action"] for e in data["audit_events.json"]}
    assert {"sign_in", "sign_in_failed", "subject_access.requested"} <= actions
    assert "role_granted" not in actions  # about Otto
    readme = archive.read("README.txt").decode()
    assert "6 years after they leave" in readme and "emails.json" in readme
    assert "sha" not in "".join(names)


def test_nothing_about_anyone_else_and_no_secret_leaks(seeded):
    hr, ada, _otto = seeded
    row = _produce(ada, hr)
    archive = _zip(row)
    everything = "\n".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    for leak in (OTHER_SECRET, "Otto", "Zweig", "otto.zweig@example.org", "Hedda", "f" * 64):
        assert leak not in everything, leak
    assert "ada's own words" in everything and "Lovelace" in everything


def test_csv_cells_are_neutralised_and_quoted(seeded):
    hr, ada, _otto = seeded
    ada.last_name = "=1+2"
    db.session.flush()
    archive = _zip(_produce(ada, hr))
    text = archive.read("emails.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["created_at", "sent_at", "to_address"]
    assert rows[1][4] == "Dear Ada, +1 reminder"  # only a cell's start can be a formula
    evidence = list(csv.DictReader(io.StringIO(archive.read("evidence.csv").decode("utf-8-sig"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in evidence for cell in r.values())
    assert text.startswith('"created_at"') and "\r\n" in text


def test_the_job_is_idempotent_and_every_step_is_audited(seeded, app_ctx):
    hr, ada, _otto = seeded
    row = _produce(ada, hr)
    path = subject_access.file_path(row)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert row.sha256 == digest and row.size_bytes == path.stat().st_size
    assert row.expires_at - row.produced_at == timedelta(days=7)
    mtime = path.stat().st_mtime_ns
    again = subject_access.produce(row.id)  # a redelivered job
    assert again.sha256 == digest and path.stat().st_mtime_ns == mtime
    subject_access.record_download(row)
    assert row.downloads == 1
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.startswith("subject_access."))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "subject_access.requested",
        "subject_access.produced",
        "subject_access.downloaded",
    ]


def test_expired_exports_are_deleted_by_the_purge(seeded):
    hr, ada, _otto = seeded
    row = _produce(ada, hr)
    path = subject_access.file_path(row)
    assert subject_access.purge_expired(row.expires_at - timedelta(seconds=1)) == 0
    assert subject_access.purge_expired(row.expires_at) == 1
    assert not path.exists() and row.status == RequestStatus.EXPIRED and row.file_name is None
    from learnhub.core.errors import Conflict

    with pytest.raises(Conflict, match="expired"):
        subject_access.record_download(row)
    assert subject_access.purge_expired(row.expires_at + timedelta(days=1)) == 0


def test_api_asks_polls_and_downloads_as_hr_only(app):
    with app.app_context():
        hr_email = _seed()[0].email
        db.session.commit()
    client = app.test_client()
    token = sign_in(client, hr_email)
    response = client.post(
        "/api/v1/privacy/subject-access",
        json={"employee_number": "E7001", "reason": "ticket 99"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 202, response.get_json()
    request_id = response.get_json()["id"]
    state = client.get(f"/api/v1/privacy/subject-access/{request_id}").get_json()
    assert state["status"] == "ready" and len(state["sha256"]) == 64  # eager without a broker
    file = client.get(f"/api/v1/privacy/subject-access/{request_id}/file")
    assert file.status_code == 200 and file.mimetype == "application/zip"
    assert hashlib.sha256(file.data).hexdigest() == state["sha256"]
    assert "learnhub-subject-access-" in file.headers["Content-Disposition"]
    sha = base64.b64encode(hashlib.sha256(file.data).digest()).decode()
    assert file.headers["Repr-Digest"] == f"sha-256=:{sha}:"
    assert file.headers["Cache-Control"] == "no-store"
    file.close()
    missing = client.post(
        "/api/v1/privacy/subject-access",
        json={"employee_number": "E7001"},
        headers={"X-CSRFToken": token},
    )
    assert missing.status_code == 422
    learner = app.test_client()
    learner_token = sign_in(learner, "ada.lovelace@example.org")
    refused = learner.post(
        "/api/v1/privacy/subject-access",
        json={"employee_number": "E7001", "reason": "me"},
        headers={"X-CSRFToken": learner_token},
    )
    assert refused.status_code == 403
    assert learner.get(f"/api/v1/privacy/subject-access/{request_id}/file").status_code == 403


def test_cli_export(app):
    with app.app_context():
        _seed()
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "export", "E7001", "--reason", "letter"])
    assert result.exit_code == 0, result.output
    assert "sha256" in result.output
    missing = app.test_cli_runner().invoke(args=["privacy", "export", "NOPE", "--reason", "x"])
    assert missing.exit_code != 0 and "No person" in missing.output


def test_an_erasure_deletes_the_copies_of_the_persons_data(seeded):
    from learnhub.privacy import erasure

    hr, ada, _otto = seeded
    row = _produce(ada, hr)
    path = subject_access.file_path(row)
    ada.active, ada.left_at = False, utcnow()
    erasure.erase_person(ada, "asked", actor_id=hr.id)
    assert not path.exists() and row.status == RequestStatus.EXPIRED
