"""The organisation every benchmark builds: one generator of people (``people``), their job
roles with target profiles, evidence and statistics, shared by bench/learner_pages.py
(``build``), bench/team_summaries.py and bench/heatmap.py, bench/gap_closing.py and
bench/assignments.py.

Runs in an app context on an empty database; commits. learnhub is imported inside the
functions: a bench script puts the repository on ``sys.path`` after importing this module.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
COURSE = "phishing-and-account-security"
#: rows a bulk INSERT sends at once
BATCH = 20_000


def content() -> None:
    """Load content/ (frameworks, courses, job role profiles) and commit."""
    from learnhub.catalog.loader import load_content
    from learnhub.extensions import db

    load_content(ROOT / "content")
    db.session.commit()


def profile_roles() -> list[int]:
    """One job role per job code of content/'s target profiles (created here); their ids in
    the order of the codes."""
    from learnhub.extensions import db
    from learnhub.org.models import JobRole
    from learnhub.skills.models import ProfileJobCode

    codes = list(db.session.scalars(select(ProfileJobCode.job_code)))
    db.session.execute(insert(JobRole), [{"code": c, "title": c} for c in codes])
    role_ids = dict(db.session.execute(select(JobRole.code, JobRole.id)).all())
    return [role_ids[c] for c in codes]


def people(
    employees: int,
    fanout: int,
    *,
    role_ids: Sequence[int] = (),
    rng: random.Random | None = None,
    last_name: Callable[[int], str] = str,
    extra: Callable[[int], dict[str, Any]] | None = None,
) -> tuple[list[int], float]:
    """``employees`` active people ``B0000000``…, ``b{n}@bench.invalid``, in a reporting tree
    (employee i reports to (i - 1) // ``fanout``), each with a job role drawn by ``rng`` from
    ``role_ids`` (none when empty) and the columns ``extra(n)`` gives; statistics gathered,
    then the reporting-line closure rebuilt (bulk Core writes bypass the ORM hook that keeps
    it). Commits. Returns (employee ids in order, seconds the closure took)."""
    from learnhub.extensions import db
    from learnhub.org.models import Employee
    from learnhub.org.reporting import rebuild_reporting_lines

    rng = rng or random.Random(7)
    rows = []
    for n in range(employees):
        row = {
            "employee_number": f"B{n:07d}",
            "first_name": "Bench",
            "last_name": last_name(n),
            "email": f"b{n}@bench.invalid",
            "active": True,
            "source": "bench",
        }
        if role_ids:
            row["job_role_id"] = rng.choice(role_ids)
        if extra is not None:
            row |= extra(n)
        rows.append(row)
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(Employee), rows[start : start + BATCH])
    ids = list(db.session.scalars(select(Employee.id).order_by(Employee.id)))
    db.session.execute(
        Employee.__table__.update()
        .where(Employee.id == db.bindparam("eid"))
        .values(manager_id=db.bindparam("mid")),
        [{"eid": ids[i], "mid": ids[(i - 1) // fanout]} for i in range(1, len(ids))],
    )
    db.session.commit()
    analyze()
    started = time.perf_counter()
    rebuild_reporting_lines()
    took = time.perf_counter() - started
    db.session.commit()
    return ids, took


def targets() -> list:
    """(employee id, competence id, target level) of every target."""
    from learnhub.extensions import db
    from learnhub.org.models import Employee, JobRole
    from learnhub.skills.models import ProfileJobCode, TargetLevel, TargetProfile

    return db.session.execute(
        select(Employee.id, TargetLevel.competence_id, TargetLevel.level_number)
        .join(JobRole, Employee.job_role_id == JobRole.id)
        .join(ProfileJobCode, ProfileJobCode.job_code == JobRole.code)
        .join(TargetProfile, TargetProfile.id == ProfileJobCode.profile_id)
        .join(TargetLevel, TargetLevel.profile_id == TargetProfile.id)
    ).all()


def evidence(target_rows: Sequence, rng: random.Random, share: float = 0.33) -> int:
    """Quiz-passed evidence for about ``share`` of ``target_rows`` (as :func:`targets` gives them),
    each at a level drawn from 1 to the target; commits and gathers statistics. Returns how
    many rows."""
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.skills.models import Evidence

    now = utcnow()
    rows = [
        {
            "employee_id": e,
            "competence_id": c,
            "level_number": rng.randint(1, t),
            "kind": "quiz_passed",
            "source": f"bench:{e}:{c}",
            "achieved_at": now,
        }
        for e, c, t in target_rows
        if rng.random() < share
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(Evidence), rows[start : start + BATCH])
    db.session.commit()
    analyze()
    return len(rows)


def build(employees: int, fanout: int, pool: int) -> None:
    """The schema and content; ``employees`` people in a reporting tree (:func:`people`), each
    with a job role that has a target profile and an account (no password: sessions are
    signed by the bench); evidence for about a third of the (person, competence) targets; and
    ``pool`` leaves who passed the first phishing module's quiz once, through the services
    (attempt, responses, progress, evidence, xAPI statement)."""
    from flask_migrate import upgrade

    from learnhub.auth.models import Account
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.skills.models import RecomputeRequest

    started = time.perf_counter()
    upgrade()
    content()
    rng = random.Random(7)
    ids, _closure = people(
        employees, fanout, role_ids=profile_roles(), rng=rng, last_name=lambda n: f"Person {n}"
    )
    now = utcnow()
    accounts = [{"employee_id": e, "session_version": 1, "created_at": now} for e in ids]
    for start in range(0, len(accounts), BATCH):
        db.session.execute(insert(Account), accounts[start : start + BATCH])
    db.session.commit()
    rows = evidence(targets(), rng)
    _pass_once(ids[-pool:])
    db.session.execute(RecomputeRequest.__table__.delete())
    db.session.commit()
    analyze()
    print(
        f"built {employees} people, {rows} evidence rows and {pool} learners with a "
        f"passed attempt in {time.perf_counter() - started:.0f} s"
    )


def _pass_once(learners: list[int]) -> None:
    """Each learner starts and submits the first phishing module's quiz with full marks."""
    from learnhub.catalog.models import Course, Module
    from learnhub.extensions import db
    from learnhub.quizzes import scoring
    from learnhub.quizzes.layout import attempt_questions
    from learnhub.quizzes.models import Quiz
    from learnhub.quizzes.services import start_attempt, submit_attempt

    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    module = db.session.scalar(
        select(Module).where(Module.course_id == course.id).order_by(Module.position).limit(1)
    )
    quiz = db.session.scalar(
        select(Quiz).where(Quiz.module_id == module.id, Quiz.is_current.is_(True))
    )
    for employee_id in learners:
        attempt = start_attempt(quiz.id, employee_id)
        answers = {
            q.id: scoring.score_question(q.spec, None).correct_response
            for q in attempt_questions(attempt)
        }
        submit_attempt(attempt, answers)
    db.session.commit()


def analyze() -> None:
    """ANALYZE the whole database (fresh bulk-loaded tables have no statistics yet:
    autovacuum would gather them later)."""
    from learnhub.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
