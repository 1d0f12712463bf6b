"""Keyset paging of the People directory (issue 13): the Next and Previous links carry an
opaque cursor of the boundary row's sort key, so a page skips nobody and shows nobody twice when
people join or leave between two clicks, lands on a real page when the list shrank, and a
cursor that is not one is named (the page and the API). Paging by number and the statement pin
are in test_people_directory.py, the API's cursor headers in test_people_api.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.org.models import Employee
from tests.factories import EmployeeFactory
from tests.web.people_shared import (
    directory_numbers,
    follow_link,
    get_directory,
    hr_client,
    page_text,
)


@pytest.mark.usefixtures("people")
def test_keyset_pages_skip_nobody_when_people_join_meanwhile(app):
    with app.app_context():
        for n in range(60):
            EmployeeFactory(
                employee_number=f"K{n:03d}", first_name="Kim", last_name="Kowal",
                email=f"kim.{n}@example.test",
            )  # fmt: skip
        db.session.commit()
    client = hr_client(app)
    first = get_directory(client, q="kowal")
    assert directory_numbers(first) == [f"K{n:03d}" for n in range(50)]
    with app.app_context():  # someone sorting before the boundary joins: an OFFSET page 2
        EmployeeFactory(
            employee_number="K000A", first_name="Kim", last_name="Kowal", email="k@example.test"
        )
        db.session.commit()  # would show K049 again; the cursor starts after K049
    second = follow_link(client, first, "next")
    assert directory_numbers(second) == [f"K{n:03d}" for n in range(50, 60)]
    assert "61 people" in page_text(second) and "page 2 of 2" in page_text(second)


@pytest.mark.usefixtures("people")
def test_keyset_links_of_people_who_left_meanwhile_land_on_a_real_page(app):
    with app.app_context():
        for n in range(60):
            EmployeeFactory(
                employee_number=f"K{n:03d}", first_name="Kim", last_name="Kowal",
                email=f"kim.{n}@example.test",
            )  # fmt: skip
        db.session.commit()
    client = hr_client(app)
    first = get_directory(client, q="kowal")
    second = follow_link(client, first, "next")

    def leave(numbers: list[str]) -> None:
        with app.app_context():
            for person in db.session.scalars(
                select(Employee).where(Employee.employee_number.in_(numbers))
            ):
                person.active = False
            db.session.commit()

    leave([f"K{n:03d}" for n in range(50, 60)])  # nobody after page 1 now: its last page
    assert directory_numbers(follow_link(client, first, "next")) == directory_numbers(first)
    leave([f"K{n:03d}" for n in range(40)])  # ten before page 2's start: page 1, full
    back = follow_link(client, second, "prev")
    assert directory_numbers(back) == [f"K{n:03d}" for n in range(40, 50)]
    assert "10 people" in page_text(back) and 'rel="prev"' not in page_text(back)


@pytest.mark.usefixtures("people")
def test_a_cursor_that_is_not_one_is_named_and_lists_nobody(app):
    client = hr_client(app)
    for bad in ("nonsense", "W10=", "x" * 9000):
        response = get_directory(client, cursor=bad)
        assert response.status_code == 422, bad
        assert "This link to a page is not valid" in page_text(response)
        assert '<table class="people">' not in page_text(response)
    api = client.get("/api/v1/employees?cursor=nonsense")
    assert api.status_code == 422
    assert api.get_json()["errors"]["issues"][0]["where"] == "cursor"
