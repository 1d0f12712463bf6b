"""A large organisation for the learner benchmarks (``bench/learner_pages.py --build``).

Runs in an app context on an empty database; commits.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
COURSE = "phishing-and-account-security"


def build(employees: int, fanout: int, pool: int) -> None:
    """The schema and content; ``employees`` people in a reporting tree (employee i reports to
    (i - 1) // fanout), each with a job role that has a target profile and an account (no
    password: sessions are signed by the bench); evidence for about a third of the (person,
    competence) targets; and ``pool`` leaves who passed the first phishing module's quiz once,
    through the services (attempt, responses, progress, evidence, xAPI statement)."""
    from flask_migrate import upgrade

    from learnhub.auth.models import Account
    from learnhub.catalog.loader import load_content
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.org.models import Employee, JobRole
    from learnhub.org.reporting import rebuild_reporting_lines
    from learnhub.skills.models import (
        Evidence,
        ProfileJobCode,
        RecomputeRequest,
        TargetLevel,
        TargetProfile,
    )

    started = time.perf_counter()
    upgrade()
    load_content(ROOT / "content")
    db.session.commit()
    rng = random.Random(7)
    codes = list(db.session.scalars(select(ProfileJobCode.job_code)))
    db.session.execute(insert(JobRole), [{"code": c, "title": c} for c in codes])
    role_ids = dict(db.session.execute(select(JobRole.code, JobRole.id)).all())
    rows = [
        {
            "employee_number": f"B{n:07d}",
            "first_name": "Bench",
            "last_name": f"Person {n}",
            "email": f"b{n}@bench.invalid",
            "job_role_id": role_ids[rng.choice(codes)],
            "active": True,
            "source": "bench",
        }
        for n in range(employees)
    ]
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(Employee), rows[start : start + 20_000])
    ids = list(db.session.scalars(select(Employee.id).order_by(Employee.id)))
    db.session.execute(
        Employee.__table__.update()
        .where(Employee.id == db.bindparam("eid"))
        .values(manager_id=db.bindparam("mid")),
        [{"eid": ids[i], "mid": ids[(i - 1) // fanout]} for i in range(1, len(ids))],
    )
    now = utcnow()
    accounts = [{"employee_id": e, "session_version": 1, "created_at": now} for e in ids]
    for start in range(0, len(accounts), 20_000):
        db.session.execute(insert(Account), accounts[start : start + 20_000])
    db.session.commit()
    rebuild_reporting_lines()  # bulk Core writes bypass the ORM hook that keeps the closure
    targets = db.session.execute(
        select(Employee.id, TargetLevel.competence_id, TargetLevel.level_number)
        .join(JobRole, Employee.job_role_id == JobRole.id)
        .join(ProfileJobCode, ProfileJobCode.job_code == JobRole.code)
        .join(TargetProfile, TargetProfile.id == ProfileJobCode.profile_id)
        .join(TargetLevel, TargetLevel.profile_id == TargetProfile.id)
    ).all()
    evidence = [
        {
            "employee_id": e,
            "competence_id": c,
            "level_number": rng.randint(1, t),
            "kind": "quiz_passed",
            "source": f"bench:{e}:{c}",
            "achieved_at": now,
        }
        for e, c, t in targets
        if rng.random() < 0.33
    ]
    for start in range(0, len(evidence), 20_000):
        db.session.execute(insert(Evidence), evidence[start : start + 20_000])
    db.session.commit()
    _analyze()
    _pass_once(ids[-pool:])
    db.session.execute(RecomputeRequest.__table__.delete())
    db.session.commit()
    _analyze()
    print(
        f"built {employees} people, {len(evidence)} evidence rows and {pool} learners with a "
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


def _analyze() -> None:
    from learnhub.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
