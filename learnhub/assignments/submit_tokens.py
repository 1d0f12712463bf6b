"""One form, one result: the token that keeps a double-clicked "Assign" from creating two
assignments.

A form that creates assignments carries a random token (:func:`new_token`, put in a hidden
field when the form is shown). The view :func:`claim`\\ s it in the same transaction as the
assignments it creates, and :func:`record`\\ s their ids on it. A second submit of the same
form finds the token taken and answers with the first one's assignments instead of creating
more. Two submits racing each other meet on the token's primary key: on PostgreSQL the second
INSERT waits for the first transaction and then fails (unique violation), on SQLite the write
lock orders them the same way; either way the second sees the first's committed row.
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
    what that submit created). Flushes inside a SAVEPOINT so a taken token leaves the rest of
    the transaction usable."""
    try:
        with db.session.begin_nested():
            db.session.add(SubmitToken(owner=owner, token=token, assignment_ids=[]))
            db.session.flush()
    except IntegrityError:
        pass
    else:
        return None
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
