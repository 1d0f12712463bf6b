"""Moodle XML import: the real mixed-types export, each core type, cloze as missing word, and
what must be refused (plugin types, several gaps, entity tricks), never half a question."""

from __future__ import annotations

import pytest

from learnhub.questionbank.moodle_xml import category_path, parse_moodle_xml
from learnhub.quizzes import scoring
from tests.conftest import realdata


def _xml(*questions: str) -> bytes:
    body = "\n".join(questions)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}\n</quiz>'.encode()


def _only(result):
    assert not result.errors, [str(e) for e in result.errors]
    assert len(result.questions) == 1
    return result.questions[0]


@pytest.fixture(scope="module")
def mixed():
    return parse_moodle_xml(realdata("moodle-xml", "mixed-types.xml").read_bytes())


def test_mixed_types_reports_each_question_it_cannot_import_by_number_and_name(mixed):
    errors = [(e.number, e.name, e.line, e.message) for e in mixed.errors]
    assert errors == [
        (18, None, 343, "the question has no text"),
        (
            21,
            "10. Place in ascending order",
            365,
            "type 'order' cannot be imported: LearnHub has no such question type",
        ),
        (24, "Prueba", 407, 'the question has no type (type="...")'),
    ]
    assert str(mixed.errors[1]) == (
        "question 21 “10. Place in ascending order” (line 365): type 'order' cannot be "
        "imported: LearnHub has no such question type"
    )
    # 24 <question> elements: 1 category, 3 reported, 20 imported whole
    assert len(mixed.questions) == 20
    assert [q["line"] for q in mixed.questions if q["line"] in (343, 365, 407)] == []


def test_mixed_types_imports_every_core_type_with_its_meaning(mixed):
    by_type: dict[str, list[dict]] = {}
    for q in mixed.questions:
        by_type.setdefault(q["type"], []).append(q)
        assert q["category"] == "Moodle QUIZ XML export"
    assert {t: len(qs) for t, qs in by_type.items()} == {
        "true_false": 3,
        "single_choice": 7,
        "short_answer": 3,
        "matching": 3,
        "numeric": 1,
        "essay": 2,
        "description": 1,
    }
    tf = by_type["true_false"][2]  # "La primera Ley de Newton ..." is false
    assert [c["weight"] for c in tf["choices"]] == ["0", "100"]
    assert by_type["true_false"][0]["tags"] == ["keyword1", "keyword2"]
    fuerza = by_type["single_choice"][0]
    assert fuerza["name"] == "¿En qué unidades se mide la fuerza?"
    assert [c["text"]["text"] for c in fuerza["choices"]][1] == "Newtons"
    assert fuerza["stem"] == {"format": "html", "text": "¿En qué unidades se mide la fuerza?"}
    numeric = by_type["numeric"][0]
    # the <tolerance> outside the answers is ignored, as Moodle does
    assert numeric["answers"][0] == {
        "kind": "tolerance", "value": "5", "tolerance": "0", "weight": "100", "feedback": None,
    }  # fmt: skip
    assert numeric["name"] == "__Question 8"
    matching = by_type["matching"][1]
    assert matching["pairs"][1] == {"left": {"format": "html", "text": "2"}, "right": "20 m/s"}
    assert matching["general_feedback"] == {"format": "html", "text": "Bien!"}
    essay = by_type["essay"][1]
    assert essay["name"] == "Escribe lo que has hecho el fin de semana:"  # named from its text


def test_mixed_types_cloze_becomes_a_missing_word_question_without_the_key_in_its_name(mixed):
    cloze = next(q for q in mixed.questions if q["embedded"])
    assert cloze["type"] == "single_choice"
    assert cloze["stem"]["text"].startswith("11. Infrastructure <{gap} will provide")
    assert [(c["text"]["text"], c["weight"]) for c in cloze["choices"]] == [
        ("Monitoring", "100"),
        ("Controlling", "0"),
        ("Service", "0"),
    ]
    assert "Monitoring" not in cloze["name"] and "_____" in cloze["name"]


def test_mixed_types_warnings_name_what_was_not_kept(mixed):
    text = "\n".join(str(w) for w in mixed.warnings)
    assert "question 17 “__Question 8” (line 326): penalty '2' is not a fraction" in text
    assert "a <tolerance> outside the answers is ignored" in text
    assert "question 15 “Ordena las siguientes velocidades” (line 250): the image" in text
    assert "several 100% answers" in text  # multichoice without <single> is single, as Moodle


def test_every_imported_question_scores_full_marks_with_its_correct_response(mixed):
    for spec in mixed.questions:
        best = scoring.score_question(spec, None).correct_response
        if spec["type"] in ("essay", "description"):
            assert best is None
            continue
        assert scoring.score_question(spec, best).state == "correct", spec["name"]


def test_multiple_answers_usecase_units_and_tolerance_inside_the_answer():
    result = parse_moodle_xml(
        _xml(
            """<question type="multichoice"><name><text>Pick</text></name>
            <questiontext format="moodle_auto_format"><text>Which?</text></questiontext>
            <single>false</single>
            <answer fraction="50"><text>a</text><feedback><text>yes</text></feedback></answer>
            <answer fraction="50"><text>b</text></answer>
            <answer fraction="-100"><text>c</text></answer></question>""",
            """<question type="shortanswer"><name><text>Case</text></name>
            <questiontext><text>Symbol?</text></questiontext><usecase>1</usecase>
            <answer fraction="100"><text>Na</text></answer></question>""",
            """<question type="numerical"><name><text>Pi</text></name>
            <questiontext><text>Pi?</text></questiontext>
            <answer fraction="100"><text>3.14</text><tolerance>0.01</tolerance></answer>
            <answer fraction="37"><text>3</text></answer>
            <units><unit><multiplier>1</multiplier><unit_name>rad</unit_name></unit></units>
            </question>""",
        )
    )
    assert not result.errors
    multi, short, numeric = result.questions
    assert multi["type"] == "multiple_choice" and multi["stem"]["format"] == "moodle"
    assert multi["choices"][0]["feedback"] == {"format": "moodle", "text": "yes"}
    assert short["case_sensitive"] is True
    assert numeric["answers"][0]["tolerance"] == "0.01"
    assert scoring.score_question(numeric, {"value": "3.149"}).state == "correct"
    warnings = "\n".join(str(w) for w in result.warnings)
    assert "units are ignored" in warnings
    assert "weight 37% is not one Moodle accepts; scored as written" in warnings


def test_cloze_kinds_and_a_cloze_with_two_gaps_is_reported_whole():
    result = parse_moodle_xml(
        _xml(
            """<question type="cloze"><name><text>One</text></name><questiontext>
            <text>The capital of France is {1:SHORTANSWER:=Paris#Right~%50%paris#Case} ok.</text>
            </questiontext></question>""",
            """<question type="cloze"><name><text>Num</text></name><questiontext>
            <text>Two and two make {2:NM:=4:0~%50%5} things.</text></questiontext></question>""",
            """<question type="cloze"><name><text>Two gaps</text></name><questiontext>
            <text>{1:MC:=a~b} and {1:MC:=c~d}</text></questiontext></question>""",
        )
    )
    assert [str(e) for e in result.errors] == [
        "question 3 “Two gaps” (line 8): a cloze question with 2 gaps cannot be imported: "
        "LearnHub holds exactly one gap per question (split it into one question per gap)"
    ]
    short, numeric = result.questions
    assert short["type"] == "short_answer" and short["embedded"] is True
    assert short["stem"]["text"] == "The capital of France is {gap} ok."
    assert short["answers"][0] == {
        "text": "Paris", "weight": "100", "feedback": {"format": "html", "text": "Right"},
    }  # fmt: skip
    assert numeric["points"] == "2" and numeric["answers"][1]["weight"] == "50"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '<question type="truefalse"><name><text>T</text></name><questiontext><text>x'
            '</text></questiontext><answer fraction="0"><text>true</text></answer>'
            '<answer fraction="0"><text>false</text></answer></question>',
            "neither answer has fraction 100: there is no right answer",
        ),
        (
            '<question type="multichoice"><name><text>T</text></name><questiontext><text>x'
            '</text></questiontext><answer fraction="abc"><text>a</text></answer>'
            '<answer fraction="100"><text>b</text></answer></question>',
            "answer 1 has fraction 'abc', which is not a number",
        ),
        (
            '<question type="calculated"><name><text>T</text></name><questiontext><text>x'
            "</text></questiontext></question>",
            "type 'calculated' cannot be imported: LearnHub has no such question type",
        ),
    ],
)
def test_a_question_in_error_is_left_out_whole(body: str, message: str):
    result = parse_moodle_xml(_xml(body))
    assert result.questions == []
    assert [e.message for e in result.errors] == [message]


def test_entities_and_broken_xml_are_refused_as_a_file_error():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz>&b;</quiz>'
    )
    refused = parse_moodle_xml(bomb)
    assert refused.questions == [] and refused.errors[0].number == 0
    assert "refused for safety" in refused.errors[0].message
    broken = parse_moodle_xml(b"<quiz><question type='essay'></quiz>")
    assert broken.errors[0].where.startswith("line 1")
    assert "not well-formed" in str(broken.errors[0])
    other = parse_moodle_xml(b"<questions/>")
    assert "not <quiz>" in other.errors[0].message


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("$course$/top/Default for LING-373", "Default for LING-373"),
        ("top", None),
        ("$system$/top/Security/ Phishing ", "Security/Phishing"),
        ("Security/Phishing", "Security/Phishing"),
        ("A//B/C", "A//B/C"),
    ],
)
def test_category_paths_drop_context_and_top(raw: str, path: str | None):
    assert category_path(raw) == path
