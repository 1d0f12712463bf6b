"""Question banks: GIFT and Moodle XML imports all or nothing, re-imports, id-number
replacement, the CLI and the HR / L&D API, and GIFT export round trips."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from learnhub.core.audit import AuditEvent
from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.questionbank import reading
from learnhub.questionbank import services as banks
from learnhub.questionbank.models import Question, QuestionBank
from learnhub.quizzes.content_loader import CONTENT_BANK
from tests.conftest import REALDATA, realdata, sign_in

GIFT_FILES = sorted((REALDATA / "gift").glob("*.gift"))

BAD_GIFT = b"""::Good::Is this fine? {T}

::Broken::Which? {=a ~b

::Weight::Pick {~%abc%x =y}
"""


def _bank_content(name: str) -> Counter:
    """What a bank holds: (category path, spec without its source line) of current questions."""
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == name))
    rows = db.session.scalars(
        select(Question).where(Question.bank_id == bank.id, Question.retired_at.is_(None))
    )
    return Counter(
        repr(sorted((k, v) for k, v in q.spec.items() if k not in ("line", "points"))) for q in rows
    )


def test_gift_with_errors_imports_nothing_and_lists_every_error_with_its_line(app_ctx):
    with pytest.raises(ValidationFailed) as caught:
        banks.import_questions("Security", "bad.gift", BAD_GIFT)
    assert [(i.where, i.message) for i in caught.value.errors] == [
        ("line 3", "the answer block '{' is not closed with '}'"),
        ("line 5", "unknown weight syntax '%abc%' (write a percentage such as %50% or %-25%)"),
    ]
    assert db.session.scalar(select(QuestionBank).where(QuestionBank.name != CONTENT_BANK)) is None


def test_xml_errors_name_the_question_and_skip_invalid_imports_the_rest(app_ctx):
    data = realdata("moodle-xml", "mixed-types.xml").read_bytes()
    with pytest.raises(ValidationFailed) as caught:
        banks.import_questions("Physics", "mixed-types.xml", data)
    assert [i.where for i in caught.value.errors] == [
        "question 18 (line 343)",
        "question 21 “10. Place in ascending order” (line 365)",
        "question 24 “Prueba” (line 407)",
    ]
    assert db.session.scalar(select(QuestionBank).where(QuestionBank.name != CONTENT_BANK)) is None

    report = banks.import_questions("Physics", "mixed-types.xml", data, skip_invalid=True)
    db.session.commit()
    assert (report.added, report.unchanged, len(report.skipped)) == (20, 0, 3)
    assert report.categories == ["Moodle QUIZ XML export"]
    summary = reading.bank_summary(reading.get_bank("Physics"))
    assert summary["categories"] == [{"path": "Moodle QUIZ XML export", "questions": 20}]
    # the same file again changes nothing
    again = banks.import_questions("Physics", "mixed-types.xml", data, skip_invalid=True)
    assert (again.added, again.unchanged) == (0, 20)


def test_dry_run_reports_without_importing_and_names_weights_moodle_would_refuse(app_ctx):
    gift = b"$CATEGORY: $course$/top/Security/Phishing\n\n::Odd::Pick {~%37%a ~%63%b ~c}\n"
    report = banks.import_questions("Security", "odd.gift", gift, dry_run=True)
    assert report.added == 1 and report.dry_run
    assert report.moodle_rejects == [{"where": "line 3", "name": "Odd", "weights": ["37", "63"]}]
    assert any("not one Moodle accepts" in w.message for w in report.warnings)
    assert db.session.scalar(select(QuestionBank).where(QuestionBank.name != CONTENT_BANK)) is None
    banks.import_questions("Security", "odd.gift", gift)
    db.session.commit()
    assert reading.bank_summary(reading.get_bank("Security"))["categories"] == [
        {"path": "Security/Phishing", "questions": 1}
    ]
    assert db.session.scalar(select(AuditEvent.target).where(AuditEvent.action.like("quizzes.%")))


def test_a_question_with_the_same_id_number_replaces_and_retires_the_old_one(app_ctx):
    first = b"// [id:Q1]\n::One::2 + 2? {=4 ~5}\n"
    fixed = b"// [id:Q1]\n::One::2 + 2? {=4 ~5 ~6}\n"
    banks.import_questions("Maths", "a.gift", first)
    report = banks.import_questions("Maths", "b.gift", fixed)
    db.session.commit()
    assert (report.added, report.replaced) == (0, 1)
    rows = db.session.scalars(select(Question).where(Question.idnumber == "Q1")).all()
    assert sorted(r.retired_at is None for r in rows) == [False, True]


def test_real_gift_files_import_export_import_to_the_same_questions(app_ctx):
    for path in GIFT_FILES:
        if path.name.startswith("category"):  # a category line and no question
            continue
        banks.import_questions("Originals", path.name, path.read_bytes())
    db.session.commit()
    text, _notes = reading.export_bank("Originals")
    banks.import_questions("Copies", "export.gift", text.encode())
    db.session.commit()
    originals = _bank_content("Originals")
    # 80 at least: a later file's question with an earlier one's name in the same category
    # updates it (tester's finding 5)
    assert sum(originals.values()) >= 80
    assert _bank_content("Copies") == originals


def test_moodle_xml_import_export_import_gives_the_same_questions(app_ctx):
    data = realdata("moodle-xml", "mixed-types.xml").read_bytes()
    banks.import_questions("FromXml", "mixed-types.xml", data, skip_invalid=True)
    text, _ = reading.export_bank("FromXml")
    report = banks.import_questions("FromGift", "export.gift", text.encode())
    db.session.commit()
    assert report.added == 20 and not report.errors
    assert _bank_content("FromGift") == _bank_content("FromXml")


def test_cli_import_and_export(app, tmp_path: Path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.gift"
    bad.write_bytes(BAD_GIFT)
    failed = runner.invoke(args=["quizzes", "import", str(bad), "--bank", "Security"])
    assert failed.exit_code != 0
    assert "line 3: the answer block '{' is not closed" in failed.output
    assert "line 5: unknown weight syntax" in failed.output

    xml = realdata("moodle-xml", "mixed-types.xml")
    dry = runner.invoke(args=["quizzes", "import", str(xml), "--bank", "Physics", "--dry-run"])
    assert dry.exit_code != 0 and "question 24 “Prueba” (line 407)" in dry.output
    ok = runner.invoke(args=["quizzes", "import", str(xml), "--bank", "Physics", "--skip-invalid"])
    assert ok.exit_code == 0, ok.output
    assert "moodle_xml: 20 question(s) read; added 20" in ok.output
    assert "skipped question 21 “10. Place in ascending order” (line 365)" in ok.output
    out = tmp_path / "physics.gift"
    exported = runner.invoke(args=["quizzes", "export", "--bank", "Physics", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    gift = out.read_text(encoding="utf-8")
    assert gift.startswith(reading.GIFT_POINTS_NOTE)  # the header says GIFT has no points
    assert "\n\n$CATEGORY: $course$/top/Moodle QUIZ" in gift
    with app.app_context():  # every export audited, from the CLI too
        audited = db.session.execute(
            select(AuditEvent.target, AuditEvent.details).where(
                AuditEvent.action == "quizzes.bank_export"
            )
        ).all()
    assert [tuple(a) for a in audited] == [("bank:Physics", {"format": "gift", "via": "cli"})]


def test_api_import_is_for_hr_and_content_admins_and_reports_errors(app, demo):
    employee = app.test_client()
    headers = {"X-CSRFToken": sign_in(employee, "employee@example.org")}
    data = {"file": (io.BytesIO(b"::Q::Yes? {T}\n"), "q.gift")}
    refused = employee.post("/api/v1/question-banks/Security/imports", data=data, headers=headers)
    assert refused.status_code == 403

    hr = app.test_client()
    headers = {"X-CSRFToken": sign_in(hr, "hr@example.org")}
    bad = hr.post(
        "/api/v1/question-banks/Security/imports",
        data={"file": (io.BytesIO(BAD_GIFT), "bad.gift")},
        headers=headers,
    )
    assert bad.status_code == 422
    issues = bad.get_json()["errors"]["issues"]
    assert [i["where"] for i in issues] == ["line 3", "line 5"]

    xml = realdata("moodle-xml", "mixed-types.xml").read_bytes()
    ok = hr.post(
        "/api/v1/question-banks/Physics/imports?skip_invalid=true",
        data={"file": (io.BytesIO(xml), "mixed-types.xml")},
        headers=headers,
    )
    assert ok.status_code == 200, ok.get_json()
    body = ok.get_json()
    assert body["added"] == 20 and len(body["skipped"]) == 3
    assert body["skipped"][2] == {
        "where": "question 24 “Prueba” (line 407)",
        "message": 'the question has no type (type="...")',
    }
    listing = hr.get("/api/v1/question-banks").get_json()
    # the courses' own bank (`flask content load`, questions_per_attempt) is listed too
    assert [b for b in listing if b["name"] != CONTENT_BANK] == [
        {"name": "Physics", "categories": [{"path": "Moodle QUIZ XML export", "questions": 20}]}
    ]
    gift = hr.get("/api/v1/question-banks/Physics/export.gift")
    assert gift.status_code == 200 and "::¿En qué unidades se mide la fuerza?::" in gift.text
    openapi = hr.get("/api/v1/openapi.json").get_json()
    upload = openapi["paths"]["/api/v1/question-banks/{name}/imports"]["post"]["requestBody"]
    assert "multipart/form-data" in upload["content"]
    attempt = openapi["components"]["schemas"]["Attempt"]["properties"]
    assert {"seconds_left", "warning_seconds", "result"} <= set(attempt)
    result = openapi["components"]["schemas"]["AttemptResult"]["properties"]
    assert {"grade_percent", "passed", "needs_review", "review_allowed", "questions"} <= set(result)


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("staff.csv", b"Employee Number,First Name,Email\nE1001,Amara,amara@example.org\n"),
        ("questions.txt", b'<?xml version="1.0"?>\n<quiz><question type="essay"/></quiz>\n'),
    ],
    ids=["a staff list", "xml read as gift"],
)
def test_a_file_with_no_question_in_it_is_refused_not_kept_as_a_description(
    app_ctx, filename, data
):
    # GIFT reads text without {answers} as an unscored description; a whole file of it is a
    # wrong file (a fresh tester imported the staff list, names and emails, as a "question")
    with pytest.raises(ValidationFailed) as refused:
        banks.import_questions("wrong-file", filename, data, fmt="gift")
    assert "no question found" in str(refused.value.errors)
    assert db.session.scalar(select(QuestionBank).where(QuestionBank.name == "wrong-file")) is None
    # a real description beside a real question still imports
    report = banks.import_questions(
        "right-file", "ok.gift", b"Read this first.\n\n::Q::2 + 2? {=4 ~5}\n", fmt="gift"
    )
    assert report.added == 2


def test_a_file_over_the_work_limit_is_refused_before_it_is_parsed(app_ctx, monkeypatch):
    """Issue 13: a 32 MB GIFT file took 2.4 GB; the limit counts questions, not bytes."""
    monkeypatch.setitem(app_ctx.config, "LEARNHUB_BANK_IMPORT_MAX_QUESTIONS", 3)
    four = b"".join(b"::Q%d::%d + 1? {=%d ~0}\n\n" % (n, n, n + 1) for n in range(4))
    with pytest.raises(ValidationFailed) as refused:
        banks.import_questions("too-many", "four.gift", four)
    assert "more than the 3 one import may take" in str(refused.value.errors)
    xml = b'<?xml version="1.0"?><quiz>' + b'<question type="essay"/>' * 4 + b"</quiz>"
    with pytest.raises(ValidationFailed):
        banks.import_questions("too-many", "four.xml", xml)
    three = b"".join(b"::Q%d::%d + 1? {=%d ~0}\n\n" % (n, n, n + 1) for n in range(3))
    assert banks.import_questions("enough", "three.gift", three).added == 3


def test_a_nul_character_is_refused_with_its_line(app_ctx):
    with pytest.raises(ValidationFailed) as refused:
        banks.import_questions("nul", "nul.gift", b"::A::1 + 1? {=2 ~3}\n\n::B\x00::x? {T}\n")
    assert [(i.where, i.message) for i in refused.value.errors] == [
        ("line 3", "the file holds a NUL character (\\0)")
    ]
