"""The OpenAPI document is the contract: schemathesis generates requests from it for every
operation (valid ones, and ones that break the document) and checks every answer against it.

It fails on a 5xx, a status code the operation does not document, or a body, content type or
header that breaks the document. The caller is a manager who holds every role, signed in with
the session cookie and sending the CSRF header, so each operation's real answers are reached:
operations with path parameters run once with generated ids (mostly 404) and once with ids
that exist (a quiz, an attempt, a bank, a token, a person of the subtree).
``LEARNHUB_CONTRACT_EXAMPLES`` sets the examples per run (default 40); the runs are
derandomised, so CI fails the same way twice. ``LEARNHUB_CONTRACT_ONLY="GET /api/v1/courses"``
runs only the operations whose label contains it.
"""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi import checks
from sqlalchemy import func, select

from learnhub.assignments.models import Requirement
from learnhub.extensions import db
from learnhub.org.import_runs import HRImportRun
from learnhub.org.models import Employee
from tests.conftest import CONTENT_DIR, sign_in

DEMO_ORGANISATION = (CONTENT_DIR / "demo" / "organisation.csv").read_bytes()
EXAMPLES = int(os.environ.get("LEARNHUB_CONTRACT_EXAMPLES", "40"))
#: only the operations whose "METHOD /path" label contains this (to chase one failure)
ONLY = os.environ.get("LEARNHUB_CONTRACT_ONLY", "")
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
BANK_GIFT = b"::Two::What is 1 + 1? {=2 ~3 ~4}\n\n::Sky::The sky is blue. {T}\n"


@pytest.fixture
def signed_in(app: Flask, demo) -> dict[str, Any]:
    """``{"auth": {"headers", "cookies"}, "ids": {path parameter: a value that exists}}``."""
    runner = app.test_cli_runner()
    for role in ("hr", "content_admin", "platform_admin"):
        result = runner.invoke(args=["auth", "grant-role", "manager@example.org", role])
        assert result.exit_code == 0, result.output
    client = app.test_client()
    headers = {"X-CSRFToken": sign_in(client, "manager@example.org")}
    attempt = client.post("/api/v1/quizzes/1/attempts", headers=headers).get_json()
    imported = client.post(
        "/api/v1/question-banks/Contract/imports",
        data={"file": (io.BytesIO(BANK_GIFT), "contract.gift")},
        headers=headers,
    )
    assert imported.status_code == 200, imported.get_json()
    token = client.post(
        "/api/v1/api-tokens", json={"name": "contract", "scopes": ["audit:read"]}, headers=headers
    ).get_json()
    assignment = client.post(
        "/api/v1/assignments",
        json={
            "course_id": 1,
            "audience": "everyone",
            "due_kind": "after_assignment",
            "due_days": 30,
        },
        headers=headers,
    ).get_json()
    export_job = client.post(
        "/api/v1/exports/jobs", json={"report": "team_gap_summaries"}, headers=headers
    ).get_json()
    dry_run = client.post(  # an import run to poll (GET /org/imports/runs/<id>)
        "/api/v1/org/imports?dry_run=true&source=demo",
        data={"file": (io.BytesIO(DEMO_ORGANISATION), "people.csv")},
        headers=headers,
    )
    assert dry_run.status_code == 200, dry_run.get_json()
    with app.app_context():
        run_id = db.session.scalar(select(func.max(HRImportRun.id)))
        manager = db.session.scalar(select(Employee).where(Employee.email == "manager@example.org"))
        report = db.session.scalars(
            select(Employee).where(Employee.manager_id == manager.id).order_by(Employee.id)
        ).first()
        person = {
            "employee_number": report.employee_number,
            "employee_id": report.id,
            "requirement_id": db.session.scalar(
                select(Requirement.id).where(Requirement.employee_id == report.id)
            ),
        }
    evidence = client.post(
        f"/api/v1/employees/{report.employee_number}/validations",
        json={"framework": "digcomp-3.0", "competence": "4.1", "level": 2},
        headers=headers,
    ).get_json()
    subject_access = client.post(
        "/api/v1/privacy/subject-access",
        json={"employee_number": report.employee_number, "reason": "contract"},
        headers=headers,
    ).get_json()
    return {
        "auth": {"headers": headers, "cookies": {"session": client.get_cookie("session").value}},
        "ids": {
            "module_id": 1,
            "quiz_id": 1,
            "question_id": 1,
            "attempt_id": attempt["id"],
            "name": "Contract",
            "token_id": token["id"],
            "assignment_id": assignment["id"],
            "evidence_id": evidence["id"],
            "request_id": subject_access["id"],
            "code": "4.2",
            "job_id": export_job["id"],
            "report": "competence_profiles",
            "run_id": run_id,
            **person,
        },
    }


def contract_failures(app: Flask, signed_in: dict[str, Any], examples: int) -> dict[str, list]:
    """Run every operation in both generation modes (and with existing ids where it has path
    parameters); the distinct failures by ``"<METHOD> <path> (<mode>[, existing ids])"``."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found: dict[str, list[str]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if ONLY not in operation.label:
            continue
        names = [p.name for p in operation.path_parameters]
        runs = [(mode, None) for mode in GenerationMode]
        if names:
            existing = {name: signed_in["ids"][name] for name in names}
            runs += [(mode, existing) for mode in GenerationMode]
        for mode, path_parameters in runs:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @given(case=strategy)
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:
                try:
                    case.call_and_validate(checks=CHECKS, **signed_in["auth"])
                except Exception as error:
                    error.add_note(f"request: {case.method} {case.formatted_path} {case.query=}")
                    error.add_note(f"body: {case.body!r}"[:500])
                    raise

            label = f"{operation.label} ({mode.value}{', existing ids' if path_parameters else ''})"
            try:
                run()
            except Unsatisfiable:  # nothing in this request can break the document
                continue
            except (Failure, FailureGroup) as error:
                failures = error.exceptions if isinstance(error, FailureGroup) else [error]
                found[label] = [str(failure) for failure in failures]
                found[label] += getattr(error, "__notes__", [])
            except Exception as error:  # the app raised (TESTING propagates it): a 500
                found[label] = [f"{type(error).__name__}: {error}"]
                found[label] += getattr(error, "__notes__", [])
    return found


def test_the_api_keeps_its_openapi_document(app, signed_in):
    found = contract_failures(app, signed_in, EXAMPLES)
    report = "\n\n".join(
        f"== {label}\n" + "\n".join(failures) for label, failures in sorted(found.items())
    )
    assert not found, report
