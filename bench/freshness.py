"""Chain freshness under a stated load: the optional last phase of ``bench/team_summaries.py``
(``--load-seconds N --rate R``).

On the bench database, with one real ``celery -A workers worker`` (prefork, concurrency 2) on
Redis (LEARNHUB_REDIS_URL, default ``redis://127.0.0.1:6379/5``, flushed first), it commits about
``rate`` new pieces of counting evidence a second for ``seconds`` seconds, each in its own
transaction through the services a passed quiz uses (``record_evidence``, which records the
recompute request; the commit's after-commit hook wakes the worker through Redis).

A poller thread on its own connection reads, every POLL seconds, the pending recompute requests,
every manager's oldest ``team_summaries.computed_at`` (over frameworks) and the holders of the
summaries advisory lock. A commit is *fresh* at the first poll (its end time, an upper bound)
where its own request row is gone (deleted in the transaction that stored the summaries it asked
for) and every manager of its chain has ``computed_at`` at or after the moment ``commit()`` was
called. Its freshness is that poll's time minus that moment (so it includes the commit itself).
``computed_at`` is the ``at`` of the recompute round, taken after the round claimed its
requests: a round that covered the commit has ``at`` after the start of ``commit()``, though
possibly before ``commit()`` returned (the after-commit hook's Redis call), which is why the start
is compared; and ``computed_at`` alone could pass a commit that landed between a round's claim
and its ``at``: the request-row condition closes that gap.

Printed: achieved commits/s, freshness p50/p95/max, full recomputes (the worker's
"all team summaries recomputed" log lines) and chain rounds, and the most transactions that held
the summaries lock at once (and waited for it) in any poll.
"""

from __future__ import annotations

import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
POLL = 0.05  # seconds between polls
DRAIN_TIMEOUT = 120.0  # seconds to wait, after the load, for the last commits to be fresh
#: the summaries lock's holders and waiters in this database (pg_locks spans the whole cluster)
LOCK_PARTS = """
SELECT pid, granted FROM pg_locks
WHERE locktype = 'advisory' AND classid = :high AND objid = :low AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


@dataclass
class Commit:
    """One committed piece of evidence: when its commit started (aware UTC), its request row's
    id, its manager chain."""

    at: datetime
    request_id: int
    chain: frozenset[int]
    fresh_after: float | None = None  # seconds from ``at`` to the first poll that saw it fresh


@dataclass
class Poller:
    """Polls freshness from its own connection until ``stop`` is set (see the module doc)."""

    url: str
    lock_key: int
    pending: list[Commit] = field(default_factory=list)
    mutex: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    max_holders: int = 0
    max_waiters: int = 0
    polls: int = 0
    first: float = 0.0  # monotonic time of the first poll
    last: float = 0.0  # and of the last

    def add(self, commit: Commit) -> None:
        with self.mutex:
            self.pending.append(commit)

    def run(self) -> None:
        engine = create_engine(self.url)
        key = {"high": self.lock_key >> 32, "low": self.lock_key & 0xFFFF_FFFF}
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                while not self.stop.is_set():
                    self._poll(conn, key)
                    time.sleep(POLL)
                self._poll(conn, key)
        finally:
            engine.dispose()

    def _poll(self, conn, key: dict[str, int]) -> None:
        locks = conn.execute(text(LOCK_PARTS), key).all()
        holders = sum(1 for lock in locks if lock.granted)
        waiters = len(locks) - holders
        requests = set(conn.scalars(text("SELECT id FROM recompute_requests")))
        computed = {
            m: _aware(at)
            for m, at in conn.execute(
                text("SELECT manager_id, min(computed_at) FROM team_summaries GROUP BY 1")
            )
        }
        seen = datetime.now(UTC)
        self.polls += 1
        self.last = time.monotonic()
        self.first = self.first or self.last
        self.max_holders = max(self.max_holders, holders)
        self.max_waiters = max(self.max_waiters, waiters)
        with self.mutex:
            still = []
            for commit in self.pending:
                if commit.request_id not in requests and all(
                    m in computed and computed[m] >= commit.at for m in commit.chain
                ):
                    commit.fresh_after = (seen - commit.at).total_seconds()
                else:
                    still.append(commit)
            self.pending = still

    def interval(self) -> float:
        """Mean seconds between polls (POLL plus a poll's own time)."""
        return (self.last - self.first) / max(1, self.polls - 1)

    def waiting(self) -> int:
        with self.mutex:
            return len(self.pending)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def start_worker(url: str, redis_url: str, log: Path) -> subprocess.Popen:
    """A ``celery -A workers worker`` (prefork, concurrency 2) on ``url`` and ``redis_url``,
    in its own session, once it logged "ready." (60 s at most; raises RuntimeError)."""
    env = os.environ | {
        "LEARNHUB_DATABASE_URL": url,
        "LEARNHUB_REDIS_URL": redis_url,
        "LEARNHUB_INSTANCE_PATH": tempfile.mkdtemp(prefix="learnhub-bench-worker-"),
        "LEARNHUB_CONTENT_DIR": str(ROOT / "content"),
        "LEARNHUB_SECRET_KEY": "bench-worker",
    }
    celery = Path(sys.executable).with_name("celery")
    with log.open("w") as handle:
        process = subprocess.Popen(
            [
                *(str(celery), "-A", "workers", "worker", "--concurrency", "2"),
                *("--loglevel", "INFO", "--without-gossip", "--without-mingle"),
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(process)
            raise RuntimeError("worker did not start:\n" + log.read_text())
        time.sleep(0.2)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    """SIGTERM to the worker's PID (a warm shutdown takes its pool children along); SIGKILL to
    its process group if it is still there after 30 s."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def chain_of(index: int, ids: list[int], fanout: int) -> frozenset[int]:
    """The managers above ``ids[index]`` in the bench tree (``i`` reports to ``(i-1)//fanout``)."""
    chain = []
    while index > 0:
        index = (index - 1) // fanout
        chain.append(ids[index])
    return frozenset(chain)


def run_load(
    url: str,
    ids: list[int],
    fanout: int,
    targets: list[tuple[int, int, int]],
    seconds: float,
    rate: float,
) -> None:
    """The load phase (module doc); ``targets`` are (employee id, competence id, target level)."""
    from learnhub.app import create_app
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.skills.models import EvidenceKind, RecomputeRequest
    from learnhub.skills.recompute import LOCK_KEY
    from learnhub.skills.services import record_evidence

    redis_url = os.environ.get("LEARNHUB_REDIS_URL", "redis://127.0.0.1:6379/5")
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    index = {e: i for i, e in enumerate(ids)}
    choices = [t for t in targets if index[t[0]] > 0]  # the top has no chain
    rng = random.Random(11)
    log = Path(os.environ["LEARNHUB_INSTANCE_PATH"]) / "load-worker.log"
    worker = start_worker(url, redis_url, log)
    poller = Poller(url, LOCK_KEY)
    thread = threading.Thread(target=poller.run, daemon=True)
    commits: list[Commit] = []
    try:
        # a web app configured like production: its wake-ups go to Redis, never run in-process
        os.environ["LEARNHUB_REDIS_URL"] = redis_url
        web = create_app({"SQLALCHEMY_DATABASE_URI": url})
        assert web.extensions["celery"].conf.task_always_eager is False
        thread.start()
        with web.app_context():
            started = time.monotonic()
            run = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            n = 0
            while (due := started + n / rate) < started + seconds:
                time.sleep(max(0.0, due - time.monotonic()))
                employee, competence, level = rng.choice(choices)
                record_evidence(
                    employee_id=employee,
                    competence_id=competence,
                    level=level,
                    kind=EvidenceKind.QUIZ_PASSED,
                    source=f"load:{run}:{n}",  # new on a reused database too
                )
                request_id = db.session.scalar(  # this transaction's request row
                    select(func.max(RecomputeRequest.id)).where(
                        RecomputeRequest.employee_id == employee
                    )
                )
                # before the commit: a round that claims the request after the commit sets its
                # computed_at after this, though maybe before commit() returns (its Redis call)
                at = utcnow()
                db.session.commit()  # the after-commit hook wakes the worker through Redis
                assert request_id is not None  # record_evidence recorded one
                commit = Commit(at, request_id, chain_of(index[employee], ids, fanout))
                commits.append(commit)
                poller.add(commit)
                n += 1
            elapsed = time.monotonic() - started
            db.session.remove()
            db.engine.dispose()
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while poller.waiting() and time.monotonic() < deadline:
            time.sleep(POLL)
    finally:
        poller.stop.set()
        if thread.is_alive():
            thread.join()
        stop_worker(worker)
        os.environ.pop("LEARNHUB_REDIS_URL", None)
    _report(commits, elapsed, seconds, rate, poller, log.read_text())


def _report(
    commits: list[Commit], elapsed: float, seconds: float, rate: float, poller: Poller, log: str
) -> None:
    fresh = sorted(c.fresh_after for c in commits if c.fresh_after is not None)
    chains = [len(c.chain) for c in commits]
    print(
        f"load: {len(commits)} evidence commits in {elapsed:.1f} s = "
        f"{len(commits) / elapsed:.1f} commits/s (asked: {rate:g}/s for {seconds:g} s), one "
        f"worker (prefork, concurrency 2) on Redis; chains of {min(chains)}-{max(chains)} "
        f"managers; load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}"
    )
    if fresh:
        p95 = fresh[min(len(fresh) - 1, int(0.95 * len(fresh)))]
        print(
            f"chain freshness under load (commit -> every manager of its chain stored after "
            f"it, polled every {1000 * poller.interval():.0f} ms on average): "
            f"p50 {statistics.median(fresh):.2f} s, "
            f"p95 {p95:.2f} s, max {fresh[-1]:.2f} s over {len(fresh)} commits"
            + (
                f"; {len(commits) - len(fresh)} NOT fresh in time"
                if len(fresh) < len(commits)
                else ""
            )
            + " (goal: p95 within 2 s)"
        )
    else:
        print("chain freshness under load: no commit became fresh in time")
    rounds = [int(n) for n in re.findall(r"team summaries recomputed for (\d+) managers", log)]
    print(
        f"recomputes during the load: {log.count('all team summaries recomputed')} full, "
        f"{len(rounds)} chain rounds"
        + (
            f" (managers a round: median {statistics.median(rounds):g}, max {max(rounds)})"
            if rounds
            else ""
        )
        + "; at most "
        f"{poller.max_holders} holding the summaries lock at once ({poller.max_waiters} "
        f"waiting for it) over {poller.polls} polls (goal: never two)"
    )
