"""A manager acts on a skill gap in one step (issue 11): the proposal of the modules that close
one competence's gap for exactly the people of the manager's subtree who have it, with the
learning hours it takes, and its confirmation as assignments of named people.

Which modules and how many hours: :mod:`learnhub.reports.gap_cost` (one module per level from
the attained level up to the target; levels already in hand skipped). People who share a path
form a *group* (typically: the people at one attained level); a group's people all need the
same modules, so each course of a group's path becomes one assignment of those modules to
those people (:func:`confirm`): people at different levels are never given modules below
their level. Every query is set-based over the subtree (no query per person).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select

from learnhub.assignments import services as assignment_services
from learnhub.assignments.models import Assignment, AudienceKind, DueKind, Requirement
from learnhub.assignments.services import AssignmentSpec
from learnhub.auth.models import Role
from learnhub.auth.permissions import User, can_view_team
from learnhub.core.errors import Forbidden, NotFound
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.services import is_in_subtree, subtree_ids_query
from learnhub.progress.models import ModuleProgress, ProgressStatus
from learnhub.reports.gap_cost import LadderModule, Path, closing_path, hours, ladders
from learnhub.skills.models import Competence, Framework, TargetLevel
from learnhub.skills.services import attained_query, frameworks_with_profiles, targets_query


@dataclass
class Group:
    """People who need the same modules: ``path`` (its ``modules`` are proposed), their
    attained level and target, and the people (``(employee_id, employee_number, name)``)."""

    attained: int
    target: int
    path: Path
    people: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def minutes_each(self) -> int:
        return self.path.minutes

    @property
    def minutes(self) -> int:
        return self.path.minutes * len(self.people)


@dataclass
class Proposal:
    """The proposal for ``competence`` of ``framework`` in ``manager``'s subtree: ``groups``
    (lowest attained level first, then the longest path; nothing to assign last), ``levels``
    (the scale's names from level 1)."""

    manager: Employee
    framework: Framework
    competence: Competence
    levels: list[str]
    groups: list[Group]

    @property
    def people(self) -> int:
        return sum(len(g.people) for g in self.groups)

    @property
    def minutes(self) -> int:
        return sum(g.minutes for g in self.groups)

    @property
    def hours(self) -> float:
        return hours(self.minutes)

    @property
    def to_assign(self) -> list[Group]:
        """The groups with something to assign."""
        return [g for g in self.groups if g.path.modules]


def acting_manager(user: User, number: str | None) -> tuple[Employee, bool]:
    """``(manager whose team it is, scoped)`` for ``user``: HR and API tokens may name any
    active person (``scoped`` False: they assign anywhere); a manager themself or a manager
    below them (``scoped`` True). Without ``number``: the user's own team. Forbidden for
    anyone else (an employee without reports; a token must name a manager), NotFound for a
    number that names no active person the user may see."""
    me = user.employee_id
    anywhere = bool(getattr(user, "is_api_token", False)) or user.has_role(Role.HR)
    if not number:
        if me is None or not can_view_team(user):
            raise Forbidden(
                "Only managers close their team's gaps: nobody reports to you."
                + (" Choose a manager by employee number." if anywhere else "")
            )
        return db.session.get_one(Employee, me), not anywhere
    manager = db.session.scalar(
        select(Employee).where(Employee.employee_number == number, Employee.active.is_(True))
    )
    if manager is None or not (anywhere or manager.id == me or is_in_subtree(me, manager.id)):
        if not anywhere and not can_view_team(user):
            raise Forbidden("Only managers close their team's gaps: nobody reports to you.")
        raise NotFound(f"no manager in your team has the employee number {number}")
    return manager, not anywhere


def find_competence(code: str, framework_slug: str | None) -> tuple[Framework, Competence]:
    """The competence ``code`` of the framework ``framework_slug`` (None: the first framework
    a target profile uses that has it). NotFound naming what is unknown."""
    frameworks = frameworks_with_profiles()
    if framework_slug:
        frameworks = [f for f in frameworks if f.slug == framework_slug]
        if not frameworks:
            raise NotFound(f"no framework with target profiles has the slug {framework_slug!r}")
    found = db.session.execute(
        select(Framework, Competence)
        .join(Competence, Competence.framework_id == Framework.id)
        .where(Competence.code == code, Framework.id.in_([f.id for f in frameworks]))
        .order_by(Framework.slug)
        .limit(1)
    ).first()
    if found is None:
        raise NotFound(f"no competence has the code {code!r}")
    return found[0], found[1]


def _gap_rows(manager_id: int, framework_id: int, competence_id: int) -> list:
    """``(employee_id, employee_number, name parts, target, attained)`` of the active people
    of the subtree whose target in the competence is above their attained level."""
    members = subtree_ids_query(manager_id)
    targets = (
        targets_query(members, framework_id)
        .where(TargetLevel.competence_id == competence_id)
        .subquery()
    )
    attained = attained_query(members).subquery()
    level = func.coalesce(attained.c.attained, 0)
    return list(
        db.session.execute(
            select(
                Employee.id,
                Employee.employee_number,
                Employee.first_name,
                Employee.last_name,
                func.max(targets.c.target),
                func.max(level),
            )
            .join(targets, targets.c.employee_id == Employee.id)
            .outerjoin(
                attained,
                and_(
                    attained.c.employee_id == Employee.id,
                    attained.c.competence_id == competence_id,
                ),
            )
            .group_by(Employee.id, Employee.employee_number, Employee.first_name)
            .group_by(Employee.last_name)
            .having(func.max(targets.c.target) > func.max(level))
            .order_by(Employee.last_name, Employee.first_name, Employee.id)
        )
    )


def _in_hand(manager_id: int, modules: list[LadderModule]) -> dict[int, set[int]]:
    """``{employee_id: {module_id}}``: modules among ``modules`` that people of the subtree
    completed or have required (a whole-course requirement holds every module of it). Two
    queries."""
    ids = [m.id for m in modules]
    if not ids:
        return {}
    members = subtree_ids_query(manager_id)
    held: dict[int, set[int]] = defaultdict(set)
    for employee_id, module_id in db.session.execute(
        select(ModuleProgress.employee_id, ModuleProgress.module_id).where(
            ModuleProgress.module_id.in_(ids),
            ModuleProgress.status == ProgressStatus.COMPLETED,
            ModuleProgress.employee_id.in_(members),
        )
    ):
        held[employee_id].add(module_id)
    by_course: dict[int, set[int]] = defaultdict(set)
    for m in modules:
        by_course[m.course_id].add(m.id)
    for employee_id, course_id, module_key in db.session.execute(
        select(Requirement.employee_id, Requirement.course_id, Requirement.module_key).where(
            Requirement.employee_id.in_(members),
            or_(
                Requirement.module_key.in_(ids),
                and_(Requirement.module_key == 0, Requirement.course_id.in_(list(by_course))),
            ),
        )
    ):
        held[employee_id] |= by_course[course_id] if module_key == 0 else {module_key}
    return held


def propose(manager: Employee, framework: Framework, competence: Competence) -> Proposal:
    """The proposal (:class:`Proposal`) for ``competence`` over ``manager``'s subtree (the
    caller checks who may see it). Four queries whatever the subtree's size."""
    rows = _gap_rows(manager.id, framework.id, competence.id)
    ladder = ladders([competence.id]).get(competence.id, {})
    held = _in_hand(manager.id, [m for mods in ladder.values() for m in mods])
    groups: dict[tuple, Group] = {}
    for employee_id, number, first, last, target, attained in rows:
        # people with the same levels and the same modules in hand share one path and group
        key = (attained, target, frozenset(held.get(employee_id, ())))
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(attained, target, closing_path(ladder, *key))
        group.people.append((employee_id, number, f"{first} {last}"))
    # groups whose paths came out the same (different modules in hand, same modules to take)
    merged: dict[tuple, Group] = {}
    for group in groups.values():
        same = merged.setdefault(
            (group.attained, group.target, group.path),
            Group(group.attained, group.target, group.path),
        )
        same.people.extend(group.people)
    order = {row[0]: i for i, row in enumerate(rows)}  # by name, as the query gave them
    for group in merged.values():
        group.people.sort(key=lambda p: order[p[0]])
    return Proposal(
        manager=manager,
        framework=framework,
        competence=competence,
        levels=[lvl.name for lvl in framework.levels],
        groups=sorted(
            merged.values(),
            key=lambda g: (not g.path.modules, g.attained, -g.minutes_each, g.target),
        ),
    )


def specs(
    proposal: Proposal, due_kind: DueKind, due_date: date | None, due_days: int | None
) -> list[AssignmentSpec]:
    """One assignment spec per course and module set of the proposal: the named people of the
    groups whose path takes exactly those modules of that course (groups with the same modules
    of a course share it). Ordered by course and modules."""
    people: dict[tuple[int, tuple[int, ...]], set[int]] = defaultdict(set)
    for group in proposal.to_assign:
        by_course: dict[int, list[int]] = defaultdict(list)
        for m in group.path.modules:
            by_course[m.course_id].append(m.id)
        for course_id, module_ids in by_course.items():
            people[(course_id, tuple(sorted(module_ids)))] |= {p[0] for p in group.people}
    return [
        AssignmentSpec(
            course_id=course_id,
            audience=AudienceKind.PEOPLE,
            module_ids=list(module_ids),
            employee_ids=sorted(ids),
            due_kind=due_kind,
            due_date=due_date if due_kind == DueKind.FIXED else None,
            due_days=None if due_kind == DueKind.FIXED else due_days,
            note=f"To close the skill gap in {proposal.competence.code} {proposal.competence.name}"[
                :500
            ],
        )
        for (course_id, module_ids), ids in sorted(people.items())
    ]


def confirm(
    proposal: Proposal,
    *,
    due_kind: DueKind,
    due_date: date | None = None,
    due_days: int | None = None,
    created_by_id: int | None,
    scoped: bool,
) -> list[Assignment]:
    """Create the proposal's assignments (:func:`specs`) through
    :func:`learnhub.assignments.services.create_assignment` (checked and audited there; with
    ``scoped``, every person must be in the proposal's manager's subtree, else Forbidden).
    ``[]`` when nothing is left to assign. ValidationFailed (422) for a bad due date; nothing
    is created then (the caller rolls back). Flushes."""
    manager_id = proposal.manager.id if scoped else None
    return [
        assignment_services.create_assignment(
            spec, created_by_id=created_by_id, manager_id=manager_id
        )
        for spec in specs(proposal, due_kind, due_date, due_days)
    ]
