"""A very long People search (a tester pasted 5,000 characters): the browser met gunicorn's
request-line limit and showed its raw 414 page. The search input takes at most
MAX_SEARCH_LENGTH characters; a longer ``q`` (a link, a script) is refused on the form with
its length, no search runs, and the input shows it cut to the limit, so sending the form
again asks something that fits."""

from __future__ import annotations

import re
from html import unescape

import pytest

from learnhub.reports.directory import MAX_SEARCH_LENGTH
from tests.web.people_shared import directory_numbers, get_directory, hr_client, page_text


def _search_input(response) -> str:
    match = re.search(r'<input type="search" id="people-q"[^>]*>', response.get_data(as_text=True))
    assert match, "the page has the search input"
    return match.group(0)


@pytest.mark.usefixtures("people")
def test_the_search_input_takes_at_most_the_limit(app):
    assert MAX_SEARCH_LENGTH == 200
    found = get_directory(hr_client(app), q="zolk")
    assert found.status_code == 200 and directory_numbers(found) == ["P0002"]
    assert f'maxlength="{MAX_SEARCH_LENGTH}"' in _search_input(found)


@pytest.mark.usefixtures("people")
def test_an_over_long_search_is_refused_with_its_length_and_shown_cut(app, count_queries):
    client = hr_client(app)
    client.get("/hr/people")  # the session's first statements, out of the count
    asked = "zolk " + "x" * 4995
    with count_queries() as queries:
        response = get_directory(client, q=asked)
    assert response.status_code == 422
    body = page_text(response)
    assert "There is a problem" in body
    assert "Search for at most 200 characters: this search has 5,000." in body
    assert '<table class="people">' not in body and directory_numbers(response) == []
    # the user loader, the org units and the job roles of the form: no search, no count
    assert queries.count == 3, queries
    shown = re.search(r'value="([^"]*)"', _search_input(response))
    assert shown and unescape(shown.group(1)) == asked[:MAX_SEARCH_LENGTH]


@pytest.mark.usefixtures("people")
def test_a_search_of_exactly_the_limit_runs(app):
    response = get_directory(hr_client(app), q="zolk" + " " * (MAX_SEARCH_LENGTH - 5) + "z")
    assert response.status_code == 200 and directory_numbers(response) == ["P0002"]
