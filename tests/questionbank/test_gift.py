"""Tests for learnhub.questionbank.gift: the real GIFT files, round trips, errors and warnings."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnhub.questionbank.gift import (
    MOODLE_FRACTIONS,
    GiftIssue,
    export_gift,
    parse_gift,
)

REALDATA = Path(__file__).parents[2].parent / "shared" / "realdata" / "gift"
# An empty glob would silently collect no cases; a missing folder must fail, naming the path.
GIFT_FILES = sorted(REALDATA.glob("*.gift")) or [REALDATA / "*.gift"]
WS = " \t\n\r\0\x0b"  # PHP trim(), which GIFT uses on every text


def read_gift(path: Path) -> str:
    assert path.is_file(), f"real GIFT files not found: {path} (expected in {REALDATA})"
    return path.read_text(encoding="utf-8")


def semantic(questions):
    """The questions without "line", which moves when a file is rewritten."""
    return [{k: v for k, v in q.items() if k != "line"} for q in questions]


def parse_one(text):
    result = parse_gift(text)
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]


# -- the real files against the reference parser's reading -----------------------------------
#
# The .json beside each file is GIFT-grammar-PEG.js's reading of it. Both sides are turned into
# the same comparable "view"; every difference in how the two encode the same meaning is
# normalised below, with the reason.


def fold(text: str, fmt: str) -> str:
    # The reference joins the source lines of a moodle/plain text with a space; Moodle (and
    # LearnHub) join them with a newline after trimming each line. HTML and Markdown texts keep
    # their lines on both sides (<pre>, lists, hard breaks), so those are compared exactly.
    return text if fmt in ("html", "markdown") else " ".join(text.split())


def text_view(text: dict | None, *, embedded: bool = False):
    if text is None or text["text"] == "":
        return None  # the reference writes a missing feedback as null or as an empty text
    body, fmt = text["text"], text["format"]
    if embedded:
        # Our gap is "{gap}" (the spec's token), the reference's "_____" padded with spaces.
        return text["format"], " ".join(body.replace("{gap}", " _____ ").split())
    return fmt, fold(body, fmt)


def weight_view(entry: dict) -> Decimal:
    # The reference gives weight null for `=`/`~` without %...%, with isCorrect telling which.
    if entry["weight"] is None:
        return Decimal(100 if entry["isCorrect"] else 0)
    return Decimal(str(entry["weight"]))


def numeric_view(spec: dict):
    kind = spec["type"]
    if kind == "simple":  # `{#1822}`: Moodle reads tolerance 0
        return ("tolerance", Decimal(str(spec["number"])), Decimal(0))
    if kind == "range":  # the reference calls value:tolerance a "range"
        return ("tolerance", Decimal(str(spec["number"])), Decimal(str(spec["range"])))
    assert kind == "high-low", spec
    return ("range", Decimal(str(spec["numberLow"])), Decimal(str(spec["numberHigh"])))


def reference_view(entry: dict, category: str | None) -> dict:
    kind = entry["type"]
    embedded = entry["hasEmbeddedAnswers"]
    view = {
        "name": entry["title"],
        "idnumber": entry.get("id"),
        "tags": entry.get("tags") or [],  # the reference writes "no tags" as null
        "category": category,
        "embedded": embedded,
        "stem": text_view(entry["stem"], embedded=embedded),
        "general_feedback": text_view(entry.get("globalFeedback")),
    }
    if kind == "MC":
        # Moodle: a block with any `=` answer is single choice; the reference marks `=` answers
        # isCorrect and `~` answers (whatever their weight) not.
        single = any(c["isCorrect"] for c in entry["choices"])
        view["type"] = "single_choice" if single else "multiple_choice"
        view["choices"] = [
            (text_view(c["text"]), weight_view(c), text_view(c["feedback"]))
            for c in entry["choices"]
        ]
    elif kind == "TF":
        # GIFT `{T#fb1#fb2}`: fb1 is shown for a wrong answer, fb2 for a right one (Moodle
        # split_truefalse_comment). The reference calls fb1 "trueFeedback" and fb2
        # "falseFeedback" whatever the answer; the spec puts each on the choice it belongs to.
        wrong, right = text_view(entry["trueFeedback"]), text_view(entry["falseFeedback"])
        is_true = entry["isTrue"]
        view["type"] = "true_false"
        view["choices"] = [
            (("plain", "True"), Decimal(100 if is_true else 0), right if is_true else wrong),
            (("plain", "False"), Decimal(0 if is_true else 100), wrong if is_true else right),
        ]
    elif kind == "Short":
        # The spec stores a short answer as a plain string (Moodle keeps only its text), so the
        # reference's format on short answers has nothing to compare against.
        view["type"] = "short_answer"
        view["answers"] = [
            (fold(c["text"]["text"], c["text"]["format"]), weight_view(c), text_view(c["feedback"]))
            for c in entry["choices"]
        ]
    elif kind == "Numerical":
        view["type"] = "numeric"
        choices = entry["choices"]
        if isinstance(choices, dict):  # the reference's short form `{#1822:5}`
            view["answers"] = [(numeric_view(choices), Decimal(100), None)]
        else:
            # `~#feedback` (the reference's answer "*") has no place in the spec's numeric
            # answers; test_reference checks that the parser warned about dropping it.
            view["answers"] = [
                (numeric_view(c["text"]), weight_view(c), text_view(c["feedback"]))
                for c in choices
                if "type" in c["text"]
            ]
    elif kind == "Matching":
        view["type"] = "matching"
        # A distractor `= -> x` is an empty left side in the reference, None in the spec.
        view["pairs"] = [(text_view(p["subquestion"]), p["subanswer"]) for p in entry["matchPairs"]]
    elif kind == "Essay":
        view["type"] = "essay"
    else:
        assert kind == "Description", kind
        view["type"] = "description"
        view["general_feedback"] = None  # the reference has no such key for descriptions
    return view


def our_view(q: dict) -> dict:
    embedded = q["embedded"]
    view = {
        "name": q["name"],
        "idnumber": q["idnumber"],
        "tags": q["tags"],
        "category": q["category"],
        "embedded": embedded,
        "stem": text_view(q["stem"], embedded=embedded),
        "general_feedback": text_view(q["general_feedback"]),
        "type": q["type"],
    }
    if q["type"] in ("single_choice", "multiple_choice", "true_false"):
        view["choices"] = [
            (text_view(c["text"]), Decimal(c["weight"]), text_view(c["feedback"]))
            for c in q["choices"]
        ]
    elif q["type"] == "short_answer":
        view["answers"] = [
            (fold(a["text"], q["stem"]["format"]), Decimal(a["weight"]), text_view(a["feedback"]))
            for a in q["answers"]
        ]
    elif q["type"] == "numeric":
        view["answers"] = [
            (
                ("tolerance", Decimal(a["value"]), Decimal(a["tolerance"]))
                if a["kind"] == "tolerance"
                else ("range", Decimal(a["min"]), Decimal(a["max"])),
                Decimal(a["weight"]),
                text_view(a["feedback"]),
            )
            for a in q["answers"]
        ]
    elif q["type"] == "matching":
        view["pairs"] = [(text_view(p["left"]), p["right"]) for p in q["pairs"]]
    return view


@pytest.mark.parametrize("path", GIFT_FILES, ids=lambda p: p.name)
def test_reference(path: Path):
    text = read_gift(path)
    reference = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    trailing_category = None
    if reference and reference[-1]["type"] == "Category":
        # Our result carries a category on the questions after it; a file that ends with one
        # gets a probe question appended here (the file on disk is not touched) to read it.
        trailing_category = reference[-1]["title"]
        text += "\n\nLearnHub category probe{}\n"

    result = parse_gift(text)

    assert result.errors == []
    questions = result.questions
    if trailing_category is not None:
        probe = questions.pop()
        assert probe["stem"]["text"] == "LearnHub category probe"
        assert probe["category"] == trailing_category
    expected, category = [], None
    for entry in reference:
        if entry["type"] == "Category":
            category = entry["title"]
        else:
            expected.append(reference_view(entry, category))
    assert [our_view(q) for q in questions] == expected
    for q in questions:
        assert q["points"] == "1"
        assert isinstance(q["line"], int)
        assert q["line"] >= 1
    wildcards = sum(
        1
        for entry in reference
        if entry["type"] == "Numerical" and isinstance(entry["choices"], list)
        for c in entry["choices"]
        if "type" not in c["text"]
    )
    dropped = [w for w in result.warnings if "feedback for any other answer" in w.message]
    assert len(dropped) == wildcards


@pytest.mark.parametrize("path", GIFT_FILES, ids=lambda p: p.name)
def test_real_file_round_trip(path: Path):
    first = parse_gift(read_gift(path))
    written = export_gift(first.questions)
    second = parse_gift(written)

    assert first.errors == []
    assert second.errors == []
    assert semantic(second.questions) == semantic(first.questions)


def test_real_files_present():
    assert REALDATA.is_dir(), f"real GIFT files not found: {REALDATA}"
    assert len(list(REALDATA.glob("*.gift"))) >= 40


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


# -- export ------------------------------------------------------------------------------------


def test_export_layout():
    questions = parse_gift(
        "$CATEGORY: top/Phishing\n\n// [id:7]\n::Invoice::What first?{=Phone#Right ~Pay}"
    ).questions

    assert export_gift(questions) == (
        "$CATEGORY: top/Phishing\n\n"
        "// [id:7]\n"
        "::Invoice::What first? {\n"
        "\t=Phone#Right\n"
        "\t~Pay\n"
        "}\n"
    )


def test_export_guards_texts_that_would_be_misread():
    q = parse_one(
        "[moodle]//not a comment {\n=[moodle][html] is a tag#[moodle][b]\n~%0%%d is printf\n}"
    )
    assert q["stem"]["text"] == "//not a comment"
    assert q["choices"][0]["text"]["text"] == "[html] is a tag"
    assert q["choices"][1]["text"]["text"] == "%d is printf"

    assert semantic(parse_gift(export_gift([q])).questions) == semantic([q])


def test_export_every_type_round_trips():
    text = (
        "::MC::Pick {=a#yes ~%-50%b ~c}\n\n"
        "::Multi::Pick {~%50%a ~%50%b ~%-100%c####general}\n\n"
        "::TF::True? {FALSE#wrong#right####general}\n\n"
        "::TF2::True? {T##right}\n\n"
        "::SA::Word? {=one#yes =%50%1}\n\n"
        "::Num::Number? {#=%100%3.14:0.01#ok =%50%1..5 ####general}\n\n"
        "::Match::[html]Match {=[moodle]a -> 1 =b -> 2 = -> 3}\n\n"
        "::Gap::[markdown]The {~x =y} *gap*.\n\n"
        "::Essay::Write {}\n\n"
        "::Desc::Just text."
    )
    first = parse_gift(text)
    assert first.errors == []

    second = parse_gift(export_gift(first.questions))

    assert second.errors == []
    assert semantic(second.questions) == semantic(first.questions)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda q: q["choices"].pop(), "a choice question needs at least 2 choices"),
        (lambda q: q["choices"][0].update(weight="abc"), "weight 'abc' is not a percentage"),
        (lambda q: q.update(type="cloze"), "unknown question type 'cloze'"),
        (lambda q: q["stem"].update(format="rtf"), "unknown text format 'rtf'"),
        (lambda q: q.update(idnumber="a\nb"), "cannot be written in a GIFT [id:]"),
    ],
)
def test_export_refuses_what_gift_cannot_say(change, message):
    q = parse_one("Q {=a ~b}")
    change(q)

    with pytest.raises(ValueError, match="question 0") as caught:
        export_gift([q])
    assert message in str(caught.value)


def test_export_refuses_arrows_in_short_answers_and_matching_left_sides():
    short = parse_one("Q {=a}")
    short["answers"][0]["text"] = "a->b"
    matching = parse_one("Q {=a -> 1 =b -> 2}")
    matching["pairs"][0]["left"]["text"] = "x -> y"

    with pytest.raises(ValueError, match="matching one"):
        export_gift([short])
    with pytest.raises(ValueError, match="left side"):
        export_gift([matching])


def test_export_refuses_leaving_a_category():
    first, second = parse_gift("$CATEGORY: top\n\nQ {T}\n\nR {F}").questions
    second["category"] = None

    with pytest.raises(ValueError, match="no category"):
        export_gift([first, second])


# -- property: any texts survive a single-choice round trip ------------------------------------

_CHARS = st.characters(
    exclude_categories=("Cs", "Cc"),
    exclude_characters=[chr(c) for c in range(0xFDD0, 0xFDF0)],
) | st.sampled_from(list("~=#{}:\\\n\t %[]/->$"))
_TEXT = st.text(_CHARS, min_size=1, max_size=25).filter(lambda s: s.strip(WS) == s)
_FORMAT = st.sampled_from(["moodle", "html", "plain", "markdown"])
_WEIGHT = st.sampled_from(sorted(MOODLE_FRACTIONS))
_COMMENT_VALUE = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="<>`[")
    | st.sampled_from(list("]\\ ")),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip(WS) == s)


@st.composite
def formatted(draw):
    return {"format": draw(_FORMAT), "text": draw(_TEXT)}


@st.composite
def single_choice_questions(draw):
    count = draw(st.integers(min_value=2, max_value=5))
    correct = draw(st.integers(min_value=0, max_value=count - 1))
    choices = [
        {
            "text": draw(formatted()),
            "weight": "100" if i == correct else draw(_WEIGHT),
            "feedback": draw(st.none() | formatted()),
        }
        for i in range(count)
    ]
    return {
        "type": "single_choice",
        "name": draw(st.none() | _TEXT),
        "idnumber": draw(st.none() | _COMMENT_VALUE),
        "tags": draw(st.lists(_COMMENT_VALUE, max_size=2)),
        "category": draw(st.none() | _TEXT),
        "stem": draw(formatted()),
        "embedded": False,
        "general_feedback": draw(st.none() | formatted()),
        "points": "1",
        "choices": choices,
    }


@settings(deadline=None, max_examples=300)
@given(single_choice_questions())
def test_single_choice_round_trip(question):
    result = parse_gift(export_gift([question]))

    assert result.errors == []
    assert semantic(result.questions) == [question]


# -- property: every question type survives a round trip ---------------------------------------

_NO_ARROW = _TEXT.filter(lambda s: "->" not in s)
_NUMBER = st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False).map(str)
_TOLERANCE = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False).map(str)


def _feedback(text=None):
    return st.none() | st.builds(
        lambda f, t: {"format": f, "text": t}, _FORMAT, _TEXT if text is None else text
    )


@st.composite
def numeric_answers(draw):
    if draw(st.booleans()):
        low, high = sorted([draw(_NUMBER), draw(_NUMBER)], key=Decimal)
        answer = {"kind": "range", "min": low, "max": high}
    else:
        answer = {"kind": "tolerance", "value": draw(_NUMBER), "tolerance": draw(_TOLERANCE)}
    return {**answer, "weight": draw(_WEIGHT), "feedback": draw(_feedback())}


@st.composite
def any_questions(draw):
    qtype = draw(
        st.sampled_from(
            [
                "multiple_choice",
                "true_false",
                "short_answer",
                "numeric",
                "matching",
                "essay",
                "description",
            ]
        )
    )
    stem = draw(formatted())
    embedded = qtype != "description" and draw(st.booleans())
    if embedded:
        before = draw(st.just("") | _TEXT)
        after = draw(_TEXT)
        stem["text"] = f"{before} {{gap}} {after}" if before else f"{{gap}} {after}"
    q = {
        "type": qtype,
        "name": draw(st.none() | _TEXT),
        "idnumber": None,
        "tags": [],
        "category": None,
        "stem": stem,
        "embedded": embedded,
        "general_feedback": None if qtype == "description" else draw(_feedback()),
        "points": "1",
    }
    if qtype == "multiple_choice":
        q["choices"] = [
            {"text": draw(formatted()), "weight": draw(_WEIGHT), "feedback": draw(_feedback())}
            for _ in range(draw(st.integers(min_value=2, max_value=4)))
        ]
    elif qtype == "true_false":
        is_true = draw(st.booleans())
        q["choices"] = [
            {
                "text": {"format": "plain", "text": label},
                "weight": "100" if correct else "0",
                "feedback": draw(_feedback()),
            }
            for label, correct in (("True", is_true), ("False", not is_true))
        ]
    elif qtype == "short_answer":
        q["case_sensitive"] = False
        q["answers"] = [
            {
                "text": draw(_NO_ARROW),
                "weight": draw(_WEIGHT),
                "feedback": draw(_feedback(_NO_ARROW)),
            }
            for _ in range(draw(st.integers(min_value=1, max_value=3)))
        ]
    elif qtype == "numeric":
        q["answers"] = draw(st.lists(numeric_answers(), min_size=1, max_size=3))
    elif qtype == "matching":
        left = st.builds(lambda f, t: {"format": f, "text": t}, _FORMAT, _NO_ARROW)
        q["pairs"] = [
            {"left": draw(left), "right": draw(_TEXT)} for _ in range(draw(st.integers(2, 4)))
        ] + [{"left": None, "right": draw(_TEXT)} for _ in range(draw(st.integers(0, 1)))]
    return q


@settings(deadline=None, max_examples=300)
@given(st.lists(any_questions(), min_size=1, max_size=3))
def test_any_questions_round_trip(questions):
    result = parse_gift(export_gift(questions))

    assert result.errors == []
    assert semantic(result.questions) == questions
