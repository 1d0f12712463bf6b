"""Tests for learnhub.questionbank.gift's export: layout, what GIFT cannot say, and round trips
(hypothesis) of any texts and every question type."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnhub.questionbank.gift import MOODLE_FRACTIONS, export_gift, parse_gift
from tests.questionbank.gift_shared import WS, parse_one, semantic

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
