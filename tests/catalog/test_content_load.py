"""`flask content load`: the real content loads; a second load changes nothing; a bad file
stops the load with file and line and changes nothing."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from learnhub.catalog.models import Course, Module
from learnhub.extensions import db
from learnhub.quizzes.models import Quiz
from learnhub.skills.models import Competence, TargetProfile
from tests.conftest import CONTENT_DIR


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count(m.id))) for m in (Course, Module, Quiz, TargetProfile)
    )


def test_real_content_is_loaded_and_second_load_changes_nothing(app):
    runner = app.test_cli_runner()
    with app.app_context():
        before = _counts()
        assert before[0] >= 1 and db.session.scalar(select(func.count(Competence.id))) >= 21
    result = runner.invoke(args=["content", "load", "--dir", str(CONTENT_DIR)])
    assert result.exit_code == 0, result.output
    assert "framework digcomp-3.0: unchanged" in result.output
    assert "courses changed: 0" in result.output and "Nothing changed." in result.output
    with app.app_context():
        assert _counts() == before


def test_an_empty_database_gets_all_the_content_in_one_load_and_a_second_changes_nothing(
    app, tmp_path
):
    """`flask content load` on a new database: every framework, role, course, module and quiz
    of content/ in one run; run again, nothing changes (issue 3)."""
    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.catalog.loader import read_content
    from learnhub.catalog.models import ModuleCompetence

    plan = read_content(CONTENT_DIR)
    modules = [m for c in plan.courses for m in c["modules"]]
    fresh = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
            "SECRET_KEY": "test-secret",
            "LEARNHUB_CONTENT_DIR": str(CONTENT_DIR),
        }
    )
    try:
        with fresh.app_context():
            upgrade()
            assert _counts() == (0, 0, 0, 0)
        first = fresh.test_cli_runner().invoke(args=["content", "load"])
        assert first.exit_code == 0, first.output
        assert "framework digcomp-3.0: loaded" in first.output
        assert f"target profiles changed: {len(plan.roles)}" in first.output
        assert f"courses changed: {len(plan.courses)}, unchanged: 0" in first.output
        with fresh.app_context():
            loaded = _counts()
            # quizzes: one per module, plus each course's diagnostic (test-out) quiz
            diagnostics = sum(1 for c in plan.courses if c["parts"].get("diagnostic"))
            assert diagnostics >= 1
            assert loaded == (
                len(plan.courses),
                len(modules),
                len(modules) + diagnostics,
                len(plan.roles),
            )
            assert db.session.scalar(select(func.count(Competence.id))) == 21
            assert db.session.scalar(select(func.count(ModuleCompetence.id))) == sum(
                len(m["competences"]) for m in modules
            )
            assert set(db.session.scalars(select(Quiz.version))) == {1}
        second = fresh.test_cli_runner().invoke(args=["content", "load"])
        assert second.exit_code == 0, second.output
        assert "courses changed: 0" in second.output and "Nothing changed." in second.output
        with fresh.app_context():
            assert _counts() == loaded
    finally:
        # Celery(...) made the fresh app's Celery both the default and this thread's current
        # app; shared tasks would otherwise keep running against the fresh database.
        app.extensions["celery"].set_current()
        app.extensions["celery"].set_default()
        with fresh.app_context():
            db.engine.dispose()


def _copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def test_broken_gift_and_yaml_name_file_and_line_and_change_nothing(app, tmp_path):
    content = _copy(tmp_path)
    course = content / "courses" / "phishing-and-account-security"
    gift = course / "01-spotting-phishing.gift"
    lines = gift.read_text().splitlines()
    lines.insert(2, "::Broken:: An unclosed question {=yes ~no")
    gift.write_text("\n".join(lines) + "\n")
    yaml_file = course / "course.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("level: Basic", "level: Expert", 1))
    with app.app_context():
        before = _counts()
    result = app.test_cli_runner().invoke(args=["content", "load", "--dir", str(content)])
    assert result.exit_code != 0
    assert "nothing was loaded" in result.output
    assert "content/courses/phishing-and-account-security/01-spotting-phishing.gift, line 3" in (
        result.output
    )
    assert "content/courses/phishing-and-account-security/course.yaml, line" in result.output
    assert "unknown level 'Expert'" in result.output
    with app.app_context():
        assert _counts() == before


def test_changed_quiz_gets_a_new_version_and_old_attempts_stay_pinned(app, tmp_path):
    content = _copy(tmp_path)
    course = content / "courses" / "phishing-and-account-security"
    yaml_file = course / "course.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("pass_mark: 80", "pass_mark: 85", 1))
    with app.app_context():
        module = db.session.scalar(
            select(Module)
            .join(Course)
            .where(Course.slug == "phishing-and-account-security")
            .order_by(Module.position)
        )
        old = db.session.scalar(
            select(Quiz).where(Quiz.module_id == module.id, Quiz.is_current.is_(True))
        )
        old_id, old_version = old.id, old.version
    try:
        result = app.test_cli_runner().invoke(args=["content", "load", "--dir", str(content)])
        assert result.exit_code == 0, result.output
        with app.app_context():
            current = db.session.scalar(
                select(Quiz).where(Quiz.module_id == module.id, Quiz.is_current.is_(True))
            )
            assert current.version == old_version + 1 and str(current.pass_mark) == "85.000"
            assert db.session.get(Quiz, old_id).is_current is False
    finally:  # put the session's content back for the other tests
        result = app.test_cli_runner().invoke(args=["content", "load", "--dir", str(CONTENT_DIR)])
        assert result.exit_code == 0, result.output


def test_a_module_bank_is_drawn_at_random_and_follows_its_file(app, tmp_path):
    """questions_per_attempt (issue 12): the GIFT file's questions go to the module's category
    of the `content` bank; an attempt draws that many, a second attempt those not yet shown;
    a question taken out of the file is retired and the quiz gets a new version."""
    from learnhub.questionbank.models import Question
    from learnhub.quizzes import services as quizzes
    from learnhub.quizzes.content_loader import CONTENT_BANK
    from learnhub.quizzes.layout import attempt_questions
    from tests.factories import EmployeeFactory

    path = "phishing-and-account-security/spotting-phishing"
    with app.app_context():
        module = db.session.scalar(
            select(Module)
            .join(Course)
            .where(
                Course.slug == "phishing-and-account-security", Module.slug == "spotting-phishing"
            )
        )
        quiz = db.session.scalar(
            select(Quiz).where(Quiz.module_id == module.id, Quiz.is_current.is_(True))
        )
        assert quiz.questions == [] and quiz.draw_rules == [
            {"bank": CONTENT_BANK, "category": path, "count": 6, "subcategories": False}
        ]
        me = EmployeeFactory()
        first = quizzes.start_attempt(quiz.id, me.id)
        shown = {q.id for q in attempt_questions(first)}
        quizzes.submit_attempt(first, {})
        second = quizzes.start_attempt(quiz.id, me.id)
        assert len(shown) == 6 and shown.isdisjoint(q.id for q in attempt_questions(second))
        old_version, module_id = quiz.version, module.id
        db.session.commit()

    content = _copy(tmp_path)
    gift = content / "courses" / "phishing-and-account-security" / "01-spotting-phishing.gift"
    text = gift.read_text(encoding="utf-8")
    # the whole block, with the comment above the question (its competence tag)
    start = text.rfind("\n\n", 0, text.index("::Good spelling means safe::")) + 2
    gift.write_text(text[:start] + text[text.index("\n\n", start) + 2 :], encoding="utf-8")
    try:
        result = app.test_cli_runner().invoke(args=["content", "load", "--dir", str(content)])
        assert result.exit_code == 0, result.output
        with app.app_context():
            current = db.session.scalar(
                select(Quiz).where(Quiz.module_id == module_id, Quiz.is_current.is_(True))
            )
            assert current.version > old_version  # a new version (numbers may skip)
            names = dict(
                db.session.execute(
                    select(Question.name, Question.retired_at).where(Question.bank_id.is_not(None))
                ).all()
            )
            assert names["Good spelling means safe"] is not None  # retired, kept for attempts
            assert names["New bank details"] is None
        again = app.test_cli_runner().invoke(args=["content", "load", "--dir", str(content)])
        assert "courses changed: 0" in again.output and "Nothing changed." in again.output
    finally:  # put the session's content back for the other tests
        result = app.test_cli_runner().invoke(args=["content", "load", "--dir", str(CONTENT_DIR)])
        assert result.exit_code == 0, result.output
