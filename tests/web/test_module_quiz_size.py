"""The module page announces as many questions as one attempt holds: the bank draws counted,
not only the fixed questions (the content quizzes have none, and showed "0 questions")."""

from __future__ import annotations

from sqlalchemy import update

from learnhub.extensions import db
from learnhub.quizzes.models import Quiz
from tests.conftest import sign_in
from tests.journeys.helpers import first_module


def test_the_module_page_counts_the_questions_drawn(app, demo) -> None:
    module_id, quiz_id = first_module(app)
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        assert quiz.draw_rules and not quiz.questions  # a bank-drawn content quiz
        drawn = sum(int(r["count"]) for r in quiz.draw_rules)
    client = app.test_client()
    sign_in(client, "employee@example.org")
    page = client.get(f"/modules/{module_id}").get_data(as_text=True)
    assert f"{drawn} questions per attempt." in page
    assert "0 questions" not in page


def test_a_quiz_of_fixed_questions_counts_them(app, demo, make_quiz) -> None:
    scratch = make_quiz("::a::Yes? {T}\n\n::b::No? {F}\n\n::c::Maybe? {T}\n")
    module_id, _quiz = first_module(app)
    with app.app_context():  # the scratch quiz the only current one (the fixtures restore)
        db.session.execute(
            update(Quiz)
            .where(Quiz.module_id == module_id, Quiz.id != scratch)
            .values(is_current=False)
        )
        db.session.commit()
    client = app.test_client()
    sign_in(client, "employee@example.org")
    page = client.get(f"/modules/{module_id}").get_data(as_text=True)
    assert "3 questions. Pass mark" in page
