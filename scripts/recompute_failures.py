"""Reproduce the ways a team-summary recompute gets lost, on PostgreSQL + Redis + a real worker.

Prints figures; asserts nothing. Every scenario starts from correct summaries, makes quiz passes
through the JSON API of a web app configured like production (tasks go to Redis), lets the
worker run, then counts the stored summaries that differ from a recompute from scratch
(``compute_summary``):

- ``kill``: a worker (``celery -A workers worker --pool solo``) is killed with SIGKILL while a
  recompute's transaction is open (the script holds ``LOCK TABLE team_summaries`` so the
  recompute blocks on its first summary write, then kills it), N times, one pass each; a fresh
  worker is started after each kill;
- ``flush``: passes are made while no worker runs, then Redis loses everything (FLUSHDB, as a
  restart without persistence would), then a worker starts;
- ``redis-down``: passes are made while the web app's Redis is unreachable, then a worker runs;
- ``concurrent``: the summaries table is emptied and two recomputes of overlapping chains run at
  once on a worker with two processes, T times; failed tasks are counted from the worker log.

Run it from any checkout (``--tree`` picks the code to test; the default is this one)::

    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lh_h7_kill \\
    LEARNHUB_BENCH_REDIS_URL=redis://127.0.0.1:6379/9 \\
    .venv/bin/python scripts/recompute_failures.py [--kills 20] [--tree ../base]

The database's public schema is dropped and recreated and the Redis database flushed: never point
them at data you keep.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_TREE = Path(__file__).resolve().parent.parent
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there


def use(app) -> None:
    """Make ``app``'s Celery the one task proxies (``task.delay``) send through."""
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--flush-passes", type=int, default=5)
    parser.add_argument("--down-passes", type=int, default=5)
    parser.add_argument("--concurrent-trials", type=int, default=10)
    parser.add_argument("--settle", type=float, default=30.0, help="longest wait, seconds")
    args = parser.parse_args()
    tree = args.tree.resolve()
    sys.path.insert(0, str(tree))  # the code under test, before the installed checkout
    os.environ["PYTHONPATH"] = str(tree)
    database_url = os.environ.get("LEARNHUB_BENCH_DATABASE_URL", "")
    redis_url = os.environ.get("LEARNHUB_BENCH_REDIS_URL", "")
    if not database_url.startswith("postgresql") or not redis_url:
        sys.exit("set LEARNHUB_BENCH_DATABASE_URL (PostgreSQL) and LEARNHUB_BENCH_REDIS_URL")
    run = Run(tree, database_url, redis_url, args.settle)
    try:
        print(f"code under test: {tree} ({run.git_head()})")
        run.prepare()
        results = {
            "kill": run.scenario_kill(args.kills),
            "flush": run.scenario_flush(args.flush_passes),
            "redis-down": run.scenario_redis_down(args.down_passes),
            "concurrent": run.scenario_concurrent(args.concurrent_trials),
            "sign-in": run.scenario_sign_in_redis_down(),
        }
    finally:
        run.close()
    print("\nsummary (stale = stored summary differs from a recompute from scratch):")
    for name, line in results.items():
        print(f"  {name:<11} {line}")


class Run:
    def __init__(self, tree: Path, database_url: str, redis_url: str, settle: float) -> None:
        self.tree, self.database_url, self.redis_url, self.settle = (
            tree,
            database_url,
            redis_url,
            settle,
        )
        self.tmp = Path(tempfile.mkdtemp(prefix="learnhub-recompute-"))
        os.environ["LEARNHUB_INSTANCE_PATH"] = str(self.tmp)
        os.environ.pop("LEARNHUB_REDIS_URL", None)
        self.worker: subprocess.Popen | None = None
        self.worker_logs = 0
        self.candidates: list[tuple[str, int, int, int, int]] = []

    def git_head(self) -> str:
        return subprocess.run(
            ["git", "-C", str(self.tree), "log", "--oneline", "-1"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()[:60]

    # --- set-up -------------------------------------------------------------------------
    def prepare(self) -> None:
        import redis
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        redis.Redis.from_url(self.redis_url).flushdb()

        from flask_migrate import upgrade

        from learnhub.app import create_app
        from learnhub.catalog.loader import load_content
        from learnhub.demo import seed
        from learnhub.extensions import db

        overrides = {
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "LEARNHUB_PASSWORD_METHOD": "pbkdf2:sha256:1000",
            "LEARNHUB_LOGIN_RATE_LIMIT": "10000 per minute",
            "LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT": "10000 per minute",
        }
        # the reference app: no broker, so its tasks run in-process (the seed's recompute)
        self.local = create_app(dict(overrides))
        with self.local.app_context():
            upgrade()
            load_content(self.tree / "content")
            db.session.commit()
            seed(self.tree / "content" / "demo" / "organisation.csv")
            db.session.commit()
            self.candidates = self._candidates()
        self.local.extensions["celery"].set_default()
        # the web app as in production: tasks go to Redis. The rate limiter is one object
        # shared by every app of the process, so its store stays in memory here; the sign-in
        # with the limiter's Redis down is tried last, on an app of its own.
        overrides["RATELIMIT_STORAGE_URI"] = "memory://"
        os.environ["LEARNHUB_REDIS_URL"] = self.redis_url
        self.web = create_app(dict(overrides))
        os.environ["LEARNHUB_REDIS_URL"] = DEAD_REDIS
        self.web_down = create_app(dict(overrides))
        os.environ.pop("LEARNHUB_REDIS_URL")
        self.overrides = overrides
        self.lock_engine = create_engine(self.database_url)
        stale, total = self.stale()
        print(
            f"demo seeded: {total} stored summaries, {stale} stale; {len(self.candidates)} passes"
        )

    def _candidates(self) -> list[tuple[str, int, int, int, int]]:
        """(email, employee id, quiz id, competence id, level): passes of a quiz that gives
        evidence for a competence the learner's job role targets, round-robin over learners."""
        from sqlalchemy import select

        from learnhub.catalog.models import ModuleCompetence
        from learnhub.extensions import db
        from learnhub.org.models import Employee
        from learnhub.quizzes.models import Quiz
        from learnhub.skills.services import frameworks_with_profiles, targets_query

        framework = frameworks_with_profiles()[0]
        people = db.session.execute(
            select(Employee.id, Employee.email).where(Employee.manager_id.is_not(None))
        ).all()
        quizzes = db.session.execute(
            select(ModuleCompetence.competence_id, ModuleCompetence.level_number, Quiz.id)
            .join(Quiz, Quiz.module_id == ModuleCompetence.module_id)
            .where(Quiz.is_current.is_(True))
            .order_by(Quiz.id)
        ).all()
        per_person = []
        for employee_id, email in people:
            targets = {
                c for _e, c, _t in db.session.execute(targets_query([employee_id], framework.id))
            }
            per_person.append(
                [(email, employee_id, q, c, lvl) for c, lvl, q in quizzes if c in targets]
            )
        pairs, seen = [], set()
        while any(per_person):
            for options in per_person:
                while options:
                    pair = options.pop(0)
                    if pair[:3] not in seen:
                        seen.add(pair[:3])
                        pairs.append(pair)
                        break
        return pairs

    def _raises_level(self, employee_id: int, competence_id: int, level: int) -> bool:
        from learnhub.extensions import db
        from learnhub.skills.services import attained_levels

        with self.local.app_context():
            attained = attained_levels([employee_id]).get((employee_id, competence_id), 0)
            db.session.rollback()
        return attained < level

    # --- actions ------------------------------------------------------------------------
    def pass_quiz(self, app) -> bool:
        """One learner passes one quiz through the JSON API; True when it passed."""
        from tests.conftest import sign_in
        from tests.journeys.helpers import api_answers

        use(app)
        while self.candidates:
            email, employee_id, quiz_id, competence_id, level = self.candidates.pop(0)
            if not self._raises_level(employee_id, competence_id, level):
                continue  # the learner already has that level: no summary would change
            client = app.test_client()
            headers = {"X-CSRFToken": sign_in(client, email)}
            attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers)
            if attempt.status_code not in (200, 201):
                continue
            attempt_id = attempt.get_json()["id"]
            result = client.post(
                f"/api/v1/attempts/{attempt_id}/submit",
                json={"responses": api_answers(app, attempt_id)},
                headers=headers,
            ).get_json()
            if result.get("result", {}).get("passed"):
                return True
        sys.exit("ran out of (learner, quiz) pairs")

    def start_worker(self, concurrency: int = 0) -> None:
        """A worker with an embedded beat, as production runs one (beat sweeps recompute
        requests every LEARNHUB_RECOMPUTE_SWEEP_SECONDS where the code has a sweep)."""
        self.stop_worker()
        env = os.environ | {
            "LEARNHUB_RECOMPUTE_SWEEP_SECONDS": "5",
            "LEARNHUB_DATABASE_URL": self.database_url,
            "LEARNHUB_REDIS_URL": self.redis_url,
            "LEARNHUB_SECRET_KEY": "recompute-failures",
            "LEARNHUB_CONTENT_DIR": str(self.tree / "content"),
            "PYTHONPATH": str(self.tree),
        }
        pool = ["--pool", "solo"] if not concurrency else ["--concurrency", str(concurrency)]
        self.worker_logs += 1
        self.log = self.tmp / f"worker-{self.worker_logs}.log"
        handle = self.log.open("w")
        celery = Path(sys.executable).with_name("celery")
        beat = ["--beat", "--schedule", str(self.tmp / f"beat-{self.worker_logs}")]
        self.worker = subprocess.Popen(
            [
                str(celery),
                "-A",
                "workers",
                "worker",
                *pool,
                *beat,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=self.tree,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.log.read_text():
            if self.worker.poll() is not None or time.monotonic() > deadline:
                sys.exit("worker did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.2)

    def kill_worker(self) -> None:
        if self.worker is not None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait()
            self.worker = None

    def stop_worker(self) -> None:
        if self.worker is not None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_worker()
            self.worker = None

    def wait_blocked(self, lock_pid: int, timeout: float = 20.0) -> bool:
        """Wait until a backend other than ours waits for a lock (the recompute's write)."""
        from sqlalchemy import text

        deadline = time.monotonic() + timeout
        with self.lock_engine.connect() as probe:
            while time.monotonic() < deadline:
                waiting = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND pid <> :pid"
                    ),
                    {"pid": lock_pid},
                ).scalar()
                probe.commit()
                if waiting:
                    return True
                time.sleep(0.1)
        return False

    def settle_down(self) -> None:
        """Wait until no recompute is pending or running (at least a few seconds)."""
        from sqlalchemy import inspect, text

        time.sleep(3)
        deadline = time.monotonic() + self.settle
        with self.lock_engine.connect() as probe:
            has_table = inspect(probe).has_table("recompute_requests")
            while time.monotonic() < deadline:
                pending = (
                    probe.execute(text("SELECT count(*) FROM recompute_requests")).scalar()
                    if has_table
                    else 0
                )
                busy = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state <> 'idle' AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                probe.commit()
                if not pending and not busy:
                    return
                time.sleep(0.5)

    def stale(self, only: set[int] | None = None) -> tuple[int, int]:
        """(stale, total): stored summaries that differ from a recompute from scratch (a
        manager without a stored summary counts as stale), and how many managers there are
        (of ``only`` when given)."""
        from sqlalchemy import select

        from learnhub.extensions import db
        from learnhub.org.services import all_manager_ids
        from learnhub.skills.models import TeamSummary
        from learnhub.skills.services import frameworks_with_profiles
        from learnhub.skills.summaries import compute_summary

        with self.local.app_context():
            stale = total = 0
            for framework in frameworks_with_profiles():
                stored = {
                    s.manager_id: s.data
                    for s in db.session.scalars(
                        select(TeamSummary).where(TeamSummary.framework_id == framework.id)
                    )
                }
                for manager_id in all_manager_ids():
                    if only is not None and manager_id not in only:
                        continue
                    total += 1
                    fresh = compute_summary(manager_id, framework)
                    stale += stored.get(manager_id) != fresh
            db.session.rollback()
            return stale, total

    def repair(self) -> None:
        from learnhub.extensions import db
        from learnhub.skills.rollup import store_all_summaries

        with self.local.app_context():
            store_all_summaries()
            db.session.commit()

    def task_outcomes(self) -> tuple[int, int]:
        """(failed, retried) tasks in the current worker's log."""
        text = self.log.read_text()
        return text.count("raised unexpected"), text.count("Retry in")

    # --- scenarios ----------------------------------------------------------------------
    def scenario_kill(self, kills: int) -> str:
        from sqlalchemy import text

        self.start_worker()
        done = 0
        for _round in range(kills):
            with self.lock_engine.connect() as lock:
                lock.execute(text("LOCK TABLE team_summaries IN EXCLUSIVE MODE"))
                lock_pid = lock.execute(text("SELECT pg_backend_pid()")).scalar()
                self.pass_quiz(self.web)
                blocked = self.wait_blocked(lock_pid)
                if blocked:
                    self.kill_worker()
                    done += 1
                lock.rollback()
            if self.worker is None:
                self.start_worker()
        self.settle_down()
        self.stop_worker()
        stale, total = self.stale()
        line = f"{done} kills mid-recompute: {stale} of {total} summaries stale"
        print(line)
        self.repair()
        return line

    def scenario_flush(self, passes: int) -> str:
        import redis

        for _ in range(passes):
            self.pass_quiz(self.web)  # queued in Redis; no worker runs
        redis.Redis.from_url(self.redis_url).flushdb()  # Redis restarted without its data
        self.start_worker()
        self.settle_down()
        self.stop_worker()
        stale, total = self.stale()
        line = f"{passes} passes queued, Redis flushed: {stale} of {total} summaries stale"
        print(line)
        self.repair()
        return line

    def scenario_redis_down(self, passes: int) -> str:
        saved = 0
        for _ in range(passes):
            try:
                saved += self.pass_quiz(self.web_down)
            except Exception as error:  # the request itself failed
                print(f"  pass with Redis down failed: {type(error).__name__}: {error}"[:200])
        self.start_worker()
        self.settle_down()
        self.stop_worker()
        stale, total = self.stale()
        line = f"{saved} of {passes} passes saved with Redis down: {stale} of {total} stale"
        print(line)
        self.repair()
        return line

    def scenario_concurrent(self, trials: int) -> str:
        from sqlalchemy import select, text

        from learnhub.extensions import db
        from learnhub.org.models import Employee

        with self.local.app_context():
            leaves = list(
                db.session.scalars(
                    select(Employee.id)
                    .where(
                        ~Employee.id.in_(
                            select(Employee.manager_id).where(Employee.manager_id.is_not(None))
                        )
                    )
                    .order_by(Employee.id)
                )
            )
        self.start_worker(concurrency=2)
        stale = total = 0
        for trial in range(trials):
            pair = [leaves[trial % len(leaves)], leaves[(trial + 7) % len(leaves)]]
            with self.local.app_context():
                from learnhub.org.services import manager_chain_ids

                chains = manager_chain_ids(pair)
                db.session.rollback()
            with self.lock_engine.begin() as connection:
                connection.execute(text("DELETE FROM team_summaries"))
            use(self.web)
            with self.web.app_context():
                from learnhub.skills.tasks import compute_team_summaries

                # two recomputes whose chains share the managers up to the director
                for leaf in pair:
                    compute_team_summaries.delay(employee_ids=[leaf])
            self.settle_down()
            trial_stale, trial_total = self.stale(only=chains)
            stale, total = stale + trial_stale, total + trial_total
        failed, retried = self.task_outcomes()
        self.stop_worker()
        line = (
            f"{trials} trials of two concurrent recomputes on an empty table: {failed} of "
            f"{2 * trials} tasks failed, {retried} retries; {stale} of {total} chain summaries "
            "stale or missing"
        )
        print(line)
        self.repair()
        return line

    def scenario_sign_in_redis_down(self) -> str:
        """Sign-in and /healthz of an app whose Redis (broker and rate-limit store) is down."""
        from learnhub.app import create_app

        os.environ["LEARNHUB_REDIS_URL"] = DEAD_REDIS
        overrides = {k: v for k, v in self.overrides.items() if k != "RATELIMIT_STORAGE_URI"}
        self.web_dead = create_app(overrides)
        os.environ.pop("LEARNHUB_REDIS_URL")
        client = self.web_dead.test_client()
        page = client.get("/sign-in")
        token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
        answer = client.post(
            "/sign-in",
            data={
                "email": "employee@example.org",
                "password": "learnhub-demo",
                "csrf_token": token,
            },
        )
        health = client.get("/healthz")
        line = (
            f"Redis down: sign-in answers {answer.status_code} (302 = signed in); /healthz "
            f"answers {health.status_code} {health.get_json()}"
        )
        print(line)
        return line

    def close(self) -> None:
        self.stop_worker()
        if not hasattr(self, "web"):
            return
        from learnhub.extensions import db

        for app in (self.local, self.web, self.web_down, getattr(self, "web_dead", self.local)):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        self.lock_engine.dispose()


if __name__ == "__main__":
    main()
