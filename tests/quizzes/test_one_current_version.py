"""One current quiz version per module (a partial unique index, 0031): a second current
version is refused by the database, a version that is not current is not, and the old one
stopping first (as `flask content load` does) lets the new one in."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from learnhub.extensions import db
from learnhub.quizzes.models import Quiz
from tests.factories import QuizFactory
from tests.journeys.helpers import first_module


def test_a_second_current_version_of_a_module_quiz_is_refused(app):
    module_id, current_id = first_module(app)
    with app.app_context():
        latest = db.session.scalar(
            select(func.max(Quiz.version)).where(Quiz.module_id == module_id)
        )
        with pytest.raises(IntegrityError):
            QuizFactory(module_id=module_id, version=latest + 1, is_current=True)
            db.session.flush()
        db.session.rollback()
        QuizFactory(module_id=module_id, version=latest + 1, is_current=False)
        db.session.flush()
        db.session.get(Quiz, current_id).is_current = False
        db.session.flush()
        QuizFactory(module_id=module_id, version=latest + 2, is_current=True)
        db.session.flush()
        currents = db.session.scalars(
            select(Quiz.version).where(Quiz.module_id == module_id, Quiz.is_current.is_(True))
        ).all()
        assert currents == [latest + 2]
        db.session.rollback()
