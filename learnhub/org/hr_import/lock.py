"""One HR import at a time: the imports lock, held until the importing transaction ends.

Five imports of one file started together used to plan against the same database, and all but
one then failed on the unique employee number with a raw traceback (the data stayed right).
Each import now takes this lock before it reads anything, so the next one plans against what
the first committed (and finds nothing to change), or is refused at once with a clear message
(the API answers 409).

PostgreSQL: a transaction-level advisory lock, like the team-summaries lock of
:mod:`learnhub.skills.recompute`. SQLite: a write that changes nothing takes the database's
write lock, which serialises writers (a second one waits the driver's busy timeout, then is
refused).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from learnhub.core.errors import Conflict
from learnhub.extensions import db

#: the imports lock: one PostgreSQL advisory lock key (a 64-bit number no other code uses)
LOCK_KEY = 7_310_221_404_113_001


class ImportRunning(Conflict):
    """Another HR import holds the lock (HTTP 409)."""

    def __init__(self) -> None:
        super().__init__(
            "Another HR import is running; nothing was imported. Try again when it has "
            "finished (the next import plans against what it committed)."
        )


def lock_imports(*, wait: bool = True) -> None:
    """Take the imports lock for the current transaction of ``db.session``. ``wait``: block
    until the running import ends (the CLI); otherwise raise :class:`ImportRunning` at once
    (the API). On SQLite a second writer waits the driver's busy timeout either way, then
    gets ImportRunning."""
    if db.session.get_bind().dialect.name == "postgresql":
        if wait:
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        elif not db.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY}
        ):
            raise ImportRunning()
        return
    try:
        db.session.execute(text("UPDATE import_profiles SET id = id WHERE 0 = 1"))
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        raise ImportRunning() from error
