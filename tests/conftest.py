"""Shared fixtures: one migrated database per test session with the real content/ loaded,
emptied of people and learning records after every test (and of content rows a factory of
tests/factories.py made), and ``count_queries`` to pin how many SQL statements a block runs.

SQLite by default; PostgreSQL when LEARNHUB_TEST_DATABASE_URL is set. With
LEARNHUB_REQUIRE_SERVICES=1 (CI), a test that would skip for want of a service fails instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text, update

from learnhub.app import create_app
from learnhub.extensions import db
from learnhub.questionbank.models import Question
from learnhub.quizzes.models import Quiz

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REALDATA = PROJECT_ROOT.parent / "shared" / "realdata"
DEMO_PASSWORD = "learnhub-demo"
#: the real content/ unless a test run points elsewhere (e.g. a course being written)
CONTENT_DIR = Path(os.environ.get("LEARNHUB_TEST_CONTENT_DIR", PROJECT_ROOT / "content"))
DEMO_CSV = CONTENT_DIR / "demo" / "organisation.csv"

#: tables that hold content (kept for the whole session); everything else is emptied per test
CONTENT_TABLES = {
    "frameworks",
    "proficiency_levels",
    "level_mappings",
    "competence_areas",
    "competences",
    "competence_statements",
    "learning_outcomes",
    "glossary_terms",
    "target_profiles",
    "target_levels",
    "profile_job_codes",
    "courses",
    "course_files",
    "modules",
    "module_outcomes",
    "module_competences",
    "quizzes",
    "questions",
    "alembic_version",
}


def require_service(name: str, env: str) -> str:
    """The URL in ``env``, or skip saying why (fail under LEARNHUB_REQUIRE_SERVICES=1)."""
    url = os.environ.get(env)
    if url:
        return url
    message = f"{name} not configured: set {env} to run this test"
    if os.environ.get("LEARNHUB_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (LEARNHUB_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


def realdata(*parts: str) -> Path:
    """A file of ../shared/realdata; fails with the path when it is missing."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"real input file missing: {path} (tests read ../shared/realdata/)")
    return path


def _reset_database(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LEARNHUB_TEST_DATABASE_URL")
    if url:
        _reset_database(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'learnhub-test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    os.environ["LEARNHUB_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    os.environ.pop("LEARNHUB_REDIS_URL", None)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            # TRAPS.md: scrypt costs ~95 ms a hash; tests use a cheap method
            "LEARNHUB_PASSWORD_METHOD": "pbkdf2:sha256:1000",
            "LEARNHUB_LOGIN_RATE_LIMIT": "1000 per minute",
            "LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
            "LEARNHUB_LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT": "1000 per minute",
            "LEARNHUB_CONTENT_DIR": str(CONTENT_DIR),
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        from learnhub.catalog.loader import load_content

        upgrade()  # the schema comes from the migrations, as in production
        load_content(CONTENT_DIR)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        empty_tables()


def empty_tables() -> None:
    """Delete every row but content (CONTENT_TABLES, the content bank), and the content rows
    factories made; commit. Needs an app context."""
    db.session.rollback()
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in CONTENT_TABLES]
    for table in tables:
        if table.name == "employees":
            db.session.execute(table.update().values(manager_id=None))
        if table.name in ("question_categories", "question_banks"):
            _delete_banks_but_the_courses(table.name)
            continue
        db.session.execute(table.delete())
    _delete_factory_content()
    db.session.commit()


def _delete_banks_but_the_courses(table: str) -> None:
    """Bank questions are not content, except the ``content`` bank that `flask content load`
    fills from the courses' GIFT files (``questions_per_attempt``): that one stays."""
    from learnhub.quizzes.content_loader import CONTENT_BANK

    other = "SELECT id FROM question_banks WHERE name <> :content"
    params = {"content": CONTENT_BANK}
    if table == "question_categories":
        db.session.execute(text(f"DELETE FROM questions WHERE bank_id IN ({other})"), params)
        db.session.execute(
            text(f"DELETE FROM question_categories WHERE bank_id IN ({other})"), params
        )
    else:
        db.session.execute(text("DELETE FROM question_banks WHERE name <> :content"), params)


def _delete_factory_content() -> None:
    """Delete the content rows factories made in this test, newest first (ORM cascades take
    a quiz's questions and a module's competence mappings with them)."""
    from tests import factories

    for model, identity in reversed(factories.created_content):
        row = db.session.get(model, identity)
        if row is not None:
            db.session.delete(row)
            db.session.flush()
    factories.created_content.clear()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_from(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


def form_value(html: str, name: str) -> str:
    """The value of the form field ``name`` in ``html`` (whichever attribute comes first)."""
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert found, f"the form has a {name}"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the real form (with its CSRF token); return a CSRF token for API writes."""
    page = client.get("/sign-in")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return csrf_from(client.get("/").get_data(as_text=True))


@pytest.fixture
def demo(app: Flask, request: pytest.FixtureRequest) -> dict[str, int]:
    """The demo organisation (content/demo/organisation.csv), seeded by `flask demo seed`;
    returns the seed's counts. Seeded for real once per session, then put back from a
    snapshot when that writes the same rows (tests/demo_snapshot.py says when);
    ``@pytest.mark.fresh_seed`` asks for a real seed."""
    from tests import demo_snapshot

    fresh = request.node.get_closest_marker("fresh_seed") is not None
    with app.app_context():
        return demo_snapshot.demo_state(DEMO_CSV, CONTENT_TABLES, fresh=fresh)


#: statements count_queries leaves out: savepoints are how a service guards one insert
#: (``begin_nested``), not work the code asks of the database
_NOT_COUNTED = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@dataclass(repr=False)
class QueryCount:
    """What :func:`count_queries` saw: ``count`` statements, their SQL in ``statements``."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:  # the assertion message: every statement, numbered
        lines = (" ".join(sql.split())[:160] for sql in self.statements)
        return f"{self.count} statements:\n" + "\n".join(
            f"{n:3}. {line}" for n, line in enumerate(lines, 1)
        )


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], AbstractContextManager[QueryCount]]:
    """``with count_queries() as queries: …`` counts the SQL statements the engine executes
    inside the block (each ``cursor.execute``/``executemany`` once; SAVEPOINT, RELEASE and
    ROLLBACK TO SAVEPOINT not counted). Requests made by the test client inside the block are
    counted, and so are Celery tasks, which run eagerly in tests. Pin a hot path with
    ``assert queries.count == N, queries`` (the message lists the statements) and say in a
    comment what the N statements are."""
    with app.app_context():
        engine = db.engine

    @contextmanager
    def counter() -> Iterator[QueryCount]:
        seen = QueryCount()

        def before_cursor_execute(_conn, _cursor, statement: str, *_args: object) -> None:
            if not statement.lstrip().upper().startswith(_NOT_COUNTED):
                seen.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return counter


_QUIZ_COLUMNS = (
    "is_current",
    "pass_mark",
    "max_attempts",
    "grading_method",
    "review_policy",
    "feedback_after_fail",
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
        # one current version per module (a partial unique index, checked row by row): the
        # versions this test made stop being current (the factories' clean-up deletes them
        # later), then the snapshot's flags that fall, and only then those that rise
        db.session.execute(
            update(Quiz)
            .where(Quiz.id.not_in(quizzes), Quiz.is_current.is_(True))
            .values(is_current=False)
        )
        restored = list(db.session.scalars(select(Quiz).where(Quiz.id.in_(quizzes))))
        for quiz in restored:
            if quiz.is_current and not quizzes[quiz.id]["is_current"]:
                quiz.is_current = False
        db.session.flush()
        for quiz in restored:
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

    from tests.factories import QuizFactory
    from tests.journeys.helpers import first_module

    def make(gift: str = "", **settings: object) -> int:
        module_id, previous = first_module(app)
        with app.app_context():
            version = db.session.scalar(
                select(func.max(Quiz.version)).where(Quiz.module_id == module_id)
            )
            db.session.get(Quiz, previous).is_current = False
            db.session.flush()  # one current version per module: the old one stops first
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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the browser tests' screenshots of each page are (CI keeps the folder)."""
    from tests.browser.screenshots import FOLDER, taken

    if taken:
        terminalreporter.write_sep("-", "screenshots")
        terminalreporter.write_line(f"{len(taken)} screenshots of the pages visited: {FOLDER}/")
