"""A team with a skill gap in 4.2 "Protecting personal data and privacy" (case officers'
target: Intermediate, level 2) at several attained levels, for the gap-closing tests.

The modules that close it are the content's cheapest of 4.2 at levels 1 and 2, found here by
their own query (fewest minutes, then course title, position, id), whatever the content holds
when the tests run.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from learnhub.assignments import services
from learnhub.assignments.models import AudienceKind, DueKind
from learnhub.catalog.models import Course, Module, ModuleCompetence
from learnhub.extensions import db
from learnhub.skills.rollup import store_all_summaries
from tests.conftest import sign_in
from tests.factories import (
    EmployeeFactory,
    EvidenceFactory,
    ModuleProgressFactory,
    competence,
    team,
)

PASSWORD = "a-test-password"
#: keys of GapTeam.module_ids and module_minutes
LEVEL_1, LEVEL_2 = "level 1", "level 2"


@dataclass
class GapTeam:
    boss_email: str
    boss_number: str
    #: employee numbers by situation
    at_zero: list[str]  # no evidence, nothing in hand: both modules
    held: str  # no evidence, completed the level-1 module: the level-2 module only
    basic: str  # level 1: the level-2 module
    required: str  # level 1, the level-2 module already required: nothing new
    met: list[str]  # level 2 (the sub-manager) and level 3: no gap
    outsider: str  # a gap, but in another manager's team
    sub_manager_email: str
    module_ids: dict[str, int]
    module_minutes: dict[str, int]
    module_courses: dict[str, int]


def cheapest(code: str, level: int) -> Module:
    """The active module of a published course that gives evidence of ``code`` at ``level``
    with the fewest minutes (ties: course title, position, id)."""
    return db.session.scalars(
        select(Module)
        .join(ModuleCompetence, ModuleCompetence.module_id == Module.id)
        .join(Course, Course.id == Module.course_id)
        .where(
            ModuleCompetence.competence_id == competence(code).id,
            ModuleCompetence.level_number == level,
            Module.active.is_(True),
            Course.published.is_(True),
        )
        .order_by(Module.minutes, Course.title, Module.position, Module.id)
        .limit(1)
    ).one()


def gap_team(app) -> GapTeam:
    """Build and commit the team (see the module docstring)."""
    with app.app_context():
        boss = EmployeeFactory(password=PASSWORD, job_code="SVC_MGR")
        sub = EmployeeFactory(password=PASSWORD, manager=boss, job_code="CASE_OFF")
        EvidenceFactory(employee=sub, code="4.2", level=2)
        direct = team(boss, 2, job_code="CASE_OFF")
        indirect = EmployeeFactory(manager=sub, job_code="CASE_OFF")  # below the sub-manager
        held = EmployeeFactory(manager=boss, job_code="CASE_OFF")
        mods = {LEVEL_1: cheapest("4.2", 1), LEVEL_2: cheapest("4.2", 2)}
        ModuleProgressFactory(employee=held, module=mods[LEVEL_1], completed=True)
        basic = EmployeeFactory(manager=boss, job_code="CASE_OFF")
        EvidenceFactory(employee=basic, code="4.2", level=1)
        required = EmployeeFactory(manager=sub, job_code="CASE_OFF")
        EvidenceFactory(employee=required, code="4.2", level=1)
        above = EmployeeFactory(manager=boss, job_code="CASE_OFF")
        EvidenceFactory(employee=above, code="4.2", level=3)
        EmployeeFactory(manager=boss, job_code="CASE_OFF", active=False)  # a leaver: left out
        outsider = EmployeeFactory(manager=EmployeeFactory(), job_code="CASE_OFF")
        level_2 = mods[LEVEL_2]
        services.create_assignment(
            services.AssignmentSpec(
                course_id=level_2.course_id,
                audience=AudienceKind.PEOPLE,
                module_ids=[level_2.id],
                employee_ids=[required.id],
                due_kind=DueKind.AFTER_ASSIGNMENT,
                due_days=30,
            ),
            created_by_id=None,
        )
        result = GapTeam(
            boss_email=boss.email,
            boss_number=boss.employee_number,
            at_zero=sorted(p.employee_number for p in [*direct, indirect]),
            held=held.employee_number,
            basic=basic.employee_number,
            required=required.employee_number,
            met=[sub.employee_number, above.employee_number],
            outsider=outsider.employee_number,
            sub_manager_email=sub.email,
            module_ids={s: m.id for s, m in mods.items()},
            module_minutes={s: m.minutes for s, m in mods.items()},
            module_courses={s: m.course_id for s, m in mods.items()},
        )
        db.session.commit()
        return result


def signed_in_boss(app):
    """(team, client): :func:`gap_team` with every summary stored, and a client signed in as
    its manager."""
    t = gap_team(app)
    with app.app_context():
        store_all_summaries()
        db.session.commit()
    client = app.test_client()
    sign_in(client, t.boss_email, PASSWORD)
    return t, client
