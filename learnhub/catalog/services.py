"""Course and module look-ups, and which modules close a skill gap."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import NamedTuple

from sqlalchemy import and_, select, tuple_
from sqlalchemy.orm import defer, joinedload, lazyload

from learnhub.catalog.models import Course, Module, ModuleCompetence
from learnhub.core.errors import NotFound
from learnhub.extensions import db


def published_courses() -> list[Course]:
    return list(
        db.session.scalars(select(Course).where(Course.published.is_(True)).order_by(Course.title))
    )


def get_course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not course.published:
        raise NotFound("No such course.")
    return course


@cache
def _module_options() -> tuple:
    """The loader options of :func:`get_module`, built once (a module page is a hot path): the
    outcomes joined (with their competences), one statement instead of two; a module has a
    handful of outcomes, and its lesson text rides once per outcome row."""
    return (defer(Module.body_markdown), lazyload(Module.competences), joinedload(Module.outcomes))


def get_module(module_id: int) -> Module:
    """An active module of a published course (with its course and outcomes; its Markdown
    source and the competences its quiz gives evidence of load when first read); NotFound
    otherwise."""
    module = db.session.get(Module, module_id, options=_module_options())
    if module is None or not module.active or not module.course.published:
        raise NotFound("No such module.")
    return module


class NextModule(NamedTuple):
    id: int
    title: str
    position: int


def next_module(module: Module) -> NextModule | None:
    """The active module that follows ``module`` in its course's order (position, then id
    should two share a position), or None when ``module`` is the course's last. One
    statement; no module row is loaded."""
    row = db.session.execute(
        select(Module.id, Module.title, Module.position)
        .where(
            Module.course_id == module.course_id,
            Module.active.is_(True),
            tuple_(Module.position, Module.id) > tuple_(module.position, module.id),
        )
        .order_by(Module.position, Module.id)
        .limit(1)
    ).first()
    return NextModule(*row) if row else None


def modules_closing(gaps: list[tuple[int, int, int]]) -> dict[int, list[Module]]:
    """For gaps [(competence_id, attained, target)], the active modules whose quiz gives
    evidence of that competence above ``attained`` and up to ``target``, lowest level first.
    Returns {competence_id: [Module, ...]} (one query)."""
    wanted = {c: (a, t) for c, a, t in gaps if t > a}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(ModuleCompetence.competence_id, ModuleCompetence.level_number, Module)
        .join(Module, and_(Module.id == ModuleCompetence.module_id, Module.active.is_(True)))
        .where(ModuleCompetence.competence_id.in_(list(wanted)))
        .order_by(ModuleCompetence.level_number, Module.position)
    ).all()
    result: dict[int, list[Module]] = defaultdict(list)
    for competence_id, level, module in rows:
        attained, target = wanted[competence_id]
        if attained < level <= target:
            result[competence_id].append(module)
    return dict(result)
