"""A full sync may not lock HR out (a fresh tester's finding): one that would make the person
importing a leaver, or every HR account, is refused with a clear error and nothing changes; an
HR colleague leaving while another HR person stays is an ordinary leaver."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.auth import services as auth
from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.org.import_runs import RunChannel, RunStatus
from learnhub.org.import_service import Actor, ImportRequest, plan_request
from learnhub.org.models import Employee
from tests.conftest import sign_in
from tests.web.test_hr_import_pages import DEMO, _hr, _runs, _token, _upload


def _without(*numbers: str) -> bytes:
    lines = DEMO.replace(b"\r\n", b"\n").split(b"\n")
    return b"\n".join(x for x in lines if not x.startswith(tuple(n.encode() for n in numbers)))


def _active(app, number: str) -> bool:
    with app.app_context():
        return db.session.scalar(select(Employee.active).where(Employee.employee_number == number))


def test_a_full_sync_making_the_importer_a_leaver_is_refused(app, demo):
    client, csrf = _hr(app)  # Hana Rossi, E1020, the only HR person
    token = _token(_upload(client, csrf, _without("E1020"), mode="full", max_leavers="100"))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "The file has errors" in page and "Import people.csv" not in page
    assert "would lock HR out of LearnHub" in page
    assert "you (E1020) are importing this file and would become a leaver" in page
    assert "every HR account would become a leaver (E1020)" in page
    assert [r.status for r in _runs(app)] == [RunStatus.INVALID]
    assert _active(app, "E1020")


def test_another_hr_person_may_leave_but_not_every_hr_account(app, demo):
    with app.app_context():
        oliver = db.session.scalar(select(Employee).where(Employee.employee_number == "E1002"))
        auth.grant_role(auth.account_for(oliver), "hr")
        db.session.commit()
    client = app.test_client()
    csrf = sign_in(client, "oliver.bennett@example.org")
    token = _token(_upload(client, csrf, _without("E1020"), mode="full", max_leavers="100"))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "Import people.csv" in page and "lock HR out" not in page
    assert "E1020" in page  # listed as a leaver
    # from the command line (nobody signed in) a file without either HR person is refused
    request = ImportRequest(
        data=_without("E1020", "E1002"),
        file_name="p.csv",
        source="demo",
        mode="full",
        max_leavers=100,
    )
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        plan_request(request, actor=Actor(RunChannel.CLI))
    assert "every HR account would become a leaver (E1002, E1020)" in str(refused.value)
    assert "you (" not in str(refused.value)
