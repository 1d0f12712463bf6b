"""Learning hours to close a skill gap (issue 11, "Cost"): per person, and for a whole team
from the stored summary's buckets, so a director's 100,000 people cost no per-person query.

The rule (:func:`closing_path`): a person at attained level ``a`` with target ``t`` in
competence ``c`` climbs one level at a time. For each level ``L`` with ``a < L <= t`` they take
the cheapest active module (of a published course) whose quiz gives evidence of ``c`` at
exactly ``L``: fewest minutes, then the course's title, then the module's position, then its
id. Levels are taken lowest first. One module per level, because each DigComp level builds
on the one below (a higher level's module assumes the lower one), so the path is the cheapest
set that teaches every level up to the target, not a leap to the top module. A level that no
module gives evidence of is *missing*: the path narrows the gap but cannot close it, and the
figures say how many people that leaves. The learning hours of a path are the sum of its
modules' ``minutes`` (the catalog's estimated reading and quiz time) / 60.

For one person the path skips a level they already have in hand: a module of that level they
completed, or one already required of them (by any assignment, or their whole course is).
The team figure (:func:`team_gap_costs`) prices every person of a bucket at the full path: it
is what closing the gap needs, before anything already planned; the proposal page
(:mod:`learnhub.reports.closing`) shows the net figure it would assign.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from learnhub.catalog.models import Course, Module, ModuleCompetence
from learnhub.extensions import db


@dataclass(frozen=True)
class LadderModule:
    """A module that gives evidence of one competence at ``level``; ``minutes``: its
    estimated learning time."""

    id: int
    title: str
    course_id: int
    course_title: str
    level: int
    minutes: int


#: level -> the modules giving evidence at that level, cheapest first (the rule's order)
Ladder = dict[int, list[LadderModule]]


def ladders(competence_ids: Iterable[int]) -> dict[int, Ladder]:
    """``{competence_id: {level: [LadderModule, ...]}}`` for ``competence_ids``, each level's
    modules in the rule's order (module docstring). Active modules of published courses only.
    One query; ``{}`` for no ids."""
    ids = sorted(set(competence_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            ModuleCompetence.competence_id,
            ModuleCompetence.level_number,
            Module.id,
            Module.title,
            Module.course_id,
            Course.title,
            Module.minutes,
        )
        .join(Module, and_(Module.id == ModuleCompetence.module_id, Module.active.is_(True)))
        .join(Course, and_(Course.id == Module.course_id, Course.published.is_(True)))
        .where(ModuleCompetence.competence_id.in_(ids))
        .order_by(
            ModuleCompetence.competence_id,
            ModuleCompetence.level_number,
            Module.minutes,
            Course.title,
            Module.position,
            Module.id,
        )
    ).all()
    result: dict[int, Ladder] = defaultdict(lambda: defaultdict(list))
    for competence_id, level, module_id, title, course_id, course_title, minutes in rows:
        result[competence_id][level].append(
            LadderModule(module_id, title, course_id, course_title, level, minutes)
        )
    return {c: dict(levels) for c, levels in result.items()}


@dataclass(frozen=True)
class Path:
    """What closing one gap takes: ``modules`` to take (lowest level first), ``in_hand``
    (modules of a level the person already completed or has required: nothing new needed
    there), ``missing_levels`` (levels no module gives evidence of). ``minutes``: the sum of
    ``modules``' minutes."""

    modules: tuple[LadderModule, ...] = ()
    in_hand: tuple[LadderModule, ...] = ()
    missing_levels: tuple[int, ...] = field(default=())

    @property
    def minutes(self) -> int:
        return sum(m.minutes for m in self.modules)

    @property
    def closes(self) -> bool:
        """True when the path reaches the target (no level is missing)."""
        return not self.missing_levels


def closing_path(ladder: Ladder, attained: int, target: int, in_hand: Collection[int] = ()) -> Path:
    """The path from ``attained`` to ``target`` on ``ladder`` by the module docstring's rule;
    ``in_hand``: ids of modules the person completed or has required (a level where one of
    them sits needs nothing new). ``target <= attained``: the empty path."""
    modules: list[LadderModule] = []
    held: list[LadderModule] = []
    missing: list[int] = []
    for level in range(attained + 1, target + 1):
        choices = ladder.get(level, [])
        if not choices:
            missing.append(level)
            continue
        have = [m for m in choices if m.id in in_hand]
        if have:
            held.append(have[0])
        else:
            modules.append(choices[0])
    return Path(tuple(modules), tuple(held), tuple(missing))


def hours(minutes: int) -> float:
    """``minutes`` as hours, to 2 places (the API's and the pages' figure; the exact value is
    ``minutes`` / 60)."""
    return round(minutes / 60, 2)


def team_gap_costs(buckets: Iterable[Iterable[int]] | None) -> dict[str, dict]:
    """Per competence, what closing every gap of a team takes, from a summary's buckets
    (``[[competence_id, target, attained, people], ...]``, as ``TeamSummary.data["buckets"]``):
    ``{str(competence_id): {"people": with a gap, "minutes": total, "hours": total,
    "min_hours_each", "max_hours_each": over the people with a gap, "people_not_closable":
    people whose path misses a level}}``. Competences without a gap are left out. One query
    (the ladders), whatever the team's size."""
    gaps = [(c, t, a, n) for c, t, a, n in buckets or () if t > a and n > 0]
    steps = ladders(c for c, _t, _a, _n in gaps)
    result: dict[str, dict] = {}
    for competence_id, target, attained, people in gaps:
        path = closing_path(steps.get(competence_id, {}), attained, target)
        entry = result.setdefault(
            str(competence_id),
            {"people": 0, "minutes": 0, "min_each": None, "max_each": 0, "not_closable": 0},
        )
        entry["people"] += people
        entry["minutes"] += people * path.minutes
        entry["min_each"] = (
            path.minutes if entry["min_each"] is None else min(entry["min_each"], path.minutes)
        )
        entry["max_each"] = max(entry["max_each"], path.minutes)
        entry["not_closable"] += 0 if path.closes else people
    return {
        key: {
            "people": e["people"],
            "minutes": e["minutes"],
            "hours": hours(e["minutes"]),
            "min_hours_each": hours(e["min_each"] or 0),
            "max_hours_each": hours(e["max_each"]),
            "people_not_closable": e["not_closable"],
        }
        for key, e in result.items()
    }
