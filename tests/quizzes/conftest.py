"""Quiz fixtures: content quizzes put back as loaded after each test, and scratch quizzes.

Quizzes and their questions are content (kept for the whole session by tests/conftest.py), so a
test that changes a quiz's settings or keys must not leak the change into later tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.quizzes.models import Question, Quiz
from tests.factories import QuizFactory
from tests.journeys.helpers import first_module

_QUIZ_COLUMNS = (
    "is_current",
    "pass_mark",
    "max_attempts",
    "grading_method",
    "review_policy",
    "time_limit_seconds",
    "shuffle_answers",
    "shuffle_questions",
    "draw_rules",
    "essays_graded",
)


@pytest.fixture(autouse=True)
def _restore_content_quizzes(request: pytest.FixtureRequest) -> Iterator[None]:
    """Snapshot every quiz's settings and every quiz question's spec; put back what changed."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        quizzes = {
            q.id: {c: getattr(q, c) for c in _QUIZ_COLUMNS}
            for q in db.session.scalars(select(Quiz))
        }
        questions = {
            q.id: (q.spec, q.points, q.name)
            for q in db.session.scalars(select(Question).where(Question.quiz_id.is_not(None)))
        }
    yield
    with app.app_context():
        db.session.rollback()
        for quiz in db.session.scalars(select(Quiz).where(Quiz.id.in_(quizzes))):
            for column, value in quizzes[quiz.id].items():
                if getattr(quiz, column) != value:
                    setattr(quiz, column, value)
        for question in db.session.scalars(select(Question).where(Question.id.in_(questions))):
            spec, points, name = questions[question.id]
            if (question.spec, question.points, question.name) != (spec, points, name):
                question.spec, question.points, question.name = spec, points, name
        db.session.commit()


@pytest.fixture
def make_quiz(app: Flask) -> Callable[..., int]:
    """``make_quiz(gift_text, **settings) -> quiz id``: a new current version of the first
    phishing module's quiz holding these questions (:class:`tests.factories.QuizFactory`);
    the factory's clean-up removes it (with its attempts) after the test and
    ``_restore_content_quizzes`` makes the content version current again."""

    def make(gift: str = "", **settings: object) -> int:
        module_id, previous = first_module(app)
        with app.app_context():
            version = db.session.scalar(
                select(func.max(Quiz.version)).where(Quiz.module_id == module_id)
            )
            db.session.get(Quiz, previous).is_current = False
            quiz = QuizFactory(
                module_id=module_id,
                version=version + 1,
                title="Scratch quiz",
                pass_mark=Decimal(str(settings.pop("pass_mark", "50"))),
                content_sha256="scratch",
                gift=gift,
                **settings,
            )
            db.session.commit()
            return quiz.id

    return make
