"""Nothing is lost when a real worker is killed mid-recompute, when Redis loses the queued work,
or when Redis is down at commit: once a worker runs again, every stored summary equals a
recompute from scratch (issue: "team summaries that are never wrong"). PostgreSQL + Redis + real
``celery -A workers worker`` processes."""

from __future__ import annotations

import redis
from sqlalchemy import create_engine, text

from tests.journeys.helpers import pass_first_module_by_api
from tests.skills.conftest import pending_requests, stale_summaries, wait_until

#: a backend of the worker waiting for a lock on team_summaries
WAITING = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock' AND query ILIKE '%team_summaries%'"
)
#: pending requests no transaction holds (a recompute's DELETE locks the rows it claimed)
FREE = "SELECT count(*) FROM (SELECT id FROM recompute_requests FOR UPDATE SKIP LOCKED) AS free"


def test_a_worker_killed_mid_recompute_loses_nothing(
    app, demo, postgres, start_worker, production_web
):
    worker = start_worker()
    engine = create_engine(postgres)
    try:
        with engine.connect() as lock:
            # the recompute will block on its first summary write, its transaction open
            lock.execute(text("LOCK TABLE team_summaries IN EXCLUSIVE MODE"))
            assert pass_first_module_by_api(production_web)["result"]["passed"] is True
            # autocommit: pg_stat_activity is read once per transaction
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as probe:
                wait_until(lambda: probe.execute(text(WAITING)).scalar() == 1, "recompute blocked")
                # it has claimed the requests (one per competence the quiz shows): deleted in its
                # open transaction, so locked for others
                requests = pending_requests(app)
                assert requests >= 1 and probe.execute(text(FREE)).scalar() == 0
            worker.kill()  # SIGKILL, mid-transaction
            lock.rollback()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as probe:
            # the dead worker's transaction rolled back: the requests are pending again
            wait_until(lambda: probe.execute(text(FREE)).scalar() == requests, "released")
        assert pending_requests(app) == requests
        assert stale_summaries(app)  # the learner's chain is behind

        start_worker(beat=True)  # no new commit, no redelivery: beat's sweep finds the requests
        wait_until(lambda: pending_requests(app) == 0, "requests drained after the restart")
        assert stale_summaries(app) == []
    finally:
        engine.dispose()


def test_redis_losing_queued_work_loses_nothing(app, demo, redis_url, start_worker, production_web):
    # no worker runs: the wake-up waits in Redis, the request in the database
    assert pass_first_module_by_api(production_web)["result"]["passed"] is True
    assert pending_requests(app) >= 1
    redis.Redis.from_url(redis_url).flushdb()  # Redis restarted without its data
    assert stale_summaries(app)

    start_worker(beat=True)
    wait_until(lambda: pending_requests(app) == 0, "requests drained after Redis lost them")
    assert stale_summaries(app) == []


def test_redis_down_at_commit_loses_nothing(app, demo, redis_url, start_worker, make_web):
    from tests.auth.conftest import free_port

    down = make_web(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    # the pass is saved and answered; its wake-up fails (logged), its request is kept
    assert pass_first_module_by_api(down)["result"]["passed"] is True
    assert pending_requests(app) >= 1
    assert down.test_client().get("/healthz").get_json()["redis"].startswith("down")

    start_worker(beat=True)
    wait_until(lambda: pending_requests(app) == 0, "requests drained once Redis is back")
    assert stale_summaries(app) == []
