"""People search finds multi-word surnames (tester's finding 11): a search word may start any
word of the name (the last name's 2nd to 4th, split at spaces and hyphens, the first name's
2nd), not only the name as a whole; the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from learnhub.core.folding import word_of
from learnhub.extensions import db
from tests.factories import EmployeeFactory
from tests.web.people_shared import directory_numbers, get_directory, hr_client, make_hr


@pytest.fixture
def named(app):
    make_hr(app)
    with app.app_context():
        for number, first, last in (
            ("N0001", "Anna", "Ó Briain"),
            ("N0002", "Pieter", "van der Berg"),
            ("N0003", "María José", "de la Cruz"),
            ("N0004", "Ana", "García-Márquez"),
            ("N0005", "Brian", "Obrien"),
        ):
            EmployeeFactory(
                employee_number=number,
                first_name=first,
                last_name=last,
                email=f"{number.lower()}@example.test",
            )
        db.session.commit()


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("Ó Briain", ["N0001"]),
        ("briain", ["N0001"]),
        ("Anna Ó Briain", ["N0001"]),
        ("o briain", ["N0001"]),
        ("van der Berg", ["N0002"]),
        ("berg", ["N0002"]),
        ("pieter berg", ["N0002"]),
        ("de la Cruz", ["N0003"]),
        ("cruz", ["N0003"]),
        ("jose cruz", ["N0003"]),
        ("marquez", ["N0004"]),
        ("ana garcia-marquez", ["N0004"]),
        ("obri", ["N0005"]),  # a whole last name's prefix as before
        ("riain", []),  # a prefix of a word, never a substring
        ("anna berg", []),  # every word must match
    ],
)
def test_a_word_starts_any_word_of_the_name(app, named, search, found):
    assert directory_numbers(get_directory(hr_client(app), q=search, status="all")) == found


def test_the_word_rule_is_the_same_in_the_database(app_ctx):
    from sqlalchemy import literal, select

    from learnhub.core.folding import folded_word

    for text in ("Ó Briain", "van der Berg", "García-Márquez", "de  la", "Ng"):
        for n in (1, 2, 3, 4):
            in_sql = db.session.scalar(select(folded_word(literal(text), n)))
            assert in_sql == word_of(text, n), (text, n)
