"""Bank imports (tester's finding 5): the courses' own bank is refused with the way to change
a course's questions; a question with the name of a current one in its category updates it;
a question without a name comes back from Moodle XML as the same question."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.questionbank import reading
from learnhub.questionbank import services as banks
from learnhub.questionbank.models import Question

CONTENT_GIFT = (
    b"$CATEGORY: $course$/phishing-and-account-security/spotting-phishing\n\n"
    b"::New bank details::Changed by HR? {=Yes ~No}\n"
)


@pytest.mark.parametrize("bank", ["content", "Content", " content "])
@pytest.mark.parametrize("dry_run", [True, False])
def test_the_courses_own_bank_is_refused_with_the_way_to_change_it(app_ctx, bank, dry_run):
    before = db.session.scalar(select(db.func.count()).select_from(Question))
    with pytest.raises(ValidationFailed) as refused:
        banks.import_questions(bank, "hr.gift", CONTENT_GIFT, dry_run=dry_run)
    [issue] = [i for i in refused.value.errors if i.where == "bank"]
    assert "flask content load" in issue.message and "GIFT file" in issue.message
    assert db.session.scalar(select(db.func.count()).select_from(Question)) == before


def test_the_same_name_in_the_same_category_updates_the_question(app_ctx):
    banks.import_questions("Security", "a.gift", b"::Details::Changed? {=Yes ~No}\n")
    preview = banks.import_questions(
        "Security", "b.gift", b"::Details::Changed by HR? {=Yes ~No}\n", dry_run=True
    )
    assert (preview.added, preview.replaced) == (0, 1)
    report = banks.import_questions("Security", "b.gift", b"::Details::Changed by HR? {=Yes ~No}\n")
    db.session.commit()
    assert (report.added, report.replaced, report.unchanged) == (0, 1, 0)
    rows = db.session.scalars(select(Question).where(Question.name == "Details")).all()
    assert sorted(r.retired_at is None for r in rows) == [False, True]
    # another category's question of that name is another question
    other = banks.import_questions(
        "Security", "c.gift", b"$CATEGORY: Other\n\n::Details::Changed? {=Yes ~No}\n"
    )
    assert (other.added, other.replaced) == (1, 0)


def test_a_nameless_question_comes_back_from_moodle_xml_as_itself(app_ctx):
    banks.import_questions("Plain", "a.gift", b"2 + 2? {=4 ~5}\n\nThe sky is green. {F}\n")
    db.session.commit()
    data, _notes = reading.export_bank_xml("Plain")
    again = banks.import_questions("Plain", "export.xml", data)
    db.session.commit()
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 2)
    live = db.session.scalars(
        select(Question).where(Question.bank_id == reading.get_bank("Plain").id)
    ).all()
    assert len(live) == 2


def test_the_content_banks_page_says_how_to_change_it_and_offers_no_import(app):
    from tests.conftest import sign_in
    from tests.factories import EmployeeFactory

    with app.app_context():
        EmployeeFactory(email="hr.banks@example.org", password="learnhub-demo", roles=["hr"])
        db.session.commit()
    client = app.test_client()
    sign_in(client, "hr.banks@example.org", "learnhub-demo")
    body = client.get("/banks/content").get_data(as_text=True)
    assert "flask content load" in body and "Import questions into" not in body
