"""The People directory and HR's view of a person (issue 13) in Chromium: axe-core finds no
WCAG 2.2 A/AA violation at 1280 and 320 px, the page never scrolls sideways (only the
directory's table scrolls, inside its own box), and the search form works as a user uses it."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import _violations, axe_installed  # noqa: F401
from tests.browser.test_timed_quiz import sign_in

#: the pages HR reads: the directory (everyone, a search, a filtered page, nothing found, a
#: filter naming nothing), a person's page with the record, a leaver's
PAGES = [
    "/hr/people",
    "/hr/people?q=evan",
    "/hr/people?org_unit=&job_role=CASE_OFF&status=all",
    "/hr/people?q=nobody-by-this-name",
    "/hr/people?org_unit=GONE",
    "/people/E1007",
]


def _sideways(page) -> list:
    """[page scroll width, viewport width, tables wider than the viewport outside a scroll
    box]."""
    return page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth,"
        " [...document.querySelectorAll('table')].filter(t => !t.closest('.table-wrap'))"
        ".filter(t => t.getBoundingClientRect().right > window.innerWidth).length]"
    )


@pytest.mark.usefixtures("axe_installed")
@pytest.mark.parametrize("width", [1280, 320])
def test_people_pages_pass_axe_and_never_scroll_sideways(app, demo, chromium, live_server, width):
    context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, "hr@example.org")
    found: list[str] = []
    wide: list = []
    for path in PAGES:
        page.goto(path)
        found.extend(_violations(page, f"hr {path}"))
        scroll_width, viewport, loose_tables = _sideways(page)
        if scroll_width > viewport or loose_tables:
            wide.append((path, scroll_width, viewport, loose_tables))
    context.close()
    assert found == []
    assert wide == []


def test_hr_searches_from_the_navigation_and_opens_a_person(app, demo, page):
    sign_in(page, "hr@example.org")
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.wait_for_url("**/hr/people")
    assert "26 people" in page.locator("#results").inner_text()
    page.get_by_label("Search by name, employee number or email").fill("OKAFOR")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/hr/people?q=OKAFOR*")
    assert page.locator("#results").inner_text() == "1 person"
    page.get_by_role("link", name="Maria Okafor").click()
    page.wait_for_url("**/people/E1003")
    record = page.locator("dl.record").inner_text()
    assert "manager@example.org" in record and "Active" in record
    page.get_by_role("link", name="People", exact=True).first.click()
    page.wait_for_url("**/hr/people")
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url("**/hr/people")


@pytest.mark.usefixtures("axe_installed")
def test_a_persons_page_names_each_landmark_once(app, demo, chromium, live_server):
    """axe's best-practice rule ``landmark-unique`` (not among the WCAG tags above): the
    "Required learning" section and its table's scroll region had the same role and name."""
    from axe_playwright_python.sync_playwright import Axe
    from sqlalchemy import select

    from learnhub.assignments import services
    from learnhub.assignments.models import AudienceKind, DueKind
    from learnhub.catalog.models import Course
    from learnhub.extensions import db
    from learnhub.org.models import Employee

    with app.app_context():  # E1007 has required learning, so the table is there
        services.create_assignment(
            services.AssignmentSpec(
                course_id=db.session.scalar(select(Course.id).order_by(Course.id).limit(1)),
                audience=AudienceKind.PEOPLE,
                employee_ids=[
                    db.session.scalar(
                        select(Employee.id).where(Employee.employee_number == "E1007")
                    )
                ],
                due_kind=DueKind.AFTER_ASSIGNMENT,
                due_days=30,
            ),
            created_by_id=None,
        )
        db.session.commit()
    context = chromium.new_context(base_url=live_server)
    page = context.new_page()
    sign_in(page, "hr@example.org")
    page.goto("/people/E1007")
    results = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["landmark-unique"]}})
    tables = page.get_by_role("region", name="Required learning: status and due dates").count()
    context.close()
    assert [v["id"] for v in results.response["violations"]] == []
    assert tables == 1
