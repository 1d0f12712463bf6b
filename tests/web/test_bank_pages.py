"""Question-bank pages (issue 13): the banks, a bank's categories and questions (answer keys
for HR and content admins only), the GIFT and Moodle XML downloads, and the import: a dry run
first with its report, then a confirmation that applies exactly the file previewed, once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnhub.auth import services as auth
from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.questionbank import services as banks
from learnhub.questionbank.models import Question, QuestionBank, StagedImport
from tests.conftest import form_value as _field
from tests.conftest import sign_in

CONTENT_ADMIN = "oliver.bennett@example.org"

GOOD_GIFT = b"""$CATEGORY: $course$/top/Security/Phishing

// [id:P1]
// [tag:phishing]
::Sender::Who really sent this email? {
=Whoever owns the domain in the address#Right: the address, not the name
~The name shown#Names are easy to fake
}

::Link::A link's text says one address and its target another. {FALSE}

$CATEGORY: $course$/top/Security/Passwords

::Length::A long passphrase beats a short complex password. {TRUE}
"""
BAD_GIFT = b"""::Good::Is this fine? {T}

::Broken::Which? {=a ~b

::Weight::Pick {~%abc%x =y}
"""


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def staff(app, demo):
    """HR and a content admin, signed in; (hr client, content admin client)."""
    with app.app_context():
        oliver = db.session.scalar(select(Employee).where(Employee.email == CONTENT_ADMIN))
        auth.grant_role(auth.account_for(oliver), "content_admin")
        db.session.commit()
    hr, admin = app.test_client(), app.test_client()
    sign_in(hr, "hr@example.org")
    sign_in(admin, CONTENT_ADMIN)
    return hr, admin


def _upload(client, data: bytes, name: str, bank: str = "Security", **extra):
    page = client.get(f"/banks/import?bank={bank}")
    csrf = _field(page.get_data(as_text=True), "csrf_token")
    form = {"csrf_token": csrf, "bank": bank, "fmt": "auto", "file": (_bytes(data), name)}
    return client.post("/banks/import", data=form | extra, content_type="multipart/form-data")


def _bytes(data: bytes):
    import io

    return io.BytesIO(data)


def _imports(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(AuditEvent.action == "quizzes.bank_import")
        )


@pytest.mark.parametrize("email", ["employee@example.org", "manager@example.org"])
def test_employees_and_managers_are_refused_every_bank_page(app, demo, email):
    client = app.test_client()
    sign_in(client, email)
    for path in ["/banks", "/banks/content", "/banks/import", "/banks/imports/x"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Only HR staff or content administrators" in _text(response)
    assert "Question banks" not in _text(client.get("/"))


def test_the_bank_list_and_a_bank_page_with_categories_questions_and_downloads(app, staff):
    hr, _admin = staff
    listing = _text(hr.get("/banks"))
    with app.app_context():
        total = db.session.scalar(
            select(func.count()).where(Question.bank_id.is_not(None), Question.retired_at.is_(None))
        )
    assert 'href="/banks/content"' in listing and f"<td>{total}</td>" in listing
    assert "Loaded with the courses" in listing
    page = hr.get("/banks/content")
    text = _text(page)
    assert page.status_code == 200 and f"{total} questions, page 1 of {-(-total // 25)}" in text
    assert 'href="/api/v1/question-banks/content/export.gift"' in text
    assert 'href="/api/v1/question-banks/content/export.xml"' in text
    assert text.count("<summary>Answer key") == 25 and "Next page" in text
    # one category, by its path
    with app.app_context():
        bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == "content"))
        path = bank.categories[1].path
    one = _text(hr.get("/banks/content", query_string={"category": path}))
    assert "Show the questions of every category" in one and "(shown below)" in one
    assert hr.get("/banks/nope").status_code == 404
    assert hr.get("/banks/content?page=99999").status_code == 200  # the last page


def test_a_file_with_errors_is_refused_with_every_error_by_line_and_nothing_kept(app, staff):
    hr, _ = staff
    response = _upload(hr, BAD_GIFT, "bad.gift")
    text = _text(response)
    assert response.status_code == 422
    assert "There is a problem" in text and "bad.gift has 2 error(s)" in text
    assert '<th scope="row">line 3</th><td>the answer block &#39;{&#39; is not closed' in text
    assert '<th scope="row">line 5</th>' in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StagedImport)) == 0
        assert (
            db.session.scalar(select(QuestionBank).where(QuestionBank.name == "Security")) is None
        )


def test_an_empty_form_names_each_field(app, staff):
    hr, _ = staff
    page = hr.get("/banks/import")
    csrf = _field(page.get_data(as_text=True), "csrf_token")
    response = hr.post("/banks/import", data={"csrf_token": csrf, "bank": "no/slash"})
    text = _text(response)
    assert response.status_code == 422
    assert 'href="#bank">Enter a bank name of letters' in text
    assert 'href="#file">Choose a GIFT or Moodle XML file' in text


def test_dry_run_then_confirm_imports_exactly_once(app, staff):
    hr, admin = staff
    response = _upload(hr, GOOD_GIFT, "security.gift")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = hr.get(preview_url)
    text = _text(page)
    assert page.status_code == 200 and "Nothing is imported yet" in text
    assert "<dt>To add</dt><dd>3</dd>" in text and "(new: it is created)" in text
    assert "Security \u203a Phishing</th><td>2</td><td>0</td><td>0</td>" in text
    assert "Security \u203a Passwords</th><td>1</td>" in text
    assert "Import 3 questions into Security" in text
    assert _imports(app) == 0
    # nobody else sees someone's upload
    assert admin.get(preview_url).status_code == 404
    html = page.get_data(as_text=True)
    form = {"csrf_token": _field(html, "csrf_token"), "submit_token": _field(html, "submit_token")}
    first = hr.post(preview_url, data=form)
    second = hr.post(preview_url, data=form)  # a double click
    assert first.status_code == 302 and second.status_code == 302
    assert _imports(app) == 1
    done = _text(hr.get(preview_url))
    assert "Imported into Security" in done and "<dt>Added</dt><dd>3</dd>" in done
    with app.app_context():
        row = db.session.scalar(select(StagedImport))
        assert row.data == b"" and row.report["added"] == 3 and row.applied_at is not None
    bank = _text(hr.get("/banks/Security"))
    assert "3 questions." in bank and '<span class="tag">phishing</span>' in bank
    assert "Whoever owns the domain in the address — <strong>100%</strong>" in bank
    assert "Feedback: Names are easy to fake" in bank
    # the same file again: everything unchanged
    again = hr.get(_upload(hr, GOOD_GIFT, "security.gift").headers["Location"])
    text = _text(again)
    assert "<dt>Unchanged</dt><dd>3</dd>" in text
    # nothing would change: said, and no "Import 0 questions" button (a tester's finding)
    assert "Nothing would change: 3 questions of the file are already in Security as they are" in (
        text
    )
    assert "There is nothing to confirm." in text
    assert "Import 0" not in text and 'type="submit"' not in text.split("<main")[1]


def test_a_file_changed_on_the_server_is_refused_at_confirmation(app, staff):
    hr, _ = staff
    url = _upload(hr, GOOD_GIFT, "security.gift").headers["Location"]
    html = hr.get(url).get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(StagedImport))
        row.data = GOOD_GIFT.replace(b"Sender", b"Sendr")
        db.session.commit()
    form = {"csrf_token": _field(html, "csrf_token"), "submit_token": _field(html, "submit_token")}
    response = hr.post(url, data=form)
    assert response.status_code == 409
    assert "does not match its checksum" in _text(response)
    assert _imports(app) == 0


def test_the_format_can_be_chosen_and_xml_round_trips_through_the_page(app, staff):
    hr, _ = staff
    with app.app_context():
        banks.import_questions("Security", "security.gift", GOOD_GIFT)
        db.session.commit()
    xml = hr.get("/api/v1/question-banks/Security/export.xml").data
    assert xml.startswith(b"<?xml")
    response = _upload(hr, xml, "bank-export.txt", bank="Copy", fmt="moodle_xml")
    assert response.status_code == 302
    text = _text(hr.get(response.headers["Location"]))
    assert "bank-export.txt (Moodle XML," in text
    # left to detection, a .txt file is GIFT: the same bytes are read as GIFT (or refused)
    as_gift = _upload(hr, xml, "bank-export.txt", bank="Copy")
    if as_gift.status_code == 302:
        assert "bank-export.txt (GIFT," in _text(hr.get(as_gift.headers["Location"]))
    else:
        assert as_gift.status_code == 422


def test_an_upload_older_than_a_day_must_be_chosen_again(app, staff):
    hr, _ = staff
    url = _upload(hr, GOOD_GIFT, "security.gift").headers["Location"]
    with app.app_context():
        row = db.session.scalar(select(StagedImport))
        row.created_at = row.created_at - timedelta(hours=25)
        db.session.commit()
    response = hr.get(url)
    assert response.status_code == 404
    assert "older than 24 hours: choose the file again" in _text(response)
    # the next upload clears it away
    _upload(hr, GOOD_GIFT, "security.gift")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StagedImport)) == 1
