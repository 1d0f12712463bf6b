"""``flask demo seed``: the demo organisation, its sign-ins and a little learning history.

The organisation goes through the same HR importer as a real HR file (source ``demo``).
Running it again keeps everything: passwords are set only where none is, history only once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

from learnhub.assignments.models import Assignment, AudienceKind, DueKind
from learnhub.assignments.services import AssignmentSpec, create_assignment
from learnhub.auth import services as auth
from learnhub.auth.models import Role
from learnhub.catalog.models import Course, Module, ModuleCompetence
from learnhub.core.models import utcnow
from learnhub.core.transactions import CommandGroup
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee
from learnhub.org.services import get_by_email, subtree_ids
from learnhub.progress.models import EnrolmentSource
from learnhub.progress.services import enrol_many
from learnhub.quizzes import scoring
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt
from learnhub.skills.recompute import recompute_all
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.services import frameworks_with_profiles, targets_query
from learnhub.skills.trends import snapshot_team_summaries

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "learnhub-demo"
DEMO_ACCOUNTS = {
    "employee@example.org": (),
    "manager@example.org": (),
    "hr@example.org": (Role.HR,),
    # a content admin, so quiz settings (pass mark, attempts, time limit) can be tried in the
    # demo: HR only reads them (tester report E11); Oliver is an administrative officer
    "oliver.bennett@example.org": (Role.CONTENT_ADMIN,),
}
#: the demo's mandatory courses, assigned by HR to everyone: days after the assignment reaches
#: each person that it is due (so a fresh demo shows them as "To do" with due dates, and the
#: first one, due inside the default 7-day reminder, puts reminder emails in the outbox)
DEMO_MANDATORY = {"phishing-and-account-security": 5, "personal-data-and-privacy": 30}
#: how many of the manager's direct reports have already passed the first module of this course
DEMO_HISTORY = 3
DEMO_HISTORY_COURSE = "phishing-and-account-security"
#: the demo's trend (issue 11): weeks ago when two of the demo manager's people pass a module
#: that meets one of their targets, through real attempts on a clock frozen at that date, each
#: followed by that day's recompute and snapshot; one snapshot a week before the first
DEMO_TREND_WEEKS = (10, 8, 6, 4, 2)

demo_cli = CommandGroup("demo", help="The demo organisation.")


def seed(csv_path: Path) -> dict[str, int]:
    """Import the demo organisation, give every demo person the demo password (once), grant HR
    and the content admin their roles (:data:`DEMO_ACCOUNTS`), enrol everyone in every course
    and let a few people pass a first module. Returns counts. Flushes; the caller commits."""
    plan = plan_import(csv_path.read_bytes(), source="demo")
    apply_import(plan)
    people = db.session.scalars(select(Employee).where(Employee.source == "demo")).all()
    passwords = 0
    for person in people:
        account = auth.account_for(person)
        if account.password_hash is None:
            auth.set_password(account, DEMO_PASSWORD)
            passwords += 1
    for email, roles in DEMO_ACCOUNTS.items():
        employee = get_by_email(email)
        if employee is None:
            raise click.ClickException(f"{csv_path} has no {email}; the demo needs it.")
        for role in roles:
            auth.grant_role(auth.account_for(employee), role)
    ids = [p.id for p in people]
    enrolled = sum(
        enrol_many(ids, course.id, EnrolmentSource.ASSIGNMENT)
        for course in db.session.scalars(select(Course))
    )
    first = db.session.scalar(select(func.count(Attempt.id))) == 0
    trend = _trend_history() if first else 0
    history = _history(people) if first else 0
    assigned = _mandatory()
    # every summary and today's trend point now, and every recompute request of the seed gone
    # with them: the trend's passes made theirs on its frozen clock, weeks ago, and a
    # deployment without a worker running showed /healthz "degraded" by a 70-day-old request
    # until one ran (finding 12d)
    recompute_all()
    return {
        "people": len(people),
        "passwords_set": passwords,
        "enrolments": enrolled,
        "passed_attempts": history,
        "trend_passes": trend,
        "assignments": assigned,
    }


def _mandatory() -> int:
    """HR assigns each of DEMO_MANDATORY's courses to everyone, due a number of days after it
    reaches each person, unless a live assignment of that course to everyone exists (so a
    second seed adds nothing). Returns how many assignments were made."""
    hr = get_by_email("hr@example.org")
    made = 0
    for slug, days in DEMO_MANDATORY.items():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        if course is None:
            continue
        live = db.session.scalar(
            select(func.count(Assignment.id)).where(
                Assignment.course_id == course.id,
                Assignment.audience == AudienceKind.EVERYONE,
                Assignment.removed_at.is_(None),
            )
        )
        if live:
            continue
        spec = AssignmentSpec(
            course_id=course.id,
            audience=AudienceKind.EVERYONE,
            due_kind=DueKind.AFTER_ASSIGNMENT,
            due_days=days,
            note="Mandatory for everyone (demo)",
        )
        create_assignment(spec, created_by_id=hr.id if hr else None)
        made += 1
    return made


def _history(people: Sequence[Employee]) -> int:
    """A few colleagues of the demo employee pass the first module, through real attempts."""
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_HISTORY_COURSE))
    if course is None or not course.modules:
        return 0
    quiz = quizzes.current_quiz(course.modules[0].id)
    manager = get_by_email("manager@example.org")
    team = [
        p
        for p in people
        if manager and p.manager_id == manager.id and p.email != "employee@example.org"
    ]
    return sum(_pass(quiz.id, person.id) for person in team[:DEMO_HISTORY])


def _pass(quiz_id: int, employee_id: int) -> bool:
    """A real attempt at the quiz, answered right (drawn questions too) and submitted."""
    attempt = quizzes.start_attempt(quiz_id, employee_id)
    answers = {
        q.id: scoring.score_question(q.spec, None).correct_response or {}
        for q in attempt_questions(attempt)
    }
    quizzes.submit_attempt(attempt, answers)
    return bool(attempt.passed)


def _trend_history() -> int:
    """Weeks of history for the demo manager's trend (DEMO_TREND_WEEKS): the real attempts,
    recompute and snapshot code, run on a clock frozen at each past date (freezegun), so every
    figure of the trend is what LearnHub computed from what happened by then. Returns how many
    attempts passed."""
    from freezegun import freeze_time  # the demo's clock only

    manager = get_by_email("manager@example.org")
    if manager is None:
        return 0
    pairs = _closing_passes(manager.id)
    now, passed = utcnow(), 0
    # one frozen clock moved from date to date (starting freezegun patches every module)
    with freeze_time(now - timedelta(weeks=DEMO_TREND_WEEKS[0] + 1)) as clock:
        store_all_summaries()
        snapshot_team_summaries()
        for step, weeks in enumerate(DEMO_TREND_WEEKS):
            clock.move_to(now - timedelta(weeks=weeks))
            for person_id, quiz_id in pairs[2 * step : 2 * step + 2]:
                passed += _pass(quiz_id, person_id)
            store_all_summaries()
            snapshot_team_summaries()
    return passed


#: the demo manager's validation of one report (issue 11), and the demo employee's own ratings
DEMO_VALIDATION = (
    "leila.haddad@example.org",
    "4.1",
    2,
    "Spotted and reported the spoofed supplier invoice email, and walked the team through it.",
)
DEMO_SELF_ASSESSMENT = {"4.1": 2, "4.2": 1, "1.2": 2, "2.1": 3}


def seed_evidence() -> int:
    """The demo manager validates one report's level and the demo employee rates themself
    (learnhub.skills.recorded), once: a second run adds nothing. Only `flask demo seed` does
    this (tests' ``demo`` fixture calls :func:`seed`, whose world other tests count on).
    Returns how many evidence rows were added. Flushes."""
    from learnhub.skills.evidence_access import Actor
    from learnhub.skills.models import Evidence, EvidenceKind, Framework
    from learnhub.skills.recorded import self_assess, validate_level

    manager, employee = get_by_email("manager@example.org"), get_by_email("employee@example.org")
    report = get_by_email(DEMO_VALIDATION[0])
    framework = db.session.scalar(select(Framework.id).where(Framework.slug == "digcomp-3.0"))
    if manager is None or employee is None or report is None or framework is None:
        return 0
    added = 0
    validated = db.session.scalar(
        select(func.count(Evidence.id)).where(
            Evidence.employee_id == report.id, Evidence.kind == EvidenceKind.MANAGER_VALIDATION
        )
    )
    if not validated:
        _email, code, level, note = DEMO_VALIDATION
        validate_level(Actor(manager.id, hr=False), report, "digcomp-3.0", code, level, note)
        added += 1
    claimed = db.session.scalar(
        select(func.count(Evidence.id)).where(
            Evidence.employee_id == employee.id, Evidence.kind == EvidenceKind.SELF_ASSESSMENT
        )
    )
    if not claimed:
        added += self_assess(employee, "digcomp-3.0", DEMO_SELF_ASSESSMENT)
    return added


def _closing_passes(manager_id: int) -> list[tuple[int, int]]:
    """(employee id, quiz id) pairs, the manager's people taken in turn (but the demo
    employee, who starts fresh): for each, the quizzes of modules that give one of their
    targeted competences at the target level or above, lowest module first (not the
    DEMO_HISTORY_COURSE, whose first module some pass today)."""
    employee = get_by_email("employee@example.org")
    people = [p for p in subtree_ids(manager_id) if not employee or p != employee.id]
    gives: dict[int, list[tuple[int, int]]] = {}  # competence -> (level, module)
    for module_id, competence_id, level in db.session.execute(
        select(
            ModuleCompetence.module_id,
            ModuleCompetence.competence_id,
            ModuleCompetence.level_number,
        )
        .join(Module, Module.id == ModuleCompetence.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(Course.slug != DEMO_HISTORY_COURSE)
        .order_by(ModuleCompetence.module_id)
    ):
        gives.setdefault(competence_id, []).append((level, module_id))
    choices: dict[int, list[int]] = {p: [] for p in people}
    for framework in frameworks_with_profiles():
        for person, competence_id, target in db.session.execute(
            targets_query(people, framework.id).order_by(Employee.id, "competence_id")
        ):
            for level, module_id in gives.get(competence_id, []):
                if level >= target and module_id not in choices[person]:
                    choices[person].append(module_id)
                    break
    pairs = []
    for turn in range(max((len(c) for c in choices.values()), default=0)):
        for person in sorted(choices):
            if turn < len(choices[person]):
                quiz = quizzes.current_quiz(choices[person][turn])
                if quiz is not None:
                    pairs.append((person, quiz.id))
    return pairs


@demo_cli.command("seed")
def seed_cmd() -> None:
    """Seed the demo organisation (idempotent) and print the demo sign-ins."""
    path = Path(current_app.config["LEARNHUB_CONTENT_DIR"]) / "demo" / "organisation.csv"
    counts = seed(path)
    counts["recorded_evidence"] = seed_evidence()
    if counts["recorded_evidence"]:
        recompute_all()  # the validation's requests too: none left waiting for a worker
    click.echo(f"demo organisation: {counts}")
    click.echo("Demo sign-ins (password: learnhub-demo):")
    for email in DEMO_ACCOUNTS:
        click.echo(f"  {email}")
