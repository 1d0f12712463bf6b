"""Quiz fixtures: content quizzes put back as loaded after each test, and scratch quizzes.

Quizzes and their questions are content (kept for the whole session by tests/conftest.py), so a
test that changes a quiz's settings or keys must not leak the change into later tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from learnhub.extensions import db
from learnhub.questionbank.gift import parse_gift
from learnhub.questionbank.models import Question
from learnhub.quizzes.models import Attempt, Quiz, Response
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
def make_quiz(app: Flask) -> Iterator[Callable[..., int]]:
    """``make_quiz(gift_text, **settings) -> quiz id``: a new current version of the first
    phishing module's quiz holding these questions; removed (with its attempts) afterwards and
    the content version made current again."""
    created: list[tuple[int, int]] = []

    def make(gift: str = "", **settings: object) -> int:
        parsed = parse_gift(gift) if gift else None
        assert parsed is None or not parsed.errors, parsed.errors
        module_id, previous = first_module(app)
        with app.app_context():
            version = db.session.scalar(
                select(func.max(Quiz.version)).where(Quiz.module_id == module_id)
            )
            db.session.get(Quiz, previous).is_current = False
            quiz = Quiz(
                module_id=module_id,
                version=version + 1,
                is_current=True,
                title="Scratch quiz",
                pass_mark=Decimal(str(settings.pop("pass_mark", "50"))),
                content_sha256="scratch",
                **settings,
            )
            quiz.questions = [
                Question(
                    position=n,
                    qtype=spec["type"],
                    name=spec.get("name"),
                    points=Decimal(spec.get("points", "1")),
                    spec=spec,
                )
                for n, spec in enumerate(parsed.questions if parsed else [], start=1)
            ]
            db.session.add(quiz)
            db.session.commit()
            created.append((quiz.id, previous))
            return quiz.id

    yield make
    with app.app_context():
        db.session.rollback()
        for quiz_id, previous in reversed(created):
            attempts = select(Attempt.id).where(Attempt.quiz_id == quiz_id)
            db.session.execute(delete(Response).where(Response.attempt_id.in_(attempts)))
            db.session.execute(delete(Attempt).where(Attempt.quiz_id == quiz_id))
            db.session.delete(db.session.get(Quiz, quiz_id))
            db.session.get(Quiz, previous).is_current = True
        db.session.commit()
