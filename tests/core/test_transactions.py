"""The one transaction mechanism (learnhub.core.transactions): callbacks after and before the
commit, and one commit point per request, per Celery task and per CLI command."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from flask import Flask
from sqlalchemy import event, select

from learnhub.app import create_app
from learnhub.core.audit import AuditEvent, audit
from learnhub.core.errors import Conflict
from learnhub.core.transactions import (
    CommandGroup,
    after_commit,
    before_commit,
    queue_after_commit,
)
from learnhub.extensions import db


class KeptConflict(Conflict):
    """A refusal after work that must stay (like quizzes' TimeUp)."""

    keep_changes = True


def _actions(app: Flask) -> list[str]:
    """The audit actions committed so far, read through a session of its own."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def commits() -> Iterator[list[bool]]:
    """One entry per commit of any session of ``db``: True for a released SAVEPOINT."""
    seen: list[bool] = []

    def count(session) -> None:
        seen.append(session.in_nested_transaction())

    event.listen(db.session, "after_commit", count)
    yield seen
    event.remove(db.session, "after_commit", count)


def test_after_commit_runs_once_after_the_outer_commit_not_after_a_savepoint(app_ctx):
    ran: list[str] = []
    with db.session.begin_nested():
        after_commit(lambda: ran.append("inner"))
    assert ran == []  # the SAVEPOINT was released; the transaction is still open
    after_commit(lambda: ran.append("outer"))
    assert ran == []
    db.session.commit()
    assert ran == ["inner", "outer"]
    db.session.commit()
    assert ran == ["inner", "outer"]  # once


def test_after_commit_is_dropped_on_rollback_and_with_its_savepoint(app_ctx):
    ran: list[str] = []
    after_commit(lambda: ran.append("rolled back"))
    db.session.rollback()
    db.session.commit()
    assert ran == []

    after_commit(lambda: ran.append("kept"))
    with pytest.raises(RuntimeError), db.session.begin_nested():
        after_commit(lambda: ran.append("in the failed savepoint"))
        raise RuntimeError
    with db.session.begin_nested(), db.session.begin_nested():
        after_commit(lambda: ran.append("released twice"))
    db.session.commit()
    assert ran == ["kept", "released twice"]


def test_a_keyed_callback_is_registered_once_per_transaction(app_ctx):
    ran: list[set[int]] = []

    class Collect:
        def __init__(self) -> None:
            self.ids: set[int] = set()

        def __call__(self) -> None:
            ran.append(self.ids)

    after_commit(Collect(), key="collect").ids.add(1)
    after_commit(Collect(), key="collect").ids.add(2)
    db.session.commit()
    after_commit(Collect(), key="collect").ids.add(3)
    db.session.commit()
    assert ran == [{1, 2}, {3}]


def test_before_commit_work_is_committed_with_the_transaction(app, app_ctx):
    before_commit(lambda: audit("probe.before_commit"))
    assert _actions(app) == []
    db.session.commit()
    assert _actions(app) == ["probe.before_commit"]
    before_commit(lambda: audit("probe.rolled_back"))
    db.session.rollback()
    db.session.commit()
    assert _actions(app) == ["probe.before_commit"]


def test_a_task_that_cannot_be_queued_is_logged_and_raised_under_testing(app, app_ctx, caplog):
    class Unqueueable:
        name = "probe.unqueueable"

        def delay(self, **kwargs: object) -> None:
            raise ConnectionError("broker down")

    audit("probe.change")
    queue_after_commit(Unqueueable(), employee_id=7)
    with pytest.raises(ConnectionError):
        db.session.commit()
    assert _actions(app) == ["probe.change"]  # the change itself is committed
    assert "queue probe.unqueueable({'employee_id': 7}) failed" in caplog.text


@pytest.fixture(scope="module")
def probe_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """An app on the test database with views, a task and CLI commands that write an audit
    event and then succeed or fail in each way a request, task or command can."""
    probe = create_app(
        {
            "TESTING": True,
            # answer 500 as in production instead of raising into the test
            "PROPAGATE_EXCEPTIONS": False,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
        }
    )

    def write(name: str) -> None:
        audit(name)
        db.session.flush()

    @probe.get("/probe/<outcome>")
    def view(outcome: str):
        write(f"view.{outcome}")
        if outcome == "conflict":
            raise Conflict("refused")
        if outcome == "kept":
            raise KeptConflict("refused after a change that stays")
        if outcome == "crash":
            raise RuntimeError("bug")
        if outcome == "unauthorised":
            return "wrong password", 401  # answered, not raised: kept
        if outcome == "streamed":
            return probe.response_class(iter(["a", "b"]), mimetype="text/plain")
        return "ok"

    celery = probe.extensions["celery"]

    @celery.task(name="probe.task")
    def task(outcome: str) -> str:
        write(f"task.{outcome}")
        with db.session.begin_nested():
            write(f"task.{outcome}.savepoint")
        if outcome == "fail":
            raise RuntimeError("bug")
        if outcome == "kept":
            raise KeptConflict("refused after a change that stays")
        return outcome

    group = CommandGroup("probe")

    @group.command("write")
    @click.option("--fail", is_flag=True)
    def command(fail: bool) -> None:
        write(f"cli.{'fail' if fail else 'ok'}")
        if fail:
            raise click.ClickException("refused")
        click.echo("written")

    probe.cli.add_command(group)
    probe.extensions["probe_task"] = task
    yield probe
    # the probe app's Celery became the default; give the other tests theirs back
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()
    with probe.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("outcome", "status", "kept"),
    [
        ("ok", 200, True),
        ("unauthorised", 401, True),
        ("streamed", 200, True),
        ("conflict", 409, False),
        ("kept", 409, True),
        ("crash", 500, False),
    ],
)
def test_a_request_commits_once_when_its_view_returns_and_never_when_it_raised(
    app, probe_app, commits, outcome, status, kept
):
    response = probe_app.test_client().get(f"/probe/{outcome}")
    assert response.status_code == status
    response.close()
    assert _actions(app) == ([f"view.{outcome}"] if kept else [])
    assert commits.count(False) == (1 if kept else 0)


def test_a_task_commits_its_work_once_and_nothing_when_it_fails(app, probe_app, commits):
    task = probe_app.extensions["probe_task"]
    assert task.delay("ok").get() == "ok"
    assert _actions(app) == ["task.ok", "task.ok.savepoint"]
    assert commits == [True, False]  # the savepoint's release, then the one commit

    commits.clear()
    with pytest.raises(RuntimeError):
        task.delay("fail")
    assert _actions(app) == ["task.ok", "task.ok.savepoint"]
    assert commits == [True]

    with pytest.raises(KeptConflict):
        task.delay("kept")
    assert _actions(app)[-2:] == ["task.kept", "task.kept.savepoint"]


def test_a_cli_command_commits_once_when_it_returns(app, probe_app, commits):
    runner = probe_app.test_cli_runner()
    failed = runner.invoke(args=["probe", "write", "--fail"])
    assert failed.exit_code == 1 and "refused" in failed.output
    assert _actions(app) == [] and commits == []
    done = runner.invoke(args=["probe", "write"])
    assert done.exit_code == 0 and "written" in done.output
    assert _actions(app) == ["cli.ok"] and commits == [False]
