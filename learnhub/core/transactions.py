"""One transaction per request, per Celery task and per CLI command; work that waits for it.

The rule (as indico does it):

- **Services flush, never commit** (nor roll back). Views, API methods, tasks and CLI commands
  do not commit either: each has ONE commit point, here.
- **A request** commits once, after its view returned, whatever the status it answers (a
  refused sign-in answers 401 and still keeps its audit event); ``after_request`` does it, so a
  failed commit answers 500, never a success. When the view (or a ``before_request``) raised,
  the error handler calls :func:`end_after_error`: the work is rolled back, or committed first
  when the error's ``keep_changes`` is True (``TimeUp``: the attempt was closed, then the late
  answers refused). A 5xx answer never commits. A streamed body (exports) runs after the
  commit, in a new transaction that only reads.
- **A view that catches a DomainError** and answers anyway (a flash and a redirect) calls
  :func:`end_after_error` itself, so the service's half-done work does not reach the commit.
- **A Celery task** commits once when its body returns and rolls back when it raises
  (:class:`learnhub.core.tasks.FlaskTask` wraps it in :func:`unit_of_work`). A task that must
  keep each item apart (closing overdue attempts) gives each item a SAVEPOINT
  (``db.session.begin_nested()``). Two exceptions: the outbox drain commits after each batch
  SMTP accepted (:func:`learnhub.core.mail.send_pending`), since sent mail cannot be unsent;
  the team-summary recompute commits each round of requests it drained in its own
  :func:`unit_of_work` (``learnhub.skills.tasks``), so a killed worker loses one round at most.
- **A CLI command** of a :class:`CommandGroup` commits once when it returns and rolls back when
  it raises (``click.ClickException`` included). A dry run rolls back before it returns.
- **Work that needs the commit** (queue a Celery task, wake the outbox drain) is registered with
  :func:`after_commit` or :func:`queue_after_commit`: it runs once, after the outermost commit
  of the session, never after a SAVEPOINT is released, and is dropped when the transaction (or
  the SAVEPOINT it was registered in) rolls back. Work that must see the whole transaction just
  before it commits (invite everyone an import added who still has no password) is registered
  with :func:`before_commit`.

The session listeners are installed once, by :func:`init_app`, on the ``db`` session factory.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, Response, current_app, has_app_context
from flask.cli import AppGroup
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from learnhub.core.db import db

logger = logging.getLogger(__name__)

C = TypeVar("C", bound=Callable[[], object])

#: key in ``Session.info``: the callbacks waiting for this session's transaction
_STATE = "learnhub.transactions"


@dataclass
class _Entry:
    callback: Callable[[], object]
    key: Hashable | None
    #: the innermost SAVEPOINT open when it was registered (None: the transaction itself)
    savepoint: SessionTransaction | None


@dataclass
class _State:
    before: list[_Entry] = field(default_factory=list)
    after: list[_Entry] = field(default_factory=list)
    committed: bool = False


def _state(session: Session) -> _State:
    state = session.info.get(_STATE)
    if state is None:
        state = session.info[_STATE] = _State()
    return state


def _register(phase: str, callback: C, key: Hashable | None) -> C:
    session = db.session()
    if not session.in_transaction():  # it belongs to the transaction starting now
        session.begin()
    entries: list[_Entry] = getattr(_state(session), phase)
    if key is not None:
        for entry in entries:
            if entry.key == key:
                return entry.callback  # type: ignore[return-value]
    entries.append(_Entry(callback, key, session.get_nested_transaction()))
    return callback


def after_commit(callback: C, *, key: Hashable | None = None) -> C:
    """Run ``callback()`` once after the current transaction of ``db.session`` commits (the
    outermost commit: releasing a SAVEPOINT is not one); drop it if the transaction, or the
    SAVEPOINT open when it was registered, rolls back.

    With ``key``, a callback already registered under that key in this transaction is kept and
    returned instead (one recompute per commit, however many changes asked for one); otherwise
    ``callback`` is returned. The callback runs once the session is between transactions: it
    should queue work rather than use the session. If it raises, the error is logged and the
    other callbacks still run (the data is committed; a lost follow-up is redone by the nightly
    or periodic tasks); under ``TESTING`` the first error is raised after them.
    """
    return _register("after", callback, key)


def before_commit(callback: C, *, key: Hashable | None = None) -> C:
    """Run ``callback()`` once just before the current transaction commits, inside it (its
    changes are flushed and committed with it; if it raises, the commit fails). Dropped on
    rollback like :func:`after_commit`; ``key`` works the same way."""
    return _register("before", callback, key)


@dataclass
class _QueueTask:
    task: Any
    kwargs: dict[str, Any]

    def __call__(self) -> None:
        self.task.delay(**self.kwargs)

    def __repr__(self) -> str:
        return f"queue {self.task.name}({self.kwargs})"


def queue_after_commit(task: Any, /, *, key: Hashable | None = None, **kwargs: Any) -> None:
    """Queue the Celery ``task`` with ``kwargs`` (JSON values: ids, never ORM objects) after
    the current transaction commits, so the worker sees the committed data. Without a broker
    the task runs eagerly, in its own app context and session. ``key`` as in
    :func:`after_commit` (e.g. the task's name: one drain per commit). A failure to queue is
    logged (and raised under ``TESTING``); the change stays committed."""
    after_commit(_QueueTask(task, kwargs), key=key)


def _run(entries: list[_Entry], phase: str) -> None:
    first_error: Exception | None = None
    for entry in entries:
        try:
            entry.callback()
        except Exception as error:
            if phase == "before":
                raise  # inside the transaction: the commit fails with it
            logger.exception("after commit: %r failed", entry.callback)
            first_error = first_error or error
    if first_error is not None and has_app_context() and current_app.config.get("TESTING"):
        raise first_error


def _on_before_commit(session: Session) -> None:
    state = session.info.get(_STATE)
    if state is None or session.in_nested_transaction():  # nothing, or a SAVEPOINT released
        return
    while state.before:  # a callback may register more (invitations queue mail)
        entries, state.before = state.before, []
        _run(entries, "before")


def _enclosing_savepoint(transaction: SessionTransaction) -> SessionTransaction | None:
    parent = transaction.parent
    while parent is not None and not parent.nested:
        parent = parent.parent
    return parent


def _on_after_commit(session: Session) -> None:
    state = session.info.get(_STATE)
    if state is None:
        return
    released = session.get_nested_transaction()
    if released is None:  # the transaction itself: callbacks run once it has ended
        state.committed = True
        return
    # a released SAVEPOINT's callbacks now belong to the level around it
    outer = _enclosing_savepoint(released)
    for entry in state.before + state.after:
        if entry.savepoint is released:
            entry.savepoint = outer


def _on_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    state = session.info.get(_STATE)
    if state is None:
        return
    if transaction.nested:  # a SAVEPOINT rolled back (a released one has none left)
        state.before = [e for e in state.before if e.savepoint is not transaction]
        state.after = [e for e in state.after if e.savepoint is not transaction]
        return
    if transaction.parent is not None:  # an internal subtransaction (a flush)
        return
    committed, entries = state.committed, state.after
    session.info.pop(_STATE, None)
    if committed:
        _run(entries, "after")


def _install_listeners() -> None:
    # on the session factory of ``db``: every session it makes (one per app context)
    for name, listener in (
        ("before_commit", _on_before_commit),
        ("after_commit", _on_after_commit),
        ("after_transaction_end", _on_transaction_end),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def end_after_error(error: BaseException) -> None:
    """End the transaction of a unit of work that failed with ``error``: roll it back, or
    commit it when the error says the work done before it stays (``keep_changes``). A failed
    rollback (the database went away) is logged, never raised over ``error``."""
    if not db.session.registry.has():  # the database was never used
        return
    if getattr(error, "keep_changes", False):
        db.session.commit()
        return
    try:
        db.session.rollback()
    except Exception:
        logger.exception("rollback after %r failed", error)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit ``db.session`` once when the block ends normally; when it raises, end it with
    :func:`end_after_error` and re-raise. The commit point of tasks and CLI commands."""
    try:
        yield
    except BaseException as error:
        end_after_error(error)
        raise
    db.session.commit()


def _commit_request(response: Response) -> Response:
    if not db.session.registry.has():  # the request never used the database
        return response
    session = db.session()
    if not (session.in_transaction() or _STATE in session.info):  # nothing left to commit
        return response
    if response.status_code >= 500:
        db.session.rollback()
    else:
        db.session.commit()
    return response


def _rollback_unfinished(error: BaseException | None) -> None:
    # an exception no handler answered (TESTING propagates them): nothing of it is kept
    if error is not None and db.session.registry.has():
        db.session.rollback()


def init_app(app: Flask) -> None:
    """Install the session listeners (once per process) and the request's commit point."""
    _install_listeners()
    app.after_request(_commit_request)
    app.teardown_request(_rollback_unfinished)


class CommandGroup(AppGroup):
    """A click group whose commands run in the app context and in :func:`unit_of_work`: they
    commit once when they return and roll back when they raise. Subgroups are the same."""

    # click's Group.command also takes the function itself (``@group.command``); every LearnHub
    # command names itself (``@group.command("name")``), the one form wrapped here
    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable], Any]:  # type: ignore[override]
        register = super().command(*args, **kwargs)

        def decorator(f: Callable) -> Any:
            @functools.wraps(f)
            def in_one_transaction(*f_args: Any, **f_kwargs: Any) -> Any:
                with unit_of_work():
                    return f(*f_args, **f_kwargs)

            return register(in_one_transaction)

        return decorator

    def group(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", CommandGroup)
        return super().group(*args, **kwargs)
