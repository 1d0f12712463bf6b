"""Competence tags on questions (issue 11): GIFT ``// [tag:digcomp:4.1:intermediate]`` and
Moodle XML ``<tags>``, read by the parsers, resolved against the loaded framework at import and
at content load, every bad tag an error with its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from learnhub.catalog.loader import read_content
from learnhub.core.errors import ValidationFailed
from learnhub.questionbank.competence_tags import read_competence_tags
from learnhub.questionbank.gift import parse_gift
from learnhub.questionbank.moodle_xml import parse_moodle_xml
from learnhub.questionbank.services import import_questions
from learnhub.quizzes.content_loader import validate_quiz
from learnhub.skills.profiles import FrameworkIndex
from tests.conftest import CONTENT_DIR

GIFT = """// [id:q1] [tag:phishing]
// [tag:digcomp:4.1:intermediate]
// [tag:DigComp-3.0:4.2:1]
::Tagged::Which is safe? {=Call back on a known number.#Right.~Reply to the email.#No.}

::Untagged::Which is safe? {=Call back on a known number.#Right.~Reply to the email.#No.}
"""


def test_gift_reads_competence_tags_beside_ordinary_ones():
    result = parse_gift(GIFT)
    assert result.errors == []
    tagged, untagged = result.questions
    assert tagged["tags"] == ["phishing", "digcomp:4.1:intermediate", "DigComp-3.0:4.2:1"]
    assert tagged["competences"] == [
        {"framework": "digcomp", "competence": "4.1", "level": "intermediate"},
        {"framework": "digcomp-3.0", "competence": "4.2", "level": "1"},
    ]
    # an untagged question's spec has no key at all: its digest (and quiz version) is unchanged
    assert "competences" not in untagged


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("digcomp:4.1", "is not <framework>:<competence>:<level>"),
        ("digcomp:4.1:basic:extra", "is not <framework>:<competence>:<level>"),
        ("digcomp:4.x:basic", "is not <framework>:<competence>:<level>"),
    ],
)
def test_a_malformed_gift_tag_is_an_error_on_the_questions_line(tag, message):
    text = f"::First::Fine. {{TRUE#Right.#Wrong.}}\n\n\n// [tag:{tag}]\n::Second::Bad. {{TRUE}}\n"
    result = parse_gift(text)
    assert [(e.line, message in e.message) for e in result.errors] == [(5, True)]
    assert [q["name"] for q in result.questions] == ["First"]  # the bad one is left out


def test_a_competence_tagged_twice_or_on_a_description_is_an_error():
    twice, errors = read_competence_tags(["digcomp:4.1:1", "digcomp:4.1:2"])
    assert twice == [{"framework": "digcomp", "competence": "4.1", "level": "1"}]
    assert errors == ["competence 4.1 is tagged twice; a question proves one level of it"]
    result = parse_gift("// [tag:digcomp:4.1:basic]\n::Note::Read this first.\n")
    assert [e.message for e in result.errors] == [
        "a description is never scored, so it cannot prove a competence"
    ]
    # a colon alone does not make a competence tag: "topic:phishing" stays an ordinary tag
    assert read_competence_tags(["topic:phishing", "v2:draft"]) == ([], [])


XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>Tagged</text></name>
    <questiontext format="html"><text>A call-back check uses a known number.</text></questiontext>
    <answer fraction="100"><text>true</text><feedback><text>Right.</text></feedback></answer>
    <answer fraction="0"><text>false</text><feedback><text>No.</text></feedback></answer>
    <tags><tag><text>digcomp:4.2:2</text></tag><tag><text>phishing</text></tag></tags>
  </question>
  <question type="truefalse">
    <name><text>Bad tag</text></name>
    <questiontext format="html"><text>Another.</text></questiontext>
    <answer fraction="100"><text>true</text><feedback><text>Right.</text></feedback></answer>
    <answer fraction="0"><text>false</text><feedback><text>No.</text></feedback></answer>
    <tags><tag><text>digcomp:4.2</text></tag></tags>
  </question>
</quiz>
"""


def test_moodle_xml_reads_tags_and_a_bad_one_names_question_and_line():
    result = parse_moodle_xml(XML.encode())
    assert [q["name"] for q in result.questions] == ["Tagged"]
    assert result.questions[0]["competences"] == [
        {"framework": "digcomp", "competence": "4.2", "level": "2"}
    ]
    [error] = result.errors
    assert error.line == 10 and error.name == "Bad tag"
    assert "is not <framework>:<competence>:<level>" in error.message


def test_a_bank_import_resolves_tags_and_refuses_unknown_ones_with_their_line(app_ctx):
    report = import_questions("Tagged bank", "tagged.gift", GIFT.encode())
    assert report.added == 2
    from sqlalchemy import select

    from learnhub.extensions import db
    from learnhub.questionbank.models import Question

    spec = db.session.scalar(select(Question.spec).where(Question.name == "Tagged"))
    assert spec["competences"] == [
        {"framework": "digcomp-3.0", "competence": "4.1", "level": 2},
        {"framework": "digcomp-3.0", "competence": "4.2", "level": 1},
    ]
    bad = (
        "::Fine::Fine. {TRUE#Right.#Wrong.}\n\n"
        "// [tag:digcomp:9.9:basic]\n::Unknown::Bad. {TRUE#Right.#Wrong.}\n\n"
        "// [tag:digcomp:4.1:expert]\n::Level::Bad. {TRUE#Right.#Wrong.}\n\n"
        "// [tag:nocomp:4.1:basic]\n::Framework::Bad. {TRUE#Right.#Wrong.}\n"
    )
    with pytest.raises(ValidationFailed) as raised:
        import_questions("Tagged bank", "bad.gift", bad.encode())
    found = [(i.where, i.message) for i in raised.value.errors]
    assert found[0] == ("line 4", "competence tag names unknown competence '9.9' of digcomp-3.0")
    assert found[1][0] == "line 7" and "unknown level 'expert'" in found[1][1]
    assert "Basic, Intermediate, Advanced, Highly advanced" in found[1][1]
    assert found[2] == ("line 10", "competence tag names framework 'nocomp', which is not loaded")


def _phishing_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "frameworks", target / "frameworks")
    course = "phishing-and-account-security"
    shutil.copytree(CONTENT_DIR / "courses" / course, target / "courses" / course)
    return target / "courses" / course


def test_content_load_checks_tags_against_the_course_framework_with_file_and_line(
    app_ctx, tmp_path
):
    folder = _phishing_copy(tmp_path)
    gift = folder / "01-spotting-phishing.gift"
    text = gift.read_text(encoding="utf-8")
    text = text.replace("// [tag:digcomp:4.2:basic]", "// [tag:digcomp:4.9:basic]", 1)
    gift.write_text(text, encoding="utf-8")
    line = text[: text.index("::New bank details::")].count("\n") + 1
    with pytest.raises(ValidationFailed) as raised:
        read_content(folder.parent.parent)
    assert [(i.where, i.message) for i in raised.value.errors] == [
        (
            f"content/courses/phishing-and-account-security/01-spotting-phishing.gift, line {line}",
            "competence tag names unknown competence '4.9' of digcomp-3.0",
        )
    ]


def test_a_changed_tag_changes_the_quiz_content_hash_so_the_quiz_gets_a_new_version(
    app_ctx, tmp_path
):
    folder = _phishing_copy(tmp_path)
    index = FrameworkIndex.from_db("digcomp-3.0")
    spec = {"file": "01-spotting-phishing.gift", "pass_mark": 80, "questions_per_attempt": 6}
    before, issues = validate_quiz(spec, folder, "course.yaml", index)
    assert issues == []
    tagged = [q for q in before["questions"] if q.get("competences")]
    assert len(tagged) == 12 and tagged[0]["competences"] == [
        {"framework": "digcomp-3.0", "competence": "4.2", "level": 1}
    ]
    gift = folder / "01-spotting-phishing.gift"
    gift.write_text(gift.read_text().replace("[tag:digcomp:4.2:basic]", "[tag:digcomp:4.2:2]", 1))
    after, issues = validate_quiz(spec, folder, "course.yaml", index)
    assert issues == [] and after["sha256"] != before["sha256"]
    # without the course's framework a tag cannot be checked: an error, never ignored
    _parsed, issues = validate_quiz(spec, folder, "course.yaml")
    assert issues and all("need the course's framework" in i.message for i in issues)
