"""Moodle XML export of a question bank (issue 13): what the bank holds, written as Moodle XML,
reads back through the project's own Moodle XML importer to the same questions (answers,
weights, feedback, tags, marks, id numbers, categories); the API and the CLI write it and
audit it; what XML cannot hold is refused with the question named."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.questionbank import reading
from learnhub.questionbank import services as banks
from learnhub.questionbank.models import Question, QuestionBank
from learnhub.questionbank.moodle_xml import parse_moodle_xml
from learnhub.questionbank.moodle_xml.reader import plain_decimal
from learnhub.questionbank.moodle_xml.writer import export_moodle_xml
from tests.conftest import REALDATA, realdata, sign_in

GIFT_FILES = sorted((REALDATA / "gift").glob("*.gift"))


def _bank_content(name: str) -> Counter:
    """(category path, spec without its source line) of the bank's current questions, and
    their marks: everything a question is."""
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == name))
    rows = db.session.execute(
        select(Question).where(Question.bank_id == bank.id, Question.retired_at.is_(None))
    ).scalars()
    return Counter(
        repr((str(q.points), sorted((k, v) for k, v in q.spec.items() if k != "line")))
        for q in rows
    )


def _as_moodle_keeps_it(spec: dict) -> dict:
    """What Moodle XML can say of a question: no "no name" (a question without a name is
    named after its text, by Moodle as by our reader) and no numeric range (midpoint ±
    half width, which accepts exactly the same numbers)."""
    spec = {k: v for k, v in spec.items() if k not in ("line", "name")}
    if spec["type"] == "numeric":
        answers = []
        for a in spec["answers"]:
            if a["kind"] == "range":
                low, high = Decimal(a["min"]), Decimal(a["max"])
                mid, half = (low + high) / 2, (high - low) / 2
                a = {
                    "kind": "tolerance",
                    "value": plain_decimal(mid),
                    "tolerance": plain_decimal(half),
                    "weight": a["weight"],
                    "feedback": a["feedback"],
                }
            answers.append(a)
        spec["answers"] = answers
    return spec


def _specs(name: str) -> list[dict]:
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == name))
    return [
        {**q.spec, "points": str(q.points.normalize())}
        for q in db.session.scalars(
            select(Question)
            .where(Question.bank_id == bank.id, Question.retired_at.is_(None))
            .order_by(Question.position)
        )
    ]


def test_gift_bank_to_xml_and_back_gives_the_same_questions(app_ctx):
    for path in GIFT_FILES:
        if path.name.startswith("category"):  # a category line and no question
            continue
        banks.import_questions("Originals", path.name, path.read_bytes())
    db.session.commit()
    data, notes = reading.export_bank_xml("Originals")
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<quiz>")
    report = banks.import_questions("Copies", "export.xml", data)
    db.session.commit()
    originals, copies = _specs("Originals"), _specs("Copies")
    assert len(originals) >= 80 and report.questions == len(originals) and not report.errors
    key = lambda spec: repr(sorted(_as_moodle_keeps_it(spec).items()))  # noqa: E731
    # (two unnamed questions of one text become one: both get the name Moodle gives them)
    assert set(map(key, copies)) == set(map(key, originals))
    named = Counter(s["name"] for s in originals if s["name"])
    assert not named - Counter(s["name"] for s in copies)
    assert len([n for n in notes if "midpoint" in n]) == 4  # numerical1.gift's ranges


def test_moodle_xml_file_import_export_import_is_stable(app_ctx):
    data = realdata("moodle-xml", "mixed-types.xml").read_bytes()
    banks.import_questions("FromXml", "mixed-types.xml", data, skip_invalid=True)
    exported, _ = reading.export_bank_xml("FromXml")
    report = banks.import_questions("Again", "export.xml", exported)
    db.session.commit()
    assert report.added == 20 and not report.errors and not report.skipped
    assert _bank_content("Again") == _bank_content("FromXml")


def test_the_content_bank_round_trips_with_categories_marks_and_competence_tags(app_ctx):
    data, _notes = reading.export_bank_xml("content")
    report = banks.import_questions("ContentCopy", "content.xml", data)
    db.session.commit()
    assert report.added > 100 and not report.errors
    assert _bank_content("ContentCopy") == _bank_content("content")
    copy = reading.bank_summary(reading.get_bank("ContentCopy"))
    assert copy["categories"] == reading.bank_summary(reading.get_bank("content"))["categories"]


def _spec(**extra) -> dict:
    spec = {
        "type": "single_choice",
        "name": "Q",
        "idnumber": None,
        "tags": [],
        "category": None,
        "stem": {"format": "html", "text": "Which?"},
        "embedded": False,
        "general_feedback": None,
        "points": "1",
        "choices": [
            {"text": {"format": "html", "text": "a"}, "weight": "100", "feedback": None},
            {"text": {"format": "html", "text": "b"}, "weight": "0", "feedback": None},
        ],
    }
    return spec | extra


def test_markup_is_escaped_and_reads_back_as_written(app_ctx):
    tricky = '<p>Tom &amp; Jerry say "hi" ]]> & <b>bold</b></p>'
    data, _ = export_moodle_xml([_spec(stem={"format": "html", "text": tricky}, name="a<b>&c")])
    assert b"<![CDATA[" not in data and b"&lt;p&gt;Tom &amp;amp; Jerry" in data
    root = fromstring(data)  # well-formed
    assert root.find("question/questiontext/text").text == tricky
    [back] = parse_moodle_xml(data).questions
    assert back["stem"]["text"] == tricky and back["name"] == "a<b>&c"


def test_a_control_character_is_refused_with_the_question_named():
    with pytest.raises(ValueError, match=r"question 2 \('Bad'\): character U\+0000"):
        export_moodle_xml([_spec(), _spec(name="Bad", stem={"format": "html", "text": "a\0b"})])


def test_a_missing_word_question_becomes_a_cloze_with_its_one_gap():
    spec = _spec(
        type="short_answer",
        embedded=True,
        stem={"format": "moodle", "text": "The capital of France is {gap} today."},
        answers=[
            {"text": "Paris", "weight": "100", "feedback": {"format": "moodle", "text": "Yes}#"}},
            {"text": "Lyon/Lille", "weight": "50", "feedback": None},
        ],
        case_sensitive=True,
    )
    del spec["choices"]
    data, _ = export_moodle_xml([spec])
    assert b'type="cloze"' in data and b"{:SHORTANSWER_C:=Paris#Yes\\}\\#~%50%Lyon\\/Lille}" in data
    [back] = parse_moodle_xml(data).questions
    assert {k: v for k, v in back.items() if k != "line"} == spec


_text = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    stem=_text,
    texts=st.lists(_text, min_size=2, max_size=5, unique=True),
    feedback=st.one_of(st.none(), _text),
    tags=st.lists(_text.filter(lambda t: ":" not in t), max_size=3, unique=True),
    points=st.sampled_from(["1", "2", "0.5", "10"]),
    single=st.booleans(),
)
def test_any_choice_question_reads_back_the_same(stem, texts, feedback, tags, points, single):
    choices = [
        {
            "text": {"format": "html", "text": t},
            "weight": "100" if n == 0 else "0",
            "feedback": {"format": "html", "text": feedback} if feedback else None,
        }
        for n, t in enumerate(texts)
    ]
    spec = _spec(
        type="single_choice" if single else "multiple_choice",
        stem={"format": "html", "text": stem},
        name=stem[:80],
        tags=tags,
        points=points,
        choices=choices,
        category="Top/Sub",
    )
    data, _ = export_moodle_xml([spec])
    result = parse_moodle_xml(data)
    assert [{k: v for k, v in q.items() if k != "line"} for q in result.questions] == [spec]


def test_api_export_xml_is_for_quiz_staff_and_audited(app, demo):
    client = app.test_client()
    sign_in(client, "employee@example.org")
    assert client.get("/api/v1/question-banks/content/export.xml").status_code == 403
    client = app.test_client()
    sign_in(client, "hr@example.org")
    response = client.get("/api/v1/question-banks/content/export.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert 'filename="content.xml"' in response.headers["Content-Disposition"]
    assert len(parse_moodle_xml(response.data).questions) > 100
    assert client.get("/api/v1/question-banks/nope/export.xml").status_code == 404
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "quizzes.bank_export")
            .order_by(AuditEvent.id)
        ).all()[-1]
        assert event.target == "bank:content" and event.details["format"] == "moodle_xml"


def test_cli_export_writes_xml_by_option_or_extension(app, tmp_path: Path):
    runner = app.test_cli_runner()
    out = tmp_path / "bank.txt"
    result = runner.invoke(args=["quizzes", "export", "--bank", "content", "--out", str(out),
                                 "--format", "xml"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"<?xml")
    by_name = tmp_path / "bank.xml"
    result = runner.invoke(args=["quizzes", "export", "--bank", "content", "--out", str(by_name)])
    assert result.exit_code == 0 and by_name.read_bytes() == out.read_bytes()
    gift = tmp_path / "bank.gift"
    runner.invoke(args=["quizzes", "export", "--bank", "content", "--out", str(gift)])
    assert gift.read_text(encoding="utf-8").startswith(("$CATEGORY", "//", "::"))
