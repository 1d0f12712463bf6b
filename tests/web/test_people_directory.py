"""The People directory (issue 13): ``/hr/people`` searches by name, number and email (any
letter case, accents ignored), filters by org unit (± sub-units), job role, active / left /
all and overdue required learning, pages 50 at a time by name then number, and runs the same
statements whatever the page holds. HR only; a person's page shows HR their record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Course
from learnhub.core.folding import fold
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from tests.conftest import sign_in
from tests.factories import EmployeeFactory, OrgUnitFactory
from tests.web.people_shared import (
    PASSWORD,
    directory_numbers,
    follow_link,
    get_directory,
    hr_client,
    make_hr,
    page_text,
)


def test_search_by_name_number_and_email_ignores_case_and_accents(app, people):
    client = hr_client(app)
    assert directory_numbers(get_directory(client, q="zolk")) == ["P0002"]
    assert directory_numbers(get_directory(client, q="ŻÓŁKIEWSKI")) == ["P0002"]
    assert directory_numbers(get_directory(client, q="lukasz")) == ["P0002"]
    assert directory_numbers(get_directory(client, q="emile")) == ["P0003"]
    assert directory_numbers(get_directory(client, q="p000")) == [
        "P0001",
        "P0003",
        "P0004",
        "P0002",
    ]
    assert directory_numbers(get_directory(client, q="P0004")) == ["P0004"]
    assert directory_numbers(get_directory(client, q="priya.n")) == ["P0004"]
    # every word must begin some field
    assert directory_numbers(get_directory(client, q="grace ade")) == ["P0001"]
    assert directory_numbers(get_directory(client, q="grace nair")) == []
    # a prefix, not a substring: "kiewski" is inside a name, never at its start
    assert directory_numbers(get_directory(client, q="kiewski")) == []
    # LIKE's wildcards are searched for, never obeyed
    assert directory_numbers(get_directory(client, q="%")) == []
    assert directory_numbers(get_directory(client, q="_")) == []


def test_filters_org_unit_with_and_without_sub_units_job_role_and_status(app, people):
    client = hr_client(app)
    assert directory_numbers(get_directory(client, org_unit="DIR")) == ["P0001", "P0003", "P0002"]
    assert directory_numbers(get_directory(client, org_unit="DIR", sub_units="no")) == ["P0001"]
    assert directory_numbers(get_directory(client, org_unit="CASE")) == ["P0003", "P0002"]
    assert directory_numbers(get_directory(client, org_unit="CASE", sub_units="no")) == ["P0002"]
    assert directory_numbers(get_directory(client, job_role="DATA_AN")) == ["P0004"]
    assert directory_numbers(get_directory(client, job_role="CASE_OFF", org_unit="APP")) == [
        "P0003"
    ]
    # leavers: only when asked
    assert "P0005" not in directory_numbers(get_directory(client))
    assert directory_numbers(get_directory(client, status="left")) == ["P0005"]
    assert directory_numbers(get_directory(client, status="all", org_unit="CASE")) == [
        "P0003",
        "P0005",
        "P0002",
    ]
    left = page_text(get_directory(client, status="left"))
    assert "Left " in left and "1 person" in left


def test_rows_show_every_column(app, people):
    body = page_text(get_directory(hr_client(app), q="emile"))
    for shown in (
        "Émile de Vries",
        "P0003",
        "emile.devries@example.test",
        "Appeals",
        "Case officer",
        'href="/people/P0001">Grace Adeyemi</a>',
        "Active",
    ):
        assert shown in body, shown


def _requirement(employee_id: int, course_id: int, **dates) -> Requirement:
    now = utcnow()
    row = Requirement(
        employee_id=employee_id,
        course_id=course_id,
        module_key=dates.pop("module_key", 0),
        assigned_at=now - timedelta(days=60),
        due_at=dates.pop("due_at", now + timedelta(days=10)),
        **dates,
    )
    db.session.add(row)
    return row


def test_overdue_counts_overdue_and_expired_never_waived_and_filters(app, people):
    now = utcnow()
    with app.app_context():
        courses = db.session.scalars(select(Course.id).order_by(Course.id)).all()
        a, b, c = courses[:3]
        grace, lukasz, emile = people["P0001"], people["P0002"], people["P0003"]
        _requirement(lukasz, a, due_at=now - timedelta(days=2))  # overdue
        _requirement(  # expired: completed, the completion lapsed
            lukasz,
            b,
            due_at=now - timedelta(days=400),
            completed_at=now - timedelta(days=380),
            expires_at=now - timedelta(days=15),
        )
        _requirement(lukasz, c, due_at=now + timedelta(days=5))  # not started, not late
        _requirement(emile, a, due_at=now - timedelta(days=1), waived_at=now)  # waived
        _requirement(  # completed in time, no expiry
            emile, b, due_at=now - timedelta(days=1), completed_at=now - timedelta(days=9)
        )
        _requirement(grace, a, due_at=now - timedelta(hours=1))  # overdue by an hour
        db.session.commit()
    client = hr_client(app)
    assert directory_numbers(get_directory(client, overdue="yes")) == ["P0001", "P0002"]
    body = get_directory(client, q="zolk").get_data(as_text=True)
    assert '<strong class="status status-overdue">2</strong>' in body
    emile_row = get_directory(client, q="emile").get_data(as_text=True)
    assert "status-overdue" not in emile_row.split('<table class="people">')[1]
    # agrees with the person's own page (learnhub.assignments.status)
    person = page_text(client.get("/people/P0002"))
    assert person.count("Overdue</strong>") == 1 and person.count("Expired</strong>") == 1


def test_pages_of_fifty_by_name_then_number_with_the_total(app, people):
    with app.app_context():
        # 110 more: same last name (so the number orders them), every other one accented
        for n in range(110):
            EmployeeFactory(
                employee_number=f"Q{n:04d}",
                first_name="Zoë" if n % 2 else "Zoe",
                last_name="Zimmer",
                email=f"zimmer.{n}@example.test",
            )
        db.session.commit()
    client = hr_client(app)
    first = get_directory(client, q="zimmer")
    text = page_text(first)
    assert "110 people" in text and "page 1 of 3" in text
    assert directory_numbers(first) == [f"Q{n:04d}" for n in range(50)]
    second = get_directory(client, q="zimmer", page=2)
    assert directory_numbers(second) == [f"Q{n:04d}" for n in range(50, 100)]
    third = get_directory(client, q="zimmer", page=3)
    assert directory_numbers(third) == [f"Q{n:04d}" for n in range(100, 110)]
    # Next and Previous carry a cursor (keyset paging) and keep the filters; following them
    # gives the same pages as counting from the start; ?page= links still work
    via_next = follow_link(client, first, "next")
    assert directory_numbers(via_next) == directory_numbers(second) and "page 2 of 3" in page_text(
        via_next
    )
    last = follow_link(client, via_next, "next")
    assert directory_numbers(last) == directory_numbers(third) and "page 3 of 3" in page_text(last)
    assert 'rel="next"' not in page_text(last)
    back = follow_link(client, last, "prev")
    assert directory_numbers(back) == directory_numbers(second) and "page 2 of 3" in page_text(back)
    assert 'href="/hr/people?q=zimmer#results" rel="prev"' in page_text(back)  # page 1: no cursor
    assert "First<" in page_text(last) and "First<" not in page_text(back)
    # a page past the end shows the last page
    assert directory_numbers(get_directory(client, q="zimmer", page=99)) == directory_numbers(third)
    assert directory_numbers(get_directory(client, q="zimmer", page="x")) == directory_numbers(
        first
    )
    # the whole organisation by last name, folded: "de Vries" among the Ds, Żółkiewski after
    # Zimmer
    everyone = directory_numbers(get_directory(client))
    assert everyone[:5] == ["P0001", "P0003", "H0001", "P0004", "Q0000"]


def test_an_empty_result_says_so_and_offers_to_clear(app, people):
    body = page_text(get_directory(hr_client(app), q="nobody-by-this-name"))
    assert "0 people" in body and "No one matches your search and filters" in body
    assert '<a href="/hr/people">Clear filters</a>' in body
    assert '<table class="people">' not in body


def test_unknown_filters_are_named_and_list_nobody(app, people):
    response = get_directory(hr_client(app), org_unit="GONE", job_role="NOPE", status="retired")
    assert response.status_code == 422
    body = page_text(response)
    assert "There is a problem" in body
    assert '<a href="#people-org-unit">No org unit has the code &#39;GONE&#39;.</a>' in body
    assert "No job role has the code" in body and "Choose a status" in body
    assert 'aria-invalid="true"' in body and '<table class="people">' not in body


def test_a_nul_in_the_search_is_named_on_the_form(app, people):
    """A tester's "?q=%00": a bare "400 Bad Request" page from the database (PostgreSQL text
    holds no NUL); now the form's error summary names the search."""
    response = hr_client(app).get("/hr/people?q=%00")
    assert response.status_code == 422
    body = page_text(response)
    assert "There is a problem" in body
    assert "Search for text without the NUL character (%00)." in body
    assert '<table class="people">' not in body


def test_a_page_past_the_last_however_large_shows_the_last(app, people):
    with app.app_context():
        for n in range(60):
            EmployeeFactory(
                employee_number=f"Q{n:04d}",
                first_name="Zoe",
                last_name="Zimmer",
                email=f"zimmer.{n}@example.test",
            )
        db.session.commit()
    client = hr_client(app)
    huge = get_directory(client, q="zimmer", page="9" * 20)  # a tester's: it showed page 1
    assert "page 2 of 2" in page_text(huge)
    assert directory_numbers(huge) == [f"Q{n:04d}" for n in range(50, 60)]
    assert "page 2 of 2" in page_text(get_directory(client, q="zimmer", page="9" * 5000))


def test_the_form_keeps_the_filters(app, people):
    body = get_directory(hr_client(app), q="zolk", org_unit="CASE", sub_units="no", overdue="yes")
    html = body.get_data(as_text=True)
    assert 'value="zolk"' in html
    assert '<option value="CASE" selected>Directorate \u203a Casework</option>' in html
    assert 'id="people-sub-units-no" name="sub_units" value="no" checked' in html
    assert 'name="overdue" value="yes" checked' in html


@pytest.mark.parametrize("roles", [[], ["content_admin"], ["platform_admin"]])
def test_only_hr_opens_the_directory(app, people, roles):
    with app.app_context():
        EmployeeFactory(email="other@example.test", password=PASSWORD, roles=roles)
        db.session.commit()
    client = app.test_client()
    assert client.get("/hr/people").status_code == 302  # signed out: to the sign-in page
    sign_in(client, "other@example.test", PASSWORD)
    response = client.get("/hr/people")
    assert response.status_code == 403
    assert "Only HR staff can do this." in page_text(response)
    assert "Żółkiewski" not in page_text(response)


def test_a_manager_is_refused_the_directory(app, people):
    with app.app_context():
        manager = EmployeeFactory(email="boss@example.test", password=PASSWORD)
        EmployeeFactory(manager=manager)
        db.session.commit()
    client = app.test_client()
    sign_in(client, "boss@example.test", PASSWORD)
    assert client.get("/hr/people").status_code == 403
    nav = page_text(client.get("/"))
    assert "My team" in nav and 'href="/hr/people"' not in nav


def test_hr_finds_people_from_the_navigation_and_the_hr_page(app, people):
    client = hr_client(app)
    assert '<a href="/hr/people">People</a>' in page_text(client.get("/"))
    assert 'href="/hr/people"' in page_text(client.get("/hr"))


@pytest.mark.parametrize("size", [3, 60])
def test_statements_do_not_grow_with_the_page(app, count_queries, size):
    make_hr(app)
    with app.app_context():
        unit = OrgUnitFactory(code="BIG", name="Big unit")
        boss = EmployeeFactory(org_unit=unit)
        course = db.session.scalar(select(Course.id).order_by(Course.id))
        for person in EmployeeFactory.create_batch(size, org_unit=unit, manager=boss):
            _requirement(person.id, course, due_at=utcnow() - timedelta(days=1))
        db.session.commit()
    client = hr_client(app)
    with count_queries() as queries:
        page = get_directory(client, org_unit="BIG", q="person", overdue="yes")
    assert page.status_code == 200 and f"{size} people" in page_text(page)
    assert len(directory_numbers(page)) == min(size, 50)
    # 1 user loader (account, employee, grants, "has reports?"); 1 org units (filters, the
    # chosen unit's sub-units, each row's unit name); 1 job roles; 1 the count; 1 the page
    # (managers joined, late requirements counted by a correlated subquery)
    assert queries.count == 5, queries
    if size > 50:  # the Next page, by cursor: the same five statements
        with count_queries() as queries:
            following = follow_link(client, page, "next")
        assert len(directory_numbers(following)) == size - 50 and queries.count == 5, queries


def test_the_fold_rule_is_the_same_in_the_database(app_ctx):
    from learnhub.core.folding import BY_HAND_FROM, folded

    latin = "".join(chr(c) for c in range(0xC0, 0x250))  # Latin-1 and Latin Extended-A, -B
    for sample in (latin, BY_HAND_FROM, "Łukasz ŻÓŁKIEWSKI Straße", "O'Brien-Smith", "Ñúñez"):
        assert db.session.scalar(select(folded(db.literal(sample)))) == fold(sample), sample
    assert fold("Żółkiewski Émile Øster") == "zolkiewski emile oster"


def test_postgresql_has_the_directorys_indexes_and_uses_them(app_ctx):
    from sqlalchemy import text

    from learnhub.reports.directory import FOLDED_INDEXES

    if db.engine.dialect.name != "postgresql":
        pytest.skip("expression indexes are PostgreSQL's (SQLite scans a small organisation)")
    found = dict(
        db.session.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'employees'")
        ).all()
    )
    assert set(FOLDED_INDEXES) <= set(found)
    assert 'lh_fold((last_name)::text) COLLATE "C"' in found["ix_employees_folded_name"]
    # the planner may take them for a search (sequential scans off: the table is tiny here)
    from learnhub.reports.directory import DirectoryFilters, _filtered

    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    query = _filtered(
        select(db.func.count()).select_from(Employee),
        DirectoryFilters(words=("zolk",), status="all"),
        utcnow(),
    )
    compiled = query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    (plan,) = db.session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar_one()
    scans = []

    def walk(node):
        scans.append(node)
        for child in node.get("Plans", ()):
            walk(child)

    walk(plan["Plan"])
    # every word of the search (4 whole columns + 4 later words of names) is an index's range;
    # which index serves first_name is the planner's choice on a tiny table (the name index's
    # second column serves it too, as a CI run once chose), so the test names no index per arm
    assert not [n for n in scans if n["Node Type"] == "Seq Scan"], plan
    used = [n for n in scans if n["Node Type"] in ("Bitmap Index Scan", "Index Scan")]
    assert len(used) == len(FOLDED_INDEXES), plan
    assert {n["Index Name"] for n in used} <= set(FOLDED_INDEXES), plan
    assert all(">= 'zolk'" in n["Index Cond"] for n in used), plan
