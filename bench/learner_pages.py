"""Benchmark: the learner's hot paths under load, against ``/healthz`` on the same server in the
same run (DESIGN.md: learner pages at 30% or more of a hello-world endpoint's throughput).

    .venv/bin/python bench/learner_pages.py --build [--employees 100000]   # once: the database
    .venv/bin/python bench/learner_pages.py [--tree base=/work/base --tree new=.] [--rounds 2]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_100k
    LEARNHUB_BENCH_REDIS_URL=redis://127.0.0.1:6379/8   (optional: without it tasks run eagerly)

``--build`` drops the database's public schema and builds an organisation of --employees people
(a reporting tree of --fanout, job roles with target profiles from content/roles/, an account
each, evidence for about a third of the targets) plus --pool learners who have passed the first
phishing module once. Without ``--build`` the database is reused as it is.

Then, for each ``--tree LABEL=PATH`` (a checkout of LearnHub; default: this one) in turn, and
``--rounds`` times, it starts gunicorn there as ``make run`` does (2 workers x 4 threads, access
log on) against that database and drives, with --connections keep-alive connections
(``bench/loadgen.py``):

- ``GET /modules/<id>``, the HTML module page, signed in as the --pool learners in turn, for
  --seconds in all, in --slices slices, each right after a slice of ``GET /healthz`` as long;
- ``POST /api/v1/quizzes/<id>/attempts`` (start) for --submits learners who never took a quiz
  (so no pass-once rule or attempt history differs between requests), once each;
- ``POST /api/v1/attempts/<id>/submit`` with full marks, once each, in --slices batches, each
  right after a slice of ``GET /healthz``.

Slices, because the other work on a shared machine changes its speed from one second to the
next: each path is compared with the /healthz slices beside it. Sessions are signed with the
server's secret key here (no scrypt sign-in per learner). It prints req/s, p50/p95 latency,
errors, and each path's rate as a ratio of /healthz's in the same server run (the submit's to
"healthz (submit)"); asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

from benchdb import fresh_database_url
from loadgen import Figures, Request, combine, drive

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
USER_AGENT = "learnhub-bench"
COURSE = "phishing-and-account-security"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--fanout", type=int, default=8)
    parser.add_argument("--pool", type=int, default=200, help="learners reading the module page")
    parser.add_argument("--tree", action="append", default=[], help="LABEL=PATH, repeatable")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=12, help="per path, all slices")
    parser.add_argument("--warmup", type=float, default=1, help="seconds before each slice")
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--submits", type=int, default=800)
    parser.add_argument("--port", type=int, default=5077)
    args = parser.parse_args()
    if os.environ.get("LEARNHUB_BENCH_DATABASE_URL"):
        url = os.environ["LEARNHUB_BENCH_DATABASE_URL"]
        if args.build:
            url = fresh_database_url()
    else:  # a fresh SQLite file every time
        url = fresh_database_url()
        args.build = True
    redis_url = os.environ.get("LEARNHUB_BENCH_REDIS_URL") or None
    secret = secrets.token_urlsafe(32)
    os.environ["LEARNHUB_SECRET_KEY"] = secret

    from learnhub.app import create_app

    os.environ.pop("LEARNHUB_REDIS_URL", None)
    if redis_url:  # tasks (the summaries' wake-ups) queue there, as the server's do
        os.environ["LEARNHUB_REDIS_URL"] = redis_url
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret})
    with app.app_context():
        if args.build:
            from people import build

            build(args.employees, args.fanout, args.pool)
        module_id, quiz_id, pool = _fixtures(args.pool)
        summary = _describe()
    print(f"database: {summary}; tasks: {'Redis ' + redis_url if redis_url else 'eager'}")
    print(f"machine: {os.cpu_count()} cores; load average {_load()}")

    trees = [tuple(t.split("=", 1)) for t in args.tree] or [("this", str(ROOT))]
    rows = []
    for round_number in range(1, args.rounds + 1):
        for label, tree in trees:
            server = _start(Path(tree).resolve(), args.port, url, redis_url, secret)
            try:
                figures = _measure(app, args, server.pid, module_id, quiz_id, pool)
            finally:
                server.terminate()
                server.wait(timeout=30)
            rows.append((label, round_number, figures))
            _print_rows([rows[-1]])
            if redis_url:
                _flush_broker(redis_url)
    print(f"\nall runs (load average at the end {_load()}):")
    _print_rows(rows)


def _measure(
    app, args, server_pid: int, module_id: int, quiz_id: int, pool: list[int]
) -> dict[str, Figures]:
    """The figures of one server run, by path (see the module docstring)."""
    with app.app_context():  # no worker drains them here: each run starts with none
        from learnhub.extensions import db
        from learnhub.skills.models import RecomputeRequest

        db.session.execute(RecomputeRequest.__table__.delete())
        db.session.commit()
        learners = _fresh_learners(args.submits)
    meter = CpuMeter(app, server_pid)

    def drive_(*args_, **kwargs) -> Figures:
        return meter.around(lambda: drive(*args_, **kwargs))

    common = {"connections": args.connections, "processes": args.processes}
    sliced = common | {"seconds": args.seconds / args.slices, "warmup": args.warmup}
    health = [Request("GET", "/healthz", {"User-Agent": USER_AGENT})]
    pages = [
        Request("GET", f"/modules/{module_id}", _headers(cookie))
        for cookie, _token in _sessions(app, pool)
    ]
    drive(args.port, pages + health, **common | {"seconds": 2, "warmup": 0})  # warm the server
    parts: dict[str, list[Figures]] = {
        k: [] for k in ("/healthz", "module page", "quiz start", "healthz (submit)", "quiz submit")
    }
    for _ in range(args.slices):
        parts["/healthz"].append(drive_(args.port, health, **sliced))
        parts["module page"].append(drive_(args.port, pages, check=_is_module_page, **sliced))
    # signed just now: a session's last-seen time is rewritten (Set-Cookie) after a minute
    sessions = dict(zip(learners, _sessions(app, learners), strict=True))
    starts = [
        Request(
            "POST", f"/api/v1/quizzes/{quiz_id}/attempts", _headers(cookie, token, json_body=True)
        )
        for cookie, token in sessions.values()
    ]
    parts["quiz start"].append(drive_(args.port, starts, expected=201, **common))
    with app.app_context():
        answers = _full_marks(quiz_id, learners)
    submits = [
        Request(
            "POST",
            f"/api/v1/attempts/{attempt_id}/submit",
            _headers(*sessions[employee_id], json_body=True),
            json.dumps({"responses": responses}).encode(),
        )
        for employee_id, (attempt_id, responses) in answers.items()
    ]
    for n in range(args.slices):
        parts["healthz (submit)"].append(drive_(args.port, health, **sliced))
        batch = submits[n :: args.slices]
        parts["quiz submit"].append(drive_(args.port, batch, check=_passed, **common))
    return {path: combine(p) for path, p in parts.items()}


class CpuMeter:
    """CPU seconds (user + system, from /proc) of the gunicorn processes and of this database's
    backends: what a request costs the machine, whatever else runs on it."""

    def __init__(self, app, server_pid: int) -> None:
        self.app, self.server_pid = app, server_pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def _cpu(self, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick

    def _server_pids(self) -> list[int]:
        pids = [self.server_pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.server_pid:
                    pids.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return pids

    def _backends(self) -> list[int]:
        from sqlalchemy import text

        from learnhub.extensions import db

        with self.app.app_context():
            if db.engine.dialect.name != "postgresql":
                return []
            with db.engine.connect() as connection:
                return list(
                    connection.scalars(
                        text(
                            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                            " AND pid <> pg_backend_pid()"
                        )
                    )
                )

    def _sample(self) -> dict[str, dict[int, float]]:
        return {
            "app": {pid: self._cpu(pid) for pid in self._server_pids()},
            "db": {pid: self._cpu(pid) for pid in self._backends()},
        }

    def around(self, action) -> Figures:
        """Run ``action`` (a drive) and add the CPU it cost to its Figures."""
        before = self._sample()
        figures = action()
        after = self._sample()
        spent = {
            side: sum(t - before[side].get(pid, 0.0) for pid, t in after[side].items())
            for side in after
        }
        return replace(figures, app_cpu=spent["app"], db_cpu=spent["db"])


def _headers(cookie: str, token: str | None = None, json_body: bool = False) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Cookie": f"session={cookie}"}
    if token:
        headers["X-CSRFToken"] = token
    if json_body:
        headers["Content-Type"] = "application/json"
    return headers


def _is_module_page(body: bytes) -> bool:
    return b"Check what you have learned" in body


def _passed(body: bytes) -> bool:
    return json.loads(body)["result"]["passed"] is True


def _sessions(app, employee_ids: list[int]) -> list[tuple[str, str]]:
    """A signed-in session cookie and its CSRF token for each employee, as a sign-in from
    127.0.0.1 with USER_AGENT would leave them (Flask-Login's session protection sees the same
    client)."""
    from flask import g, session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import select

    from learnhub.auth.models import Account
    from learnhub.auth.sessions import SEEN_AT, SIGNED_IN_AT
    from learnhub.extensions import db

    serializer = app.session_interface.get_signing_serializer(app)
    result = []
    with app.app_context():
        accounts = {
            a.employee_id: a
            for a in db.session.scalars(
                select(Account).where(Account.employee_id.in_(employee_ids))
            )
        }
        now = int(time.time())
        for employee_id in employee_ids:
            with app.test_request_context(
                headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
            ):
                login_user(accounts[employee_id])
                session[SIGNED_IN_AT] = session[SEEN_AT] = now
                g.pop("csrf_token", None)  # g is the app context's, shared by the loop
                token = generate_csrf()
                result.append((serializer.dumps(dict(session)), token))
    return result


def _fixtures(pool_size: int) -> tuple[int, int, list[int]]:
    """(first phishing module id, its current quiz id, the pool learners' employee ids: the
    first ``pool_size`` people who submitted an attempt at it, by id)."""
    from sqlalchemy import select

    from learnhub.catalog.models import Course, Module
    from learnhub.extensions import db
    from learnhub.quizzes.models import Attempt, Quiz

    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    module = db.session.scalar(
        select(Module).where(Module.course_id == course.id).order_by(Module.position).limit(1)
    )
    quiz = db.session.scalar(
        select(Quiz).where(Quiz.module_id == module.id, Quiz.is_current.is_(True))
    )
    pool = list(
        db.session.scalars(
            select(Attempt.employee_id)
            .where(Attempt.quiz_id == quiz.id, Attempt.passed.is_(True))
            .group_by(Attempt.employee_id)
            .order_by(Attempt.employee_id)
            .limit(pool_size)
        )
    )
    if not pool:
        raise SystemExit("no pool learners: build the database with --build")
    return module.id, quiz.id, pool


def _fresh_learners(count: int) -> list[int]:
    """``count`` active employees at random who never started an attempt."""
    from sqlalchemy import exists, func, select

    from learnhub.extensions import db
    from learnhub.org.models import Employee
    from learnhub.quizzes.models import Attempt

    ids = list(
        db.session.scalars(
            select(Employee.id)
            .where(Employee.active.is_(True), ~exists().where(Attempt.employee_id == Employee.id))
            .order_by(func.random())
            .limit(count)
        )
    )
    db.session.rollback()
    if len(ids) < count:
        raise SystemExit(f"only {len(ids)} learners without attempts are left: --build again")
    return ids


def _full_marks(quiz_id: int, learners: list[int]) -> dict[int, tuple[int, dict]]:
    """{employee id: (their open attempt's id, {"<question id>": full-marks response})}, in the
    attempt's display ids (the key is read from the database here; never from the API)."""
    from sqlalchemy import select

    from learnhub.extensions import db
    from learnhub.quizzes import scoring
    from learnhub.quizzes.layout import attempt_questions
    from learnhub.quizzes.models import Attempt, AttemptState
    from learnhub.quizzes.responses import to_display

    result = {}
    for attempt in db.session.scalars(
        select(Attempt).where(
            Attempt.quiz_id == quiz_id,
            Attempt.employee_id.in_(learners),
            Attempt.state == AttemptState.IN_PROGRESS,
        )
    ):
        result[attempt.employee_id] = (
            attempt.id,
            {
                str(q.id): to_display(
                    attempt, q.id, q.spec, scoring.score_question(q.spec, None).correct_response
                )
                for q in attempt_questions(attempt)
            },
        )
    db.session.rollback()
    return result


def _describe() -> str:
    from sqlalchemy import func, select

    from learnhub.auth.models import Account
    from learnhub.extensions import db
    from learnhub.org.models import Employee
    from learnhub.quizzes.models import Attempt
    from learnhub.skills.models import Evidence

    counts = {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in (
            ("people", Employee),
            ("accounts", Account),
            ("attempts", Attempt),
            ("evidence rows", Evidence),
        )
    }
    db.session.rollback()
    return f"{db.engine.dialect.name}; " + ", ".join(f"{v} {k}" for k, v in counts.items())


def _start(tree: Path, port: int, url: str, redis_url: str | None, secret: str):
    """gunicorn in ``tree`` as ``make run`` starts it; returns once /healthz answers."""
    env = os.environ | {
        "LEARNHUB_DATABASE_URL": url,
        "LEARNHUB_SECRET_KEY": secret,
        "LEARNHUB_INSTANCE_PATH": tempfile.mkdtemp(prefix="learnhub-bench-"),
        "PYTHONPATH": str(tree),
        "PORT": str(port),
    }
    env.pop("LEARNHUB_REDIS_URL", None)
    if redis_url:
        env["LEARNHUB_REDIS_URL"] = redis_url
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}"]
    log = open(Path(env["LEARNHUB_INSTANCE_PATH"]) / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [*command, "--access-logfile", "-", "wsgi:app"],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                time.sleep(1)  # both workers up
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn in {tree} stopped; see {log.name}") from None
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn in {tree} did not answer; see {log.name}")


def _flush_broker(redis_url: str) -> None:
    """Drop the wake-up messages no worker consumed (the bench's own Redis database)."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def _print_rows(rows: list) -> None:
    print(
        f"{'tree':<10} {'run':>3}  {'path':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'errors':>6} {'requests':>8} {'ratio':>7}   {'cpu ms/req app+db':>17}"
        f" {'cost ratio':>10}"
    )
    for label, round_number, figures in rows:
        for path, f in figures.items():
            health = figures["healthz (submit)" if path == "quiz submit" else "/healthz"]
            ratio = "" if "healthz" in path else f"{f.rate / health.rate:.3f}x"
            app, db = 1000 * f.app_cpu / f.answered, 1000 * f.db_cpu / f.answered
            base = 1000 * (health.app_cpu + health.db_cpu) / health.answered
            cost = "" if "healthz" in path else f"{base / (app + db):.3f}x"
            print(
                f"{label:<10} {round_number:>3}  {path:<16} {f.rate:8.1f} {f.p50_ms:8.1f} "
                f"{f.p95_ms:8.1f} {f.errors:>6} {f.requests:>8} {ratio:>7}   "
                f"{app:7.2f} + {db:6.2f} {cost:>11}"
                + (f"  first error: {f.first_error}" if f.first_error else "")
            )


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()
