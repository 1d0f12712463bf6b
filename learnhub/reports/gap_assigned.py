"""Which of a team's skill gaps already have their learning in hand (a tester's finding 8):
after "Assign these modules" on a gap's page, the team page must say the learning is assigned
instead of offering to assign it again.

A person's gap in competence ``c`` (attained level ``a`` below target ``t``) has its learning
*in hand* when every level ``L`` with ``a < L <= t`` that some module teaches (an active module
of a published course giving evidence of ``c`` at ``L``: :mod:`learnhub.reports.gap_cost`'s
ladder) has a module of that level the person completed or has required (a whole-course
requirement holds every module of it): the rule of the gap's page
(:func:`learnhub.reports.closing.propose`, "nothing new to assign"), counted in SQL here for
every competence at once. Levels no module teaches are left out: no assignment can give them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from learnhub.assignments.listing import due_day
from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Course, Module, ModuleCompetence
from learnhub.extensions import db
from learnhub.org.services import subtree_ids_query
from learnhub.progress.models import ModuleProgress, ProgressStatus
from learnhub.skills.services import attained_query, targets_query


def learning_in_hand(manager_id: int, framework_id: int, where: tzinfo) -> dict[str, dict]:
    """Per competence of ``framework_id`` in which someone of ``manager_id``'s subtree (active
    people) has a gap: ``{str(competence_id): {"people": people with the gap, "in_hand":
    those of them whose learning is in hand (module docstring), "first_due", "last_due":
    the earliest and latest due instant (UTC) of the open requirements that hold it, None
    when nothing of it is still to do; "first_due_day", "last_due_day": their last days in
    the zone ``where`` (the viewer's: the people's zones differ)}}``. Live figures (the
    stored summary may lag). One statement, set-based over the subtree (no query per person
    or per competence)."""
    members = subtree_ids_query(manager_id)
    targets = targets_query(members, framework_id).subquery("targets")
    attained = attained_query(members).subquery("attained")
    level = func.coalesce(attained.c.attained, 0)
    gap = (
        select(
            targets.c.employee_id,
            targets.c.competence_id,
            func.max(targets.c.target).label("target"),
            func.max(level).label("attained"),
        )
        .select_from(targets)
        .outerjoin(
            attained,
            and_(
                attained.c.employee_id == targets.c.employee_id,
                attained.c.competence_id == targets.c.competence_id,
            ),
        )
        .group_by(targets.c.employee_id, targets.c.competence_id)
        .having(func.max(targets.c.target) > func.max(level))
        .cte("gap")
    )
    open_due = case(
        (
            and_(Requirement.completed_at.is_(None), Requirement.waived_at.is_(None)),
            Requirement.due_at,
        ),
        else_=None,
    )
    held = union_all(
        select(Requirement.employee_id, Module.id.label("module_id"), open_due.label("due_at"))
        .join(
            Module,
            and_(
                Module.course_id == Requirement.course_id,
                or_(Requirement.module_key == 0, Requirement.module_key == Module.id),
            ),
        )
        .where(Requirement.employee_id.in_(members)),
        select(
            ModuleProgress.employee_id,
            ModuleProgress.module_id,
            literal(None, Requirement.due_at.type).label("due_at"),
        ).where(
            ModuleProgress.employee_id.in_(members),
            ModuleProgress.status == ProgressStatus.COMPLETED,
        ),
    ).subquery("held")
    # the levels some module teaches, per competence (the ladder's levels)
    taught = (
        select(ModuleCompetence.competence_id, ModuleCompetence.level_number)
        .join(Module, and_(Module.id == ModuleCompetence.module_id, Module.active.is_(True)))
        .join(Course, and_(Course.id == Module.course_id, Course.published.is_(True)))
        .distinct()
        .subquery("taught")
    )
    needed = (
        select(func.count())
        .select_from(taught)
        .where(
            taught.c.competence_id == gap.c.competence_id,
            taught.c.level_number > gap.c.attained,
            taught.c.level_number <= gap.c.target,
        )
        .correlate(gap)
        .scalar_subquery()
    )
    in_hand = (
        select(
            gap.c.employee_id,
            gap.c.competence_id,
            func.min(held.c.due_at).label("first_due"),
            func.max(held.c.due_at).label("last_due"),
        )
        .select_from(gap)
        .join(held, held.c.employee_id == gap.c.employee_id)
        .join(
            ModuleCompetence,
            and_(
                ModuleCompetence.module_id == held.c.module_id,
                ModuleCompetence.competence_id == gap.c.competence_id,
                ModuleCompetence.level_number > gap.c.attained,
                ModuleCompetence.level_number <= gap.c.target,
            ),
        )
        .group_by(gap.c.employee_id, gap.c.competence_id, gap.c.attained, gap.c.target)
        .having(func.count(ModuleCompetence.level_number.distinct()) >= needed, needed > 0)
        .subquery("in_hand")
    )
    rows = db.session.execute(
        select(
            gap.c.competence_id,
            func.count(gap.c.employee_id),
            func.count(in_hand.c.employee_id),
            func.min(in_hand.c.first_due),
            func.max(in_hand.c.last_due),
        )
        .select_from(gap)
        .outerjoin(
            in_hand,
            and_(
                in_hand.c.employee_id == gap.c.employee_id,
                in_hand.c.competence_id == gap.c.competence_id,
            ),
        )
        .group_by(gap.c.competence_id)
    ).all()
    result = {}
    for competence_id, people, held_by, first, last in rows:
        first, last = _aware(first), _aware(last)
        result[str(competence_id)] = {
            "people": people,
            "in_hand": held_by,
            "first_due": first,
            "last_due": last,
            "first_due_day": _day(first, where),
            "last_due_day": _day(last, where),
        }
    return result


def _day(moment: datetime | None, where: tzinfo) -> date | None:
    return due_day(moment, where) if moment else None


def _aware(moment: datetime | str | None) -> datetime | None:
    """An aggregate over a union loses the column's UTC type on SQLite (a naive datetime or
    its text comes back): the same instant, aware in UTC."""

    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
