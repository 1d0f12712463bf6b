"""The xAPI statement export (JSON Lines): HR only (a session with the HR role, or a token with
``xapi:read``), filtered by time and person, audited; bad filters refused naming the field.
The same through ``flask xapi export``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from learnhub.auth import tokens
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.progress.models import XapiStatement
from learnhub.progress.xapi.store import store
from tests.conftest import sign_in

URL = "/api/v1/xapi/statements.jsonl"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _statement(email: str, at: datetime, n: int) -> str:
    person = get_by_email(email)
    statement_id = f"00000000-0000-4000-8000-{n:012d}"
    store(
        person.id,
        {
            "id": statement_id,
            "actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"objectType": "Activity", "id": f"http://lh.example/xapi/m{n}"},
            "timestamp": at.isoformat().replace("+00:00", "Z"),
        },
        f"test:{n}",
    )
    return statement_id


@pytest.fixture
def statements(app, demo) -> dict[str, str]:
    with app.app_context():
        db.session.execute(XapiStatement.__table__.delete())  # the demo's own
        made = {
            "early": _statement("employee@example.org", T0, 1),
            "mine": _statement("employee@example.org", T0 + timedelta(days=2), 2),
            "other": _statement("manager@example.org", T0 + timedelta(days=2), 3),
            "late": _statement("employee@example.org", T0 + timedelta(days=9), 4),
        }
        db.session.commit()
        return made


def _ids(body: str) -> list[str]:
    return [json.loads(line)["id"] for line in body.splitlines()]


def test_hr_exports_statements_by_time_and_person_and_it_is_audited(app, statements):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    everything = client.get(URL)
    assert everything.status_code == 200
    assert everything.mimetype == "application/x-ndjson"
    assert _ids(everything.get_data(as_text=True)) == [
        statements["early"],
        statements["mine"],
        statements["other"],
        statements["late"],
    ]
    with app.app_context():
        number = get_by_email("employee@example.org").employee_number
    window = client.get(
        URL,
        query_string={
            "since": (T0 + timedelta(days=1)).isoformat(),
            "until": (T0 + timedelta(days=5)).isoformat(),
            "employee": number,
        },
    )
    assert _ids(window.get_data(as_text=True)) == [statements["mine"]]
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "export_xapi_statements")
            .order_by(AuditEvent.id)
        ).all()
        assert len(events) == 2 and events[1].details["employee_id"] is not None


def test_only_hr_or_a_token_with_the_scope_may_export(app, statements):
    learner = app.test_client()
    sign_in(learner, "employee@example.org")
    assert learner.get(URL).status_code == 403
    manager = app.test_client()
    sign_in(manager, "manager@example.org")
    assert manager.get(URL).status_code == 403
    assert app.test_client().get(URL).status_code == 401
    with app.app_context():
        _, scoped = tokens.create_token("LRS sync", ["xapi:read"], 5)
        _, other = tokens.create_token("BI", ["exports:read"], 5)
        db.session.commit()
    bearer = app.test_client()
    answer = bearer.get(URL, headers={"Authorization": f"Bearer {scoped}"})
    assert answer.status_code == 200 and len(_ids(answer.get_data(as_text=True))) == 4
    assert bearer.get(URL, headers={"Authorization": f"Bearer {other}"}).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"employee": "nobody-0000"}, "employee"),
        ({"since": "2026-03-05T00:00:00Z", "until": "2026-03-01T00:00:00Z"}, "until"),
        ({"since": "2026-03-05T00:00:00"}, "since"),  # no offset
    ],
)
def test_bad_filters_are_refused_naming_the_field(app, statements, query, field):
    client = app.test_client()
    sign_in(client, "hr@example.org")
    answer = client.get(URL, query_string=query)
    assert answer.status_code == 422
    assert field in json.dumps(answer.get_json())


def test_the_cli_exports_the_same_lines(app, statements, tmp_path):
    out = tmp_path / "statements.jsonl"
    with app.app_context():
        number = get_by_email("manager@example.org").employee_number
    result = app.test_cli_runner().invoke(
        args=["xapi", "export", "--employee", number, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert _ids(out.read_text()) == [statements["other"]]
    refused = app.test_cli_runner().invoke(args=["xapi", "export", "--since", "2026-01-01"])
    assert refused.exit_code != 0 and "offset" in refused.output
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "export_xapi_statements")
        )
