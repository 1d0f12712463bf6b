"""A double click on "Import" sends the confirmation twice at the same moment: the file is
applied once, on PostgreSQL (SQLite serialises writers, so it would prove nothing). Each
request in its own thread, session and transaction; both answer with the one applied run.
Fails in CI without PostgreSQL (LEARNHUB_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.import_runs import HRImportRun, RunStatus
from learnhub.org.models import Employee
from tests.conftest import require_service, sign_in
from tests.web.test_hr_import_pages import _changed_demo, _token, _upload


def test_two_simultaneous_confirmations_of_one_preview_apply_once(app, demo):
    with app.app_context():
        require_service("PostgreSQL", "LEARNHUB_TEST_DATABASE_URL")
        assert db.engine.dialect.name == "postgresql"
    clients, tokens = [], []
    for _ in range(2):
        client = app.test_client()
        tokens.append(sign_in(client, "hr@example.org"))
        clients.append(client)
    preview = _token(_upload(clients[0], tokens[0], _changed_demo()))
    barrier = threading.Barrier(2)
    answers: list[object] = [None, None]

    def send(index: int) -> None:
        barrier.wait(timeout=30)
        try:
            answers[index] = clients[index].post(
                f"/hr/imports/preview/{preview}", data={"csrf_token": tokens[index]}
            )
        except Exception as error:  # reported by the assertion below
            answers[index] = error

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(hasattr(a, "status_code") for a in answers), answers
    assert [a.status_code for a in answers] == [302, 302]  # type: ignore[union-attr]
    assert len({a.headers["Location"] for a in answers}) == 1  # type: ignore[union-attr]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "org_import")) == 1
        assert list(db.session.scalars(select(HRImportRun.status))) == [RunStatus.APPLIED]
        assert (
            db.session.scalar(select(func.count()).where(Employee.employee_number == "E1200")) == 1
        )
