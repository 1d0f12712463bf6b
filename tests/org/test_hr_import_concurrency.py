"""Five HR imports of one file at once: the losers used to end in a raw traceback (a unique
employee number taken under them). Now each waits for the imports lock and finds nothing left
to do, or, when told not to wait (the API), is refused with ImportRunning (409)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.hr_import.lock import ImportRunning
from learnhub.org.models import Employee
from tests.conftest import realdata

RUNS = 5


def _race(app, wait: bool) -> list[object]:
    data = realdata("hr", "oracle-hr-employees.csv").read_bytes()
    start = threading.Barrier(RUNS)
    outcomes: list[object] = [None] * RUNS

    def run(i: int) -> None:
        with app.app_context():
            try:
                start.wait()
                plan = plan_import(data, source="hr", wait=wait)
                summary = apply_import(plan)
                if i == 0 or not wait:
                    # hold the lock a little, so that the others really meet it
                    db.session.execute(select(func.count(Employee.id))).scalar()
                db.session.commit()
                outcomes[i] = summary
            except Exception as error:
                db.session.rollback()
                outcomes[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _people(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Employee.id)))


def test_concurrent_imports_of_one_file_wait_for_each_other(app):
    outcomes = _race(app, wait=True)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    added = sorted(o["added"] for o in outcomes)
    assert added == [0, 0, 0, 0, 107]  # one import added everyone; the others found them
    assert sorted(o["unchanged"] for o in outcomes) == [0, 107, 107, 107, 107]
    assert _people(app) == 107


def test_imports_that_must_not_wait_are_refused_with_409(app):
    outcomes = _race(app, wait=False)
    done = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, ImportRunning)]
    assert len(done) + len(refused) == RUNS, outcomes  # no other error, no traceback
    assert done, outcomes
    assert sum(o["added"] for o in done) == 107
    for error in refused:
        assert error.status_code == 409
        assert error.message.startswith("Another HR import is running; nothing was imported.")
    assert _people(app) == 107
