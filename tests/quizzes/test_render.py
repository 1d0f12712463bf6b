"""Question text rendering and the learner's view of a question."""

from __future__ import annotations

import json

from learnhub.questionbank.gift import parse_gift
from learnhub.quizzes.render import learner_question, render_text


def test_formats_render_safely():
    assert str(render_text({"format": "html", "text": "<p>hi<script>alert(1)</script></p>"})) == (
        "<p>hi</p>"
    )
    assert str(render_text({"format": "plain", "text": "<b>x</b>\ny"})) == (
        "&lt;b&gt;x&lt;/b&gt;<br>y"
    )
    assert str(render_text({"format": "moodle", "text": "Is 3 < 5\nand 6>2?"})) == (
        "Is 3 &lt; 5 and 6&gt;2?"
    )
    assert str(render_text({"format": "moodle", "text": "one\n\ntwo"})) == "<p>one</p><p>two</p>"
    assert (
        str(render_text({"format": "moodle", "text": "a <b>bold</b> <img src=x onerror=y>"}))
        == 'a <b>bold</b> <img src="x">'
    )
    assert "<h2>" in str(render_text({"format": "markdown", "text": "## Head"}))


def test_learner_view_carries_no_key():
    text = """::Q1::Pick one {=right#yes it is ~wrong#no it is not}

::Q2::Tick {~%50%a#fa ~%50%b#fb ~%-100%c#fc}

::Q3::Match {=x -> 1 =y -> 2 = -> 3}

::Q4::The {=gap#fg} is here.
"""
    questions = parse_gift(text).questions
    assert len(questions) == 4
    for n, spec in enumerate(questions):
        view = json.dumps(learner_question(n, spec, None))
        for secret in ("weight", "feedback", "yes it is", "fa", "fb", "fc", "100", "fg"):
            assert secret not in view, (secret, view)
    matching = learner_question(3, questions[2], [2, 0, 1])
    assert [left["html"] for left in matching["left"]] == ["x", "y"]
    assert matching["right"] == ["1", "2", "3"]
