"""The upload form's Source with several sources (a fresh tester's finding: it offered "hr"
once demo and payroll existed, and an unchanged file then "moved" 120 people): the source of
the person's latest applied import, else the one most people come from."""

from __future__ import annotations

import io
import re

from sqlalchemy import update

from learnhub.extensions import db
from learnhub.org.models import Employee
from tests.web.test_hr_import_pages import DEMO, NEW_PERSON, _hr

HEADER_LINE = DEMO.split(b"\n")[0].rstrip(b"\r") + b"\n"


def _offered(client) -> str:
    page = client.get("/hr/imports").get_data(as_text=True)
    match = re.search(r'<input[^>]*name="source"[^>]*>', page)
    assert match, page[:500]
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_the_source_offered_is_the_latest_import_s_else_most_people_s(app, demo):
    with app.app_context():
        db.session.execute(
            update(Employee)
            .where(Employee.employee_number.in_(["E1024", "E1025", "E1026"]))
            .values(source="payroll")
        )
        db.session.commit()
    client, csrf = _hr(app)
    assert _offered(client) == "demo"  # 23 of the 26 people
    api = client.post(
        "/api/v1/org/imports?source=payroll&mode=delta",
        data={"file": (io.BytesIO(HEADER_LINE + NEW_PERSON), "payroll.csv")},
        headers={"X-CSRFToken": csrf},
    )
    assert api.status_code == 200, api.get_json()
    assert _offered(client) == "payroll"  # what this person imported last
