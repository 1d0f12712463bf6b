"""Tests for learnhub.questionbank.gift: what each construct means, errors and warnings (the real
files: test_gift_reference.py; export and round-trip properties: test_gift_export.py)."""

import pytest

from learnhub.questionbank.gift import MOODLE_FRACTIONS, GiftIssue, parse_gift
from tests.questionbank.gift_shared import parse_one

# -- what each construct means ------------------------------------------------------------------


def test_single_choice_weights_feedback_and_formats():
    q = parse_one(
        "// [id:Q-7]\n// [tag:security] [tag:phishing]\n"
        "::Invoice::[html]<p>What first?</p> {\n"
        "  =Phone them#Right.\n"
        "  ~%50%[plain]Ask IT#[markdown]*Partly*\n"
        "  ~Pay it\n"
        "  ####[moodle]Always check.\n"
        "}"
    )

    assert q == {
        "type": "single_choice",
        "name": "Invoice",
        "idnumber": "Q-7",
        "tags": ["security", "phishing"],
        "category": None,
        "stem": {"format": "html", "text": "<p>What first?</p>"},
        "embedded": False,
        "general_feedback": {"format": "moodle", "text": "Always check."},
        "points": "1",
        "line": 3,
        "choices": [
            {
                "text": {"format": "html", "text": "Phone them"},
                "weight": "100",
                "feedback": {"format": "html", "text": "Right."},
            },
            {
                "text": {"format": "plain", "text": "Ask IT"},
                "weight": "50",
                "feedback": {"format": "markdown", "text": "*Partly*"},
            },
            {"text": {"format": "html", "text": "Pay it"}, "weight": "0", "feedback": None},
        ],
    }


def test_equals_with_weight_keeps_the_weight():
    q = parse_one("Q {=%50%half ~%-100%wrong =full}")

    assert q["type"] == "single_choice"
    assert [c["weight"] for c in q["choices"]] == ["50", "-100", "100"]
    assert q["choices"][0]["text"]["text"] == "half"


def test_multiple_choice_without_equals():
    q = parse_one("Pick two {~%50%a ~%50%b ~%-100%c ~%33.33333%d ~%-33.33333%e}")

    assert q["type"] == "multiple_choice"
    assert [c["weight"] for c in q["choices"]] == ["50", "50", "-100", "33.33333", "-33.33333"]


@pytest.mark.parametrize(
    ("block", "true_weight", "true_fb", "false_fb"),
    [
        ("{T}", "100", None, None),
        ("{TRUE#wrong}", "100", None, "wrong"),
        ("{TRUE#wrong#right}", "100", "right", "wrong"),
        ("{F#wrong#right}", "0", "wrong", "right"),
        ("{FALSE##right}", "0", None, "right"),
    ],
)
def test_true_false_feedback_goes_to_its_choice(block, true_weight, true_fb, false_fb):
    q = parse_one("Sky is blue. " + block)

    assert q["type"] == "true_false"
    true_choice, false_choice = q["choices"]
    assert true_choice["text"] == {"format": "plain", "text": "True"}
    assert false_choice["text"] == {"format": "plain", "text": "False"}
    assert true_choice["weight"] == true_weight
    assert false_choice["weight"] == ("0" if true_weight == "100" else "100")
    assert (true_choice["feedback"] or {}).get("text") == true_fb
    assert (false_choice["feedback"] or {}).get("text") == false_fb


def test_lower_case_true_is_a_short_answer():
    # Moodle compares with 'T', 'TRUE', 'F', 'FALSE' exactly.
    assert parse_one("Q {true}")["type"] == "short_answer"


def test_short_answer():
    q = parse_one("Capital? {=Paris#Yes =%50%paris city#Close =%0%*#No}")

    assert q["type"] == "short_answer"
    assert q["case_sensitive"] is False
    assert [(a["text"], a["weight"]) for a in q["answers"]] == [
        ("Paris", "100"),
        ("paris city", "50"),
        ("*", "0"),
    ]
    assert q["answers"][2]["feedback"] == {"format": "moodle", "text": "No"}


@pytest.mark.parametrize(
    ("block", "answers"),
    [
        ("{#3.14:0.01}", [{"kind": "tolerance", "value": "3.14", "tolerance": "0.01"}]),
        ("{#1822}", [{"kind": "tolerance", "value": "1822", "tolerance": "0"}]),
        ("{#-3.142:0.001}", [{"kind": "tolerance", "value": "-3.142", "tolerance": "0.001"}]),
        ("{#1..5}", [{"kind": "range", "min": "1", "max": "5"}]),
        ("{#-5..-1}", [{"kind": "range", "min": "-5", "max": "-1"}]),
        ("{#3.14\\:0.01}", [{"kind": "tolerance", "value": "3.14", "tolerance": "0.01"}]),
    ],
)
def test_numeric_forms(block, answers):
    q = parse_one("Number? " + block)

    assert q["type"] == "numeric"
    assert [{k: a[k] for k in answers[0]} for a in q["answers"]] == answers
    assert [a["weight"] for a in q["answers"]] == ["100"]


def test_numeric_with_several_weighted_answers():
    q = parse_one("Pi? {#=1.5:0 =%50%1.4:0.1#close}")

    assert q["answers"] == [
        {"kind": "tolerance", "value": "1.5", "tolerance": "0", "weight": "100", "feedback": None},
        {
            "kind": "tolerance",
            "value": "1.4",
            "tolerance": "0.1",
            "weight": "50",
            "feedback": {"format": "moodle", "text": "close"},
        },
    ]


def test_numeric_wildcard_feedback_is_dropped_with_a_warning():
    result = parse_gift("Q {#\n=3:2\n~#Completely wrong}")

    assert result.errors == []
    assert len(result.questions[0]["answers"]) == 1
    assert result.warnings == [
        GiftIssue(
            3,
            "the feedback for any other answer ('~') is dropped: LearnHub numeric answers have "
            "no wildcard",
        )
    ]


def test_matching_with_distractor():
    q = parse_one("Match {\n=Canada -> Ottawa\n=[html]<b>Italy</b> -> Rome\n= -> Paris\n}")

    assert q["type"] == "matching"
    assert q["pairs"] == [
        {"left": {"format": "moodle", "text": "Canada"}, "right": "Ottawa"},
        {"left": {"format": "html", "text": "<b>Italy</b>"}, "right": "Rome"},
        {"left": None, "right": "Paris"},
    ]


def test_missing_word_marks_the_gap():
    q = parse_one("Grant is {~buried =entombed} in Grant's \\{tomb\\}.")

    assert q["embedded"] is True
    assert q["stem"]["text"] == "Grant is {gap} in Grant's {tomb}."


def test_essay_and_description():
    result = parse_gift("::Bio::Write about it. {####Look for dates.}\n\n::Intro::Read this first.")

    essay, description = result.questions
    assert essay["type"] == "essay"
    assert essay["general_feedback"] == {"format": "moodle", "text": "Look for dates."}
    assert description["type"] == "description"
    assert description["stem"] == {"format": "moodle", "text": "Read this first."}
    assert description["line"] == 3


def test_escapes_and_newlines():
    q = parse_one("::a\\:b::x \\~ \\= \\# \\{ \\} \\: \\\\ y\\nz \\q {}")

    assert q["name"] == "a:b"
    assert q["stem"]["text"] == "x ~ = # { } : \\ y\nz \\q"


def test_multi_line_text_is_joined_like_moodle():
    q = parse_one("First line   \n   second line {\n=a#one\n   two\n}")

    assert q["stem"]["text"] == "First line\nsecond line"
    assert q["answers"][0]["feedback"]["text"] == "one\ntwo"


def test_markdown_and_html_keep_their_lines():
    q = parse_one("[markdown]Hard  \nbreak\n- a\n    - b{}")
    html = parse_one("[html]<pre>\n    indented\n</pre>{}")

    assert q["stem"]["text"] == "Hard  \nbreak\n- a\n    - b"
    assert html["stem"]["text"] == "<pre>\n    indented\n</pre>"


def test_categories_apply_to_the_questions_after_them():
    result = parse_gift(
        "$CATEGORY: $course$/top/Unit 1: Topic\n\nQ1 {T}\n\n"
        "$CATEGORY: top/Security/Phishing\nQ2 {F}\n\nQ3 {T}"
    )

    assert result.errors == []
    assert [q["category"] for q in result.questions] == [
        "$course$/top/Unit 1: Topic",
        "top/Security/Phishing",
        "top/Security/Phishing",
    ]
    assert [q["line"] for q in result.questions] == [3, 6, 8]


def test_id_with_escaped_bracket_and_comment_after_question():
    q = parse_one("// [id:a\\]b]\nQ {T}\n// [tag:late]")

    assert q["idnumber"] == "a]b"
    assert q["tags"] == ["late"]


def test_unknown_format_marker_is_text():
    q = parse_one("[latex]x^2 {}")

    assert q["stem"] == {"format": "moodle", "text": "[latex]x^2"}


def test_windows_line_ends_and_bom():
    result = parse_gift("\ufeff::A::Q {T}\r\n\r\n::B::R {F}\r\n")

    assert result.errors == []
    assert [q["name"] for q in result.questions] == ["A", "B"]


# -- errors and warnings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        (
            "::Q1::Fine? {T}\n\n::Q2::Broken? {\n=yes\n",
            [(3, "the answer block '{' is not closed with '}'")],
        ),
        ("Line one\nthen } here", [(2, "'}' has no matching '{' (write a literal brace as \\})")]),
        (
            "Q {\n~a\n~{b}\n=c}",
            [(3, "'{' inside the answer block opened on line 1 (write a literal brace as \\{)")],
        ),
        (
            "Q1 {T}\nQ2 {F}",
            [
                (
                    2,
                    "a second answer block: a question has one (separate questions with a blank "
                    "line; write a literal brace as \\{)",
                )
            ],
        ),
        ("Q {T} and }", [(1, "'}' has no matching '{' (write a literal brace as \\})")]),
        (
            "Q {\n=right\n~%abc%wrong}",
            [(3, "unknown weight syntax '%abc%' (write a percentage such as %50% or %-25%)")],
        ),
        ("Q {\n~%150%x\n=y}", [(2, "weight 150% is outside [-100, 100]")]),
        ("Q {\n~%-100.5%x\n=y}", [(2, "weight -100.5% is outside [-100, 100]")]),
        ("Q {=a -> b}", [(1, "a matching question needs at least 2 pairs, found 1")]),
        ("Q {=a -> b\n= -> c}", [(1, "a matching question needs at least 2 pairs, found 1")]),
        ("Q {=a -> b\n=c -> d\n=e}", [(3, "matching answer 'e' has no '->'")]),
        ("Q {=a -> b\n=c -> }", [(2, "a matching answer has nothing after '->'")]),
        ("Q {#abc}", [(1, "numeric answer 'abc' is not a number")]),
        ("Q {#\n=3:x}", [(2, "tolerance 'x' is not a number")]),
        ("Q {#3:-1}", [(1, "tolerance '-1' is negative")]),
        ("Q {#5..1}", [(1, "numeric range '5..1' has its minimum above its maximum")]),
        ("Q {#1..x}", [(1, "numeric range '1..x' is not of the form min..max")]),
        ("Q {#}", [(1, "a numeric question needs at least one answer")]),
        ("Q {~only}", [(1, "a multiple-choice question needs at least 2 answers, found 1")]),
        ("Q {\n~a\n~\n=b}", [(3, "an answer is empty")]),
        ("Q {=}", [(1, "an answer is empty")]),
        ("::Title Q {T}", [(1, "the question title '::' is not closed with '::'")]),
        ("::Title::", [(1, "a question without an answer block needs text")]),
        ("$CATEGORY:   ", [(1, "$CATEGORY: has no category path")]),
        (
            "Fill \\{gap\\} in {=x} now.",
            [(1, "the question text holds '{gap}', which LearnHub keeps for the gap")],
        ),
        (
            "Q\n\ufdd0 {T}",
            [(2, "character U+FDD0 is a Unicode noncharacter and cannot be imported")],
        ),
    ],
)
def test_error_messages(text, errors):
    result = parse_gift(text)

    assert [(e.line, e.message) for e in result.errors] == errors
    assert len(result.questions) == (1 if text.startswith("::Q1::") else 0)


def test_errors_are_collected_across_questions():
    result = parse_gift("Q1 {~%x%a =b}\n\nGood {T}\n\n// c\nQ3 {#nope}")

    assert [str(e) for e in result.errors] == [
        "line 1: unknown weight syntax '%x%' (write a percentage such as %50% or %-25%)",
        "line 6: numeric answer 'nope' is not a number",
    ]
    assert [q["stem"]["text"] for q in result.questions] == ["Good"]


def test_weight_moodle_does_not_offer_is_a_warning():
    result = parse_gift("// multiple answers\nQ {\n~%37%a\n~%63%b\n~%-100%c}")

    assert result.errors == []
    assert [str(w) for w in result.warnings] == [
        "line 3: weight 37% is not one Moodle accepts; LearnHub scores it as written",
        "line 4: weight 63% is not one Moodle accepts; LearnHub scores it as written",
    ]
    assert [c["weight"] for c in result.questions[0]["choices"]] == ["37", "63", "-100"]


def test_moodle_fractions():
    assert {"100", "83.33333", "33.33333", "14.28571", "12.5", "5", "0", "-100", "-5"} <= (
        MOODLE_FRACTIONS
    )
    assert len(MOODLE_FRACTIONS) == 41
    assert "37" not in MOODLE_FRACTIONS
    # Moodle compares fractions within 0.00001, so 33.333% is close enough to 33.33333%.
    assert parse_gift("Q {~%33.333%a ~%66.667%b}").warnings == []


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("Q {~%50%a ~%30%b ~c}", (1, "the positive weights add up to 80%, not 100%")),
        ("Q {=%50%a ~b}", (1, "no answer has weight 100%, so nobody can get full marks")),
        ("Q {x ~a =b}", (1, "text before the first '~' or '=' is read as a wrong answer")),
        (
            "// [id:lost]\n\nQ {T}",
            (
                1,
                "this [id:] or [tag:] comment is ignored: a blank line separates it from the "
                "question (put the comment right above the question)",
            ),
        ),
    ],
)
def test_warnings(text, warning):
    result = parse_gift(text)

    assert result.errors == []
    assert [(w.line, w.message) for w in result.warnings] == [warning]
