"""Tests for learnhub.questionbank.gift against the real GIFT files of ../shared/realdata/gift: our
reading equals the reference parser's (GIFT-grammar-PEG.js), and each file round-trips."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from learnhub.questionbank.gift import export_gift, parse_gift
from tests.questionbank.gift_shared import semantic

REALDATA = Path(__file__).parents[2].parent / "shared" / "realdata" / "gift"
# An empty glob would silently collect no cases; a missing folder must fail, naming the path.
GIFT_FILES = sorted(REALDATA.glob("*.gift")) or [REALDATA / "*.gift"]


def read_gift(path: Path) -> str:
    assert path.is_file(), f"real GIFT files not found: {path} (expected in {REALDATA})"
    return path.read_text(encoding="utf-8")


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
