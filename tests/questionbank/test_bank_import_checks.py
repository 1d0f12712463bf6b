"""Bank imports (a QA tester's findings on f2eddcb): one name twice in a category, GIFT and
points, files of another kind or in UTF-16, questions without text or with too much."""

from __future__ import annotations

import codecs
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.questionbank import reading
from learnhub.questionbank import services as banks
from learnhub.questionbank.file_checks import MAX_QUESTION_BYTES
from learnhub.questionbank.models import Question

TWINS = b"::Same::Is it true? {T}\n\n::Same::Is it false? {F}\n"


def _live(bank: str) -> list[tuple[str | None, dict]]:
    rows = db.session.scalars(
        select(Question)
        .where(Question.bank_id == reading.get_bank(bank).id, Question.retired_at.is_(None))
        .order_by(Question.id)
    )
    return [(q.name, q.spec["stem"]["text"]) for q in rows]


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Question))


@pytest.mark.parametrize(
    "filename, data",
    [
        ("twins.gift", TWINS),
        (
            "twins.xml",
            b'<?xml version="1.0"?>\n<quiz>\n'
            b'<question type="truefalse"><name><text>Same</text></name>\n'
            b"<questiontext><text>Is it true?</text></questiontext>\n"
            b'<answer fraction="100"><text>true</text></answer>'
            b'<answer fraction="0"><text>false</text></answer></question>\n'
            b'<question type="truefalse"><name><text>Same</text></name>\n'
            b"<questiontext><text>Is it false?</text></questiontext>\n"
            b'<answer fraction="0"><text>true</text></answer>'
            b'<answer fraction="100"><text>false</text></answer></question>\n</quiz>\n',
        ),
    ],
)
def test_one_name_twice_is_warned_and_an_edited_twin_is_refused(app_ctx, filename, data):
    first = banks.import_questions("Twins", filename, data)
    db.session.commit()
    [warning] = [w for w in first.warnings if "'Same'" in w.message]
    lines = "lines 1 and 3" if filename.endswith(".gift") else "lines 3 and 6"
    assert warning.where == lines and "2 questions in the top category" in warning.message
    # the same file again changes nothing; an edited twin is refused, not added
    again = banks.import_questions("Twins", filename, data)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 2)
    edited = data.replace(b"Is it false?", b"Is it really false?")
    before = _count()
    with pytest.raises(ValidationFailed) as refused:
        banks.import_questions("Twins", filename, edited)
    [issue] = refused.value.errors
    assert issue.where == ("line 3" if filename.endswith(".gift") else "line 6")
    assert "2 questions of this category in the bank are named 'Same'" in issue.message
    assert _count() == before
    assert _live("Twins") == [("Same", "Is it true?"), ("Same", "Is it false?")]


def test_twins_with_id_numbers_are_updated_by_them(app_ctx):
    data = b"// [id:t]\n::Same::Is it true? {T}\n\n// [id:f]\n::Same::Is it false? {F}\n"
    first = banks.import_questions("Ids", "ids.gift", data)
    assert not [w for w in first.warnings if "'Same'" in w.message]
    report = banks.import_questions("Ids", "ids.gift", data.replace(b"{F}", b"{T}"))
    assert (report.added, report.replaced, report.unchanged) == (0, 1, 1)


ESSAY_XML = (
    b'<?xml version="1.0"?>\n<quiz>\n<question type="essay">\n'
    b"<name><text>Reflect</text></name>\n"
    b"<questiontext><text>What did you learn?</text></questiontext>\n"
    b"<defaultgrade>5</defaultgrade>\n</question>\n</quiz>\n"
)


def test_gift_export_says_points_are_not_carried_and_a_reimport_keeps_them(app_ctx):
    banks.import_questions("Marks", "essay.xml", ESSAY_XML)
    db.session.commit()
    text, notes = reading.export_bank("Marks")
    assert text.startswith(reading.GIFT_POINTS_NOTE)
    assert "// points not carried: Reflect: 5 points" in text and "Moodle XML" in text
    assert notes == ["Reflect: 5 points; GIFT has none (1 in Moodle)"]
    again = banks.import_questions("Marks", "marks.gift", text.encode(), dry_run=True)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 1)
    banks.import_questions("Marks", "marks.gift", text.encode())
    bank = reading.get_bank("Marks").id
    live_now = Question.retired_at.is_(None) & (Question.bank_id == bank)
    [live] = db.session.scalars(select(Question).where(live_now)).all()
    assert live.points == Decimal(5) and live.spec["points"] == "5"
    # an edited text updates the question and keeps its points; a new GIFT question has 1
    edited = text.replace("What did you learn?", "What did you learn today?")
    edited += "\n::New::Is it new? {T}\n"
    report = banks.import_questions("Marks", "marks.gift", edited.encode())
    assert (report.added, report.replaced) == (1, 1)
    points = dict(db.session.execute(select(Question.name, Question.points).where(live_now)).all())
    assert points == {"Reflect": Decimal(5), "New": Decimal(1)}


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF16_LE + "::Q::Ça va? {T}\r\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "::Q::Ça va? {T}\n".encode("utf-16-be"),
        "::Q::Ça va? {T}\n".encode("utf-16-le"),
        codecs.BOM_UTF8 + "::Q::Ça va? {T}\n".encode(),
    ],
)
def test_a_utf16_gift_file_is_read(app_ctx, data):
    report = banks.import_questions("Unicode", "q.gift", data)
    assert report.added == 1
    assert _live("Unicode") == [("Q", "Ça va?")]


@pytest.mark.parametrize("filename", ["photo.gift", "photo.xml", "photo.png"])
def test_a_png_is_refused_as_an_image(app_ctx, filename):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(40)
    with pytest.raises(ValidationFailed) as refused:
        banks.import_questions("Images", filename, png)
    [issue] = refused.value.errors
    assert issue.where == "file"
    assert "it looks like a PNG image" in issue.message and "89 50 4e 47" in issue.message
    assert "NUL" not in issue.message


def test_a_question_without_text_is_refused_with_its_line(app_ctx):
    data = b"::Q4::Fine? {T}\n\n::Q5::{=a ~b}\n\n::Q6::[html] {}\n"
    with pytest.raises(ValidationFailed) as refused:
        banks.import_questions("Empty", "empty.gift", data)
    assert [(i.where, i.message) for i in refused.value.errors] == [
        ("line 3", "the question has no text (write it before the answer block)"),
        ("line 5", "the question has no text (write it before the answer block)"),
    ]


def test_a_question_over_the_text_limit_is_refused_with_its_line(app_ctx):
    huge = b"x" * (5 * 2**20)
    data = b"::Small::Fine? {T}\n\n::Huge::" + huge + b" {T}\n"
    with pytest.raises(ValidationFailed) as refused:
        banks.import_questions("Big", "big.gift", data)
    [issue] = refused.value.errors
    assert issue.where == "line 3"
    assert "5120 KiB of text, more than the 64 KiB one question may hold" in issue.message
    assert MAX_QUESTION_BYTES == 64 * 1024
    just = b"::Edge::" + b"y" * (MAX_QUESTION_BYTES - 100) + b" {T}\n"
    assert banks.import_questions("Big", "edge.gift", just).added == 1


def test_one_id_number_twice_in_a_category_is_refused_with_both_lines(app_ctx):
    # an id number names one question of its category (Moodle keeps (category, idnumber)
    # unique): the second question would silently update the first
    data = b"// [id:q1]\n::A::Is it true? {T}\n\n// [id:q1]\n::B::Is it false? {F}\n"
    before = _count()
    with pytest.raises(ValidationFailed) as refused:
        banks.import_questions("Idtwins", "idtwins.gift", data)
    [issue] = refused.value.errors
    assert issue.where == "lines 2 and 5"
    assert "the id number 'q1' is used by 2 questions in the top category" in issue.message
    assert _count() == before
    # in two categories the same id number is two questions
    other = data.replace(b"// [id:q1]\n::B", b"$CATEGORY: other\n\n// [id:q1]\n::B")
    assert banks.import_questions("Idtwins", "two.gift", other).added == 2
