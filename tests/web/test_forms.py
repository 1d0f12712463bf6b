"""The quiz page's form (learnhub.web.forms): fields become responses in the attempt's display
ids; a question left empty clears its saved answer."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from learnhub.web.forms import responses_from_form
from tests.conftest import sign_in
from tests.journeys.helpers import api_answers, first_module

QUESTIONS = [
    {"id": 1, "type": "single_choice"},
    {"id": 2, "type": "multiple_choice"},
    {"id": 3, "type": "short_answer"},
    {"id": 4, "type": "numeric"},
    {"id": 5, "type": "matching", "left": [{"id": 0}, {"id": 1}]},
    {"id": 6, "type": "description"},
    {"id": 7, "type": "essay"},
    {"id": 8, "type": "true_false"},
]


def test_each_question_type_reads_its_own_fields():
    form = MultiDict(
        [
            ("q1", "2"),
            ("q2", "0"),
            ("q2", "3"),
            ("q3", "  a reply  "),
            ("q4", " 3.14 "),
            ("q5_m0", "Paris"),
            ("q5_m1", ""),
            ("q7", "An essay."),
            ("q8", "1"),
        ]
    )
    assert responses_from_form(form, QUESTIONS) == {
        1: {"choice": 2},
        2: {"choices": [0, 3]},
        3: {"text": "  a reply  "},  # kept as typed: scoring decides about spaces
        4: {"value": "3.14"},
        5: {"matches": {"0": "Paris"}},
        7: {"text": "An essay."},
        8: {"choice": 1},
    }  # a description has no answer at all


def test_empty_or_malformed_fields_give_an_empty_answer():
    form = MultiDict(
        # \u0661 is an Arabic-Indic 1: a decimal digit to str.isdecimal, refused as not ASCII
        [("q1", "x"), ("q2", "-1"), ("q2", "²"), ("q3", "   "), ("q4", ""), ("q8", "\u0661")]
    )
    answers = responses_from_form(form, QUESTIONS)
    assert answers == {1: {}, 2: {}, 3: {}, 4: {}, 5: {}, 7: {}, 8: {}}


def test_long_texts_are_read_up_to_the_cap_never_cut_to_their_limit():
    """Read up to CAP (above every limit): a number over its 100 characters reaches the check
    that names it (learnhub.quizzes.responses.checked_answers), never silently cut to 100."""
    form = MultiDict([("q3", "x" * 70_000), ("q4", "9" * 200)])
    answers = responses_from_form(form, QUESTIONS)
    assert len(answers[3]["text"]) == 60_000 and len(answers[4]["value"]) == 200


def test_the_form_clears_an_answer_left_empty(app, demo):
    from tests.conftest import csrf_from

    client = app.test_client()
    sign_in(client, "employee@example.org")
    _module, quiz_id = first_module(app)
    page = client.get("/").get_data(as_text=True)
    url = client.post(f"/quizzes/{quiz_id}/start", data={"csrf_token": csrf_from(page)}).headers[
        "Location"
    ]
    form = client.get(url).get_data(as_text=True)
    attempt_id = int(url.rsplit("/", 1)[1])
    first = next(iter(api_answers(app, attempt_id)))
    answer = api_answers(app, attempt_id)[first]
    field = next(iter(answer.values()))
    value = [str(v) for v in field] if isinstance(field, list) else str(field)
    client.post(url, data={"csrf_token": csrf_from(form), "action": "save", f"q{first}": value})
    assert client.get(f"/api/v1/attempts/{attempt_id}").get_json()["saved"][first] == answer
    client.post(url, data={"csrf_token": csrf_from(form), "action": "save"})
    assert client.get(f"/api/v1/attempts/{attempt_id}").get_json()["saved"][first] == {}
