"""One form, one result: the token that keeps a double-clicked "Assign" from creating two
assignments.

A form that creates assignments carries a random token (:func:`new_token`, put in a hidden
field when the form is shown). The view claims it (:func:`claim`) in the same transaction as
the assignments it creates, and records their ids on it (:func:`record`). A second submit of
the same form finds the token taken and answers with the first one's assignments instead of
creating more. Two submits racing each other meet on the token's primary key: on PostgreSQL
the second INSERT waits for the first transaction and then fails (unique violation), on SQLite
the write lock orders them the same way; either way the second sees the first's committed row.
A request that fails rolls its token back with everything else, so the form can be sent again.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnhub.assignments.models import TOKEN_LENGTH, SubmitToken
from learnhub.extensions import db

__all__ = ["TOKEN_LENGTH", "SubmitToken", "claim", "new_token", "record"]


def new_token() -> str:
    """A fresh random token for a form (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def claim(owner: str, token: str) -> SubmitToken | None:
    """Take ``token`` for ``owner`` in the current transaction: None when it was free (the
    caller goes on and creates), else the earlier submit's row (its ``assignment_ids`` are
    what that submit created). Call it before the request writes anything else: when a
    concurrent submit of the same token wins the race, the INSERT fails and the whole
    transaction is rolled back (no SAVEPOINT: pysqlite opens none reliably before a first
    write) before the winner's row is read."""
    earlier = _find(owner, token)
    if earlier is not None:
        return earlier
    try:
        db.session.add(SubmitToken(owner=owner, token=token, assignment_ids=[]))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return _find(owner, token)
    return None


def _find(owner: str, token: str) -> SubmitToken | None:
    return db.session.scalar(
        select(SubmitToken)
        .where(SubmitToken.owner == owner, SubmitToken.token == token)
        .execution_options(populate_existing=True)
    )


def record(owner: str, token: str, assignment_ids: list[int]) -> None:
    """Store the ids of the assignments the submit holding ``token`` created (flushes)."""
    row = db.session.get(SubmitToken, (owner, token))
    if row is not None:
        row.assignment_ids = sorted(assignment_ids)
        db.session.flush()
