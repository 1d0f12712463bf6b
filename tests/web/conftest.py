"""Fixtures of the web tests: ``people``, a small organisation for the People directory."""

from datetime import timedelta

import pytest

from learnhub.core.models import utcnow
from learnhub.extensions import db
from tests.factories import EmployeeFactory, JobRoleFactory, OrgUnitFactory
from tests.web.people_shared import make_hr


@pytest.fixture
def people(app) -> dict[str, int]:
    """A small organisation: units Directorate > Casework > Appeals and a separate Finance;
    people with accents, a leaver, two job roles; HR (H0001) in Finance."""
    with app.app_context():
        top = OrgUnitFactory(code="DIR", name="Directorate")
        casework = OrgUnitFactory(code="CASE", name="Casework", parent_id=top.id)
        appeals = OrgUnitFactory(code="APP", name="Appeals", parent_id=casework.id)
        finance = OrgUnitFactory(code="FIN", name="Finance")
        officer = JobRoleFactory(code="CASE_OFF", title="Case officer")
        analyst = JobRoleFactory(code="DATA_AN", title="Data analyst")
        boss = EmployeeFactory(
            employee_number="P0001",
            first_name="Grace",
            last_name="Adeyemi",
            email="grace.adeyemi@example.test",
            org_unit=top,
        )
        made = {
            "P0001": boss,
            "P0002": EmployeeFactory(
                employee_number="P0002",
                first_name="Łukasz",
                last_name="Żółkiewski",
                email="lukasz.z@example.test",
                org_unit=casework,
                job_role=officer,
                manager=boss,
            ),
            "P0003": EmployeeFactory(
                employee_number="P0003",
                first_name="Émile",
                last_name="de Vries",
                email="emile.devries@example.test",
                org_unit=appeals,
                job_role=officer,
                manager=boss,
            ),
            "P0004": EmployeeFactory(
                employee_number="P0004",
                first_name="Priya",
                last_name="Nair",
                email="priya.nair@example.test",
                org_unit=finance,
                job_role=analyst,
            ),
            "P0005": EmployeeFactory(
                employee_number="P0005",
                first_name="Lea",
                last_name="Vermeulen",
                email="lea.vermeulen@example.test",
                org_unit=casework,
                job_role=officer,
                active=False,
                left_at=utcnow() - timedelta(days=3),
            ),
        }
        db.session.commit()
        ids = {number: e.id for number, e in made.items()}
    make_hr(app)
    return ids
