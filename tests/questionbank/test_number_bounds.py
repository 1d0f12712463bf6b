"""Numbers too large or too precise for exact arithmetic are refused at import, quickly
(a 30-byte file with 1e999999999 once stalled a server)."""

from __future__ import annotations

import time

import pytest

from learnhub.questionbank.gift import parse_gift
from learnhub.questionbank.moodle_xml import parse_moodle_xml


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("::N::How many? {#1e999999999:1}", "numeric answer '1e999999999' is beyond 10^30"),
        ("::N::How many? {#5:1e-999999999}", "tolerance '1e-999999999' is beyond 10^30"),
        ("::N::How many? {#1..1e40}", "numeric range '1..1e40' is beyond 10^30"),
        ("::N::How many? {#" + "9" * 50 + "}", "has 50 digits (at most 40)"),
    ],
)
def test_gift_refuses_numbers_beyond_the_bounds(text, message):
    started = time.perf_counter()
    result = parse_gift(text)
    assert time.perf_counter() - started < 5  # generous: it is microseconds
    assert result.questions == []
    assert any(message in error.message for error in result.errors), result.errors


@pytest.mark.parametrize("attribute", ['fraction="1e-999999999"', 'fraction="1e999999999"'])
def test_moodle_xml_refuses_them_too(attribute):
    xml = f"""<?xml version="1.0"?><quiz><question type="multichoice"><name><text>Q</text></name>
    <questiontext format="html"><text>Pick</text></questiontext><single>true</single>
    <answer {attribute}><text>a</text></answer><answer fraction="100"><text>b</text></answer>
    </question></quiz>""".encode()
    result = parse_moodle_xml(xml)
    assert result.questions == [] and result.errors
    assert "not a number" in str(result.errors[0])
