"""The People directory (issue 13): ``/hr/people`` searches by name, number and email (any
letter case, accents ignored), filters by org unit (± sub-units), job role, active / left /
all and overdue required learning, pages 50 at a time by name then number, and runs the same
statements whatever the page holds. HR only; a person's page shows HR their record."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Course
from learnhub.core.folding import fold
from learnhub.core.mail import OutboxEmail
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from tests.conftest import sign_in
from tests.factories import EmployeeFactory, JobRoleFactory, OrgUnitFactory

PASSWORD = "a-test-password"
HR_EMAIL = "hana.hr@example.test"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _numbers(response) -> list[str]:
    """The employee numbers of the directory table's rows, in order."""
    body = response.get_data(as_text=True)
    table = body.split('<table class="people">', 1)
    if len(table) == 1:
        return []
    return re.findall(r"<tr>\s*<th scope=\"row\"><a href=\"/people/([^\"]+)\"", table[1])


def _hr(app, **fields) -> None:
    with app.app_context():
        EmployeeFactory(
            employee_number="H0001",
            first_name="Hana",
            last_name="Hr",
            email=HR_EMAIL,
            password=PASSWORD,
            roles=["hr"],
            **fields,
        )
        db.session.commit()


def _hr_client(app):
    client = app.test_client()
    sign_in(client, HR_EMAIL, PASSWORD)
    return client


def _get(client, **params):
    return client.get("/hr/people?" + urlencode(params))


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
    _hr(app)
    return ids


def test_search_by_name_number_and_email_ignores_case_and_accents(app, people):
    client = _hr_client(app)
    assert _numbers(_get(client, q="zolk")) == ["P0002"]
    assert _numbers(_get(client, q="ŻÓŁKIEWSKI")) == ["P0002"]
    assert _numbers(_get(client, q="lukasz")) == ["P0002"]
    assert _numbers(_get(client, q="emile")) == ["P0003"]
    assert _numbers(_get(client, q="p000")) == ["P0001", "P0003", "P0004", "P0002"]
    assert _numbers(_get(client, q="P0004")) == ["P0004"]
    assert _numbers(_get(client, q="priya.n")) == ["P0004"]
    # every word must begin some field
    assert _numbers(_get(client, q="grace ade")) == ["P0001"]
    assert _numbers(_get(client, q="grace nair")) == []
    # a prefix, not a substring: "kiewski" is inside a name, never at its start
    assert _numbers(_get(client, q="kiewski")) == []
    # LIKE's wildcards are searched for, never obeyed
    assert _numbers(_get(client, q="%")) == []
    assert _numbers(_get(client, q="_")) == []


def test_filters_org_unit_with_and_without_sub_units_job_role_and_status(app, people):
    client = _hr_client(app)
    assert _numbers(_get(client, org_unit="DIR")) == ["P0001", "P0003", "P0002"]
    assert _numbers(_get(client, org_unit="DIR", sub_units="no")) == ["P0001"]
    assert _numbers(_get(client, org_unit="CASE")) == ["P0003", "P0002"]
    assert _numbers(_get(client, org_unit="CASE", sub_units="no")) == ["P0002"]
    assert _numbers(_get(client, job_role="DATA_AN")) == ["P0004"]
    assert _numbers(_get(client, job_role="CASE_OFF", org_unit="APP")) == ["P0003"]
    # leavers: only when asked
    assert "P0005" not in _numbers(_get(client))
    assert _numbers(_get(client, status="left")) == ["P0005"]
    assert _numbers(_get(client, status="all", org_unit="CASE")) == ["P0003", "P0005", "P0002"]
    left = _text(_get(client, status="left"))
    assert "Left " in left and "1 person" in left


def test_rows_show_every_column(app, people):
    body = _text(_get(_hr_client(app), q="emile"))
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
    client = _hr_client(app)
    assert _numbers(_get(client, overdue="yes")) == ["P0001", "P0002"]
    body = _get(client, q="zolk").get_data(as_text=True)
    assert '<strong class="status status-overdue">2</strong>' in body
    emile_row = _get(client, q="emile").get_data(as_text=True)
    assert "status-overdue" not in emile_row.split('<table class="people">')[1]
    # agrees with the person's own page (learnhub.assignments.status)
    person = _text(client.get("/people/P0002"))
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
    client = _hr_client(app)
    first = _get(client, q="zimmer")
    text = _text(first)
    assert "110 people" in text and "page 1 of 3" in text
    assert _numbers(first) == [f"Q{n:04d}" for n in range(50)]
    second = _get(client, q="zimmer", page=2)
    assert _numbers(second) == [f"Q{n:04d}" for n in range(50, 100)]
    third = _get(client, q="zimmer", page=3)
    assert _numbers(third) == [f"Q{n:04d}" for n in range(100, 110)]
    # Next and Previous carry a cursor (keyset paging) and keep the filters; following them
    # gives the same pages as counting from the start; ?page= links still work
    via_next = _follow(client, first, "next")
    assert _numbers(via_next) == _numbers(second) and "page 2 of 3" in _text(via_next)
    last = _follow(client, via_next, "next")
    assert _numbers(last) == _numbers(third) and "page 3 of 3" in _text(last)
    assert 'rel="next"' not in _text(last)
    back = _follow(client, last, "prev")
    assert _numbers(back) == _numbers(second) and "page 2 of 3" in _text(back)
    assert 'href="/hr/people?q=zimmer#results" rel="prev"' in _text(back)  # page 1: no cursor
    assert "First<" in _text(last) and "First<" not in _text(back)
    # a page past the end shows the last page
    assert _numbers(_get(client, q="zimmer", page=99)) == _numbers(third)
    assert _numbers(_get(client, q="zimmer", page="x")) == _numbers(first)
    # the whole organisation by last name, folded: "de Vries" among the Ds, Żółkiewski after
    # Zimmer
    everyone = _numbers(_get(client))
    assert everyone[:5] == ["P0001", "P0003", "H0001", "P0004", "Q0000"]


def _follow(client, response, rel: str):
    """The page a Next (``rel="next"``) or Previous (``"prev"``) link of ``response`` opens."""
    found = re.search(rf'href="([^"]+)" rel="{rel}"', _text(response))
    assert found, rel
    return client.get(found.group(1).replace("&amp;", "&").split("#")[0])


def test_an_empty_result_says_so_and_offers_to_clear(app, people):
    body = _text(_get(_hr_client(app), q="nobody-by-this-name"))
    assert "0 people" in body and "No one matches your search and filters" in body
    assert '<a href="/hr/people">Clear filters</a>' in body
    assert '<table class="people">' not in body


def test_unknown_filters_are_named_and_list_nobody(app, people):
    response = _get(_hr_client(app), org_unit="GONE", job_role="NOPE", status="retired")
    assert response.status_code == 422
    body = _text(response)
    assert "There is a problem" in body
    assert '<a href="#people-org-unit">No org unit has the code &#39;GONE&#39;.</a>' in body
    assert "No job role has the code" in body and "Choose a status" in body
    assert 'aria-invalid="true"' in body and '<table class="people">' not in body


def test_a_nul_in_the_search_is_named_on_the_form(app, people):
    """A tester's "?q=%00": a bare "400 Bad Request" page from the database (PostgreSQL text
    holds no NUL); now the form's error summary names the search."""
    response = _hr_client(app).get("/hr/people?q=%00")
    assert response.status_code == 422
    body = _text(response)
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
    client = _hr_client(app)
    huge = _get(client, q="zimmer", page="9" * 20)  # a tester's: it showed page 1
    assert "page 2 of 2" in _text(huge)
    assert _numbers(huge) == [f"Q{n:04d}" for n in range(50, 60)]
    assert "page 2 of 2" in _text(_get(client, q="zimmer", page="9" * 5000))


def test_the_form_keeps_the_filters(app, people):
    body = _get(_hr_client(app), q="zolk", org_unit="CASE", sub_units="no", overdue="yes")
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
    assert "Only HR staff can do this." in _text(response)
    assert "Żółkiewski" not in _text(response)


def test_a_manager_is_refused_the_directory(app, people):
    with app.app_context():
        manager = EmployeeFactory(email="boss@example.test", password=PASSWORD)
        EmployeeFactory(manager=manager)
        db.session.commit()
    client = app.test_client()
    sign_in(client, "boss@example.test", PASSWORD)
    assert client.get("/hr/people").status_code == 403
    nav = _text(client.get("/"))
    assert "My team" in nav and 'href="/hr/people"' not in nav


def test_hr_finds_people_from_the_navigation_and_the_hr_page(app, people):
    client = _hr_client(app)
    assert '<a href="/hr/people">People</a>' in _text(client.get("/"))
    assert 'href="/hr/people"' in _text(client.get("/hr"))


@pytest.mark.parametrize("size", [3, 60])
def test_statements_do_not_grow_with_the_page(app, count_queries, size):
    _hr(app)
    with app.app_context():
        unit = OrgUnitFactory(code="BIG", name="Big unit")
        boss = EmployeeFactory(org_unit=unit)
        course = db.session.scalar(select(Course.id).order_by(Course.id))
        for person in EmployeeFactory.create_batch(size, org_unit=unit, manager=boss):
            _requirement(person.id, course, due_at=utcnow() - timedelta(days=1))
        db.session.commit()
    client = _hr_client(app)
    with count_queries() as queries:
        page = _get(client, org_unit="BIG", q="person", overdue="yes")
    assert page.status_code == 200 and f"{size} people" in _text(page)
    assert len(_numbers(page)) == min(size, 50)
    # 1 user loader (account, employee, grants, "has reports?"); 1 org units (filters, the
    # chosen unit's sub-units, each row's unit name); 1 job roles; 1 the count; 1 the page
    # (managers joined, late requirements counted by a correlated subquery)
    assert queries.count == 5, queries
    if size > 50:  # the Next page, by cursor: the same five statements
        with count_queries() as queries:
            following = _follow(client, page, "next")
        assert len(_numbers(following)) == size - 50 and queries.count == 5, queries


def test_the_fold_rule_is_the_same_in_the_database(app_ctx):
    from learnhub.core.folding import BY_HAND_FROM, folded

    latin = "".join(chr(c) for c in range(0xC0, 0x250))  # Latin-1 and Latin Extended-A, -B
    for sample in (latin, BY_HAND_FROM, "Łukasz ŻÓŁKIEWSKI Straße", "O'Brien-Smith", "Ñúñez"):
        assert db.session.scalar(select(folded(db.literal(sample)))) == fold(sample), sample
    assert fold("Żółkiewski Émile Øster") == "zolkiewski emile oster"


# --- a person's page, as HR sees it ------------------------------------------------------------


def test_hr_sees_the_record_and_the_actions_on_a_persons_page(app, people):
    with app.app_context():
        lukasz = db.session.get(Employee, people["P0002"])
        lukasz.legal_hold = True
        lukasz.timezone = "Europe/Warsaw"
        db.session.commit()
    client = _hr_client(app)
    assert 'href="/people/P0002">Łukasz Żółkiewski</a>' in _text(_get(client, q="zolk"))
    body = _text(client.get("/people/P0002"))
    for shown in (
        '<a href="/hr/people">People</a>',
        "lukasz.z@example.test",
        "Directorate \u203a Casework",
        "Case officer (CASE_OFF)",
        '<a href="/people/P0001">Grace Adeyemi</a> (P0001)',
        "Europe/Warsaw",
        "<strong>Yes</strong>: their records are not erased",
        "<strong>No account</strong>",
        'href="/hr/assignments/new?people=P0002"',
        'href="/people/P0002/validate"',
        'href="/people/P0002/prior-learning"',
    ):
        assert shown in body, shown
    leaver = _text(client.get("/people/P0005"))
    assert "<strong>Locked</strong>. Has left" in leaver and "Left on " in leaver
    assert 'href="/hr/assignments/new?people=P0005"' not in leaver


def test_a_manager_sees_the_page_as_before_without_the_record(app, people):
    with app.app_context():
        from learnhub.auth.services import account_for, set_password

        set_password(account_for(db.session.get(Employee, people["P0001"])), PASSWORD)
        db.session.commit()
    client = app.test_client()
    sign_in(client, "grace.adeyemi@example.test", PASSWORD)
    body = _text(client.get("/people/P0002"))
    assert "Łukasz Żółkiewski" in body and "Required learning" in body
    for hidden in ("Legal hold", "lukasz.z@example.test", "Account", "Time zone", "HR source"):
        assert hidden not in body, hidden
    assert client.get("/people/P0005").status_code == 404  # a leaver: HR's only


def _account_state(app, client, number: str) -> str:
    body = _text(client.get(f"/people/{number}"))
    match = re.search(r"<dt>Account</dt><dd><strong>([^<]+)</strong>", body)
    assert match, body[:2000]
    return match.group(1)


def test_account_states(app, people):
    from learnhub.auth import passwords
    from learnhub.auth.models import Account
    from learnhub.auth.services import account_for, set_password
    from learnhub.core.audit import AuditEvent
    from learnhub.org.models import Employee

    with app.app_context():
        grace = db.session.get(Employee, people["P0001"])
        set_password(account_for(grace), PASSWORD)  # never signed in
        emile = db.session.get(Employee, people["P0003"])
        account_for(emile)  # an account, no password, no invitation
        passwords.invite_many([people["P0004"]])  # Priya: invited
        db.session.commit()
    client = _hr_client(app)
    assert _account_state(app, client, "P0001") == "Never signed in"
    assert _account_state(app, client, "P0002") == "No account"
    assert _account_state(app, client, "P0003") == "Not invited"
    # no mail server in tests: the invitation waits in the outbox, and the page says so
    assert _account_state(app, client, "P0004") == "Invitation queued"
    priya = _text(client.get("/people/P0004"))
    assert "Not sent yet: the invitation email waits in the outbox." in priya
    assert "LEARNHUB_SMTP_HOST" in priya and "still works" not in priya
    assert "The link works until" in priya
    with app.app_context():
        (email,) = db.session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None)))
        email.attempts, email.last_error = 2, "421 mail.example.org busy"
        email_id = email.id
        db.session.commit()
    priya = _text(client.get("/people/P0004"))
    assert "Sending failed (2 tries; last: 421 mail.example.org busy)." in priya
    with app.app_context():
        db.session.get(OutboxEmail, email_id).sent_at = utcnow()
        db.session.commit()
    assert _account_state(app, client, "P0004") == "Invited"
    priya = _text(client.get("/people/P0004"))
    assert "the emailed link to choose a password still works" in priya
    assert "The link works until" in priya and "outbox" not in priya
    assert _account_state(app, client, "P0005") == "Locked"  # has left
    assert _account_state(app, client, "H0001") == "Active"  # signed in
    # as many failed sign-ins as the account limit allows in its window: locked
    with app.app_context():
        limit = int(app.config["LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT"].split()[0])
        db.session.add_all(
            AuditEvent(action="sign_in_failed", target="grace.adeyemi@example.test")
            for _ in range(limit)
        )
        account = db.session.scalar(select(Account).where(Account.employee_id == people["P0001"]))
        account.last_login_at = utcnow()
        db.session.commit()
    body = _text(client.get("/people/P0001"))
    assert "<strong>Locked</strong>" in body and f"{limit} failed sign-ins" in body


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


# --- the JSON twin: GET /api/v1/employees --------------------------------------------------------


def _token(app, scope: str) -> dict[str, str]:
    made = app.test_cli_runner().invoke(
        args=["auth", "create-token", "--name", scope, "--scopes", scope, "--expires-days", 9]
    )
    assert made.exit_code == 0, made.output
    return {"Authorization": f"Bearer {made.output.strip().splitlines()[-1]}"}


def test_the_api_lists_people_with_the_same_filters_paged_and_audited(app, people):
    import json

    from learnhub.core.audit import AuditEvent

    client = _hr_client(app)
    response = client.get("/api/v1/employees?org_unit=CASE&status=all&page_size=2")
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    first = response.get_json()
    assert [p["employee_number"] for p in first] == ["P0003", "P0005"]
    assert first[0] | {"left_at": None} == {
        "employee_number": "P0003",
        "name": "Émile de Vries",
        "email": "emile.devries@example.test",
        "org_unit": "APP",
        "org_unit_path": "Directorate \u203a Casework \u203a Appeals",
        "job_role": "CASE_OFF",
        "job_role_title": "Case officer",
        "job_title": None,
        "manager_employee_number": "P0001",
        "manager_name": "Grace Adeyemi",
        "active": True,
        "left_at": None,
        "overdue": 0,
    }
    assert first[1]["active"] is False and first[1]["left_at"]
    second = client.get("/api/v1/employees?org_unit=CASE&status=all&page_size=2&page=2")
    assert [p["employee_number"] for p in second.get_json()] == ["P0002"]
    assert "X-Next-Cursor" not in second.headers and second.headers["X-Previous-Cursor"]
    # keyset paging: the cursor of the first page's headers gives the same second page
    cursor = response.headers["X-Next-Cursor"]
    keyset = client.get(f"/api/v1/employees?org_unit=CASE&status=all&page_size=2&cursor={cursor}")
    assert keyset.get_json() == second.get_json()
    assert json.loads(keyset.headers["X-Pagination"])["page"] == 2
    before = keyset.headers["X-Previous-Cursor"]
    back = client.get(f"/api/v1/employees?org_unit=CASE&status=all&page_size=2&cursor={before}")
    assert back.get_json() == first and "X-Previous-Cursor" not in back.headers
    search = client.get("/api/v1/employees?q=zolk&include_sub_units=false&org_unit=CASE")
    assert [p["employee_number"] for p in search.get_json()] == ["P0002"]
    bad = client.get("/api/v1/employees?org_unit=GONE")
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["issues"] == [
        {"where": "org_unit", "message": "No org unit has the code 'GONE'."}
    ]
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "list_employees").order_by(AuditEvent.id)
        ).all()
        assert len(events) == 5
        assert events[0].details["filters"] == {"org_unit": "CASE", "status": "all"}
        assert [e.details["page"] for e in events] == [1, 2, 2, 1, 1]


def test_the_api_answers_org_read_tokens_and_hr_only(app, people):
    client = app.test_client()
    allowed = client.get("/api/v1/employees?q=priya", headers=_token(app, "org:read"))
    assert allowed.status_code == 200
    assert [p["employee_number"] for p in allowed.get_json()] == ["P0004"]
    other = client.get("/api/v1/employees", headers=_token(app, "exports:read"))
    assert other.status_code == 403
    with app.app_context():
        EmployeeFactory(email="staff@example.test", password=PASSWORD)
        db.session.commit()
    sign_in(client, "staff@example.test", PASSWORD)
    assert client.get("/api/v1/employees").status_code == 403
