"""An old preview cannot undo a newer change (a fresh tester's finding): the preview's
fingerprint covers, field by field, what LearnHub holds for each person the import changes, so
a person changed since the preview (here Zara's manager) makes the confirmation show a new
preview instead of applying. Runs the row path on SQLite and the staged SQL path on
PostgreSQL."""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import aliased

from learnhub.extensions import db
from learnhub.org.import_runs import RunStatus
from learnhub.org.models import Employee
from tests.web.test_hr_import_pages import _confirm, _hr, _runs, _token, _upload

HEADER = b"Employee ID,First Name,Last Name,Work Email,Job Code,Job Title,Department,Manager ID,"
HEADER += b"Hire Date\n"


def _zara(title: bytes, manager: bytes) -> bytes:
    return HEADER + (
        b"E1026,Zara,Ahmed,zara.ahmed@example.org,DIGITAL,"
        + title
        + b",Digital Services,"
        + manager
        + b",2022-07-18\n"
    )


def _zara_now(app) -> tuple[str, str]:
    with app.app_context():
        manager = aliased(Employee)
        return tuple(
            db.session.execute(
                select(Employee.job_title, manager.employee_number)
                .join(manager, Employee.manager_id == manager.id)
                .where(Employee.employee_number == "E1026")
            ).one()
        )


def test_an_old_preview_does_not_undo_a_newer_change_to_the_same_person(app, demo):
    client, csrf = _hr(app)
    title_c = _zara(b"Title C", b"E1024")
    token = _token(_upload(client, csrf, title_c, mode="delta"))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "Job title: Web Developer → Title C" in page and "Manager:" not in page
    # meanwhile another import moves Zara to a new manager (same people, other values)
    api = client.post(
        "/api/v1/org/imports?source=demo&mode=delta",
        data={"file": (io.BytesIO(_zara(b"Web Developer", b"E1025")), "zara.csv")},
        headers={"X-CSRFToken": csrf},
    )
    assert api.status_code == 200, api.get_json()
    assert _zara_now(app) == ("Web Developer", "E1025")
    changed = _confirm(client, csrf, token)
    newer = _token(changed)  # a new preview, nothing applied
    assert newer != token
    assert _zara_now(app) == ("Web Developer", "E1025")
    page = client.get(f"/hr/imports/preview/{newer}").get_data(as_text=True)
    assert "The organisation changed since the preview" in page
    assert "Manager: E1025 → E1024" in page
    statuses = {r.preview_token: r.status for r in _runs(app) if r.preview_token}
    assert statuses[token] == RunStatus.SUPERSEDED
    # the new preview, confirmed with nothing changed since, applies what it showed
    done = _confirm(client, csrf, newer)
    assert done.status_code == 302 and "/runs/" in done.headers["Location"]
    assert _zara_now(app) == ("Title C", "E1024")


def test_an_unchanged_organisation_confirms_at_once(app, demo):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, _zara(b"Title C", b"E1025"), mode="delta"))
    done = _confirm(client, csrf, token)
    assert done.status_code == 302 and "/runs/" in done.headers["Location"]
    assert _zara_now(app) == ("Title C", "E1025")
