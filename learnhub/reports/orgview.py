"""The organisation view for HR and directors: org unit x targeted competence, the share of
targets met and the mean skill gap, each unit with its sub-units rolled up.

Where the figures come from: one grouped aggregate per framework over targets and attained
levels (``targets_query`` and ``attained_query``, grouped by org unit and competence), then a
roll-up of the unit tree in Python (a few thousand units at most). Not the stored team
summaries: their buckets add up the *reporting* tree by job role, and an org unit is not a
manager's subtree (a unit's people report to managers in other units, a manager's people sit in
several units), so no sum of stored buckets gives a unit's figures. bench/heatmap.py measures
the aggregate at 100,000 people.

Privacy (DESIGN.md "How skills are computed": an aggregate covering people outside the
viewer's subtree covers at least LEARNHUB_MIN_GROUP_SIZE people). Hiding a small unit's
figures is not enough: its parent's rolled-up figure minus its shown sub-units' would give
them back. So (:func:`suppress`):

- a unit with fewer people than the minimum is not listed; its people are folded into its
  parent's figure (the parent says how many sub-units it takes in);
- when what a listed unit holds beyond its listed sub-units (its own people plus the units
  folded into it) is more than none but fewer than the minimum, its smallest listed sub-unit
  is folded in as well (with everything below it), so that difference covers the minimum;
- the whole organisation (or the viewer's whole subtree) is the top of the tree, so the top
  units obey the same rule against the total;
- the same folding runs again per competence over the listed units, on the people targeted on
  that competence: a cell covering too few of them (or whose figure would give such a cell
  away) says "not shown" and is folded into its parent's cell.

Every figure shown thus covers at least the minimum, and so does every difference between a
unit's figure and the sum of its listed sub-units' figures. Not covered: comparing views taken
at two times (a person moving between units) and a group whose people all have the same result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, and_, case, func, select

from learnhub.auth.models import Role
from learnhub.auth.permissions import User, can_view_team
from learnhub.core.errors import Forbidden
from learnhub.extensions import db
from learnhub.org.models import Employee, OrgUnit
from learnhub.org.services import subtree_ids_query
from learnhub.reports.heatmap import GAP_STEPS, competence_anchor
from learnhub.skills.models import Competence, Framework
from learnhub.skills.services import attained_query, frameworks_with_profiles, targets_query

#: the node standing for the whole population (people of no unit are its own people)
TOP = 0


def suppress(children: Mapping[int, list[int]], own: Mapping[int, int], minimum: int) -> set[int]:
    """The nodes of a tree whose figures may be shown, by the rule of the module's docstring.

    ``children``: {node: [child nodes]} from :data:`TOP`; ``own``: {node: people counted at the
    node itself}. Returns the shown nodes; every other node's people count in its nearest shown
    ancestor. Shown nodes have at least ``minimum`` people in their subtree, and a shown node's
    people outside its shown children are 0 or at least ``minimum``."""
    shown: set[int] = set()
    totals: dict[int, int] = {}
    order: list[int] = []  # parents before children
    stack = [TOP]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children.get(node, ()))
    for node in reversed(order):  # children before parents
        rest = own.get(node, 0)
        kept = []
        for child in children.get(node, ()):
            if child in shown:
                kept.append((totals[child], child))
            else:
                rest += totals[child]
        kept.sort()
        while 0 < rest < minimum and kept:
            size, child = kept.pop(0)
            _hide(child, children, shown)
            rest += size
        totals[node] = rest + sum(size for size, _child in kept)
        if totals[node] >= minimum:
            shown.add(node)
    return shown


def _hide(node: int, children: Mapping[int, list[int]], shown: set[int]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        shown.discard(current)
        stack.extend(children.get(current, ()))


@dataclass
class _Cell:
    with_target: int = 0
    meeting: int = 0
    gap_sum: int = 0

    def add(self, other: _Cell) -> None:
        self.with_target += other.with_target
        self.meeting += other.meeting
        self.gap_sum += other.gap_sum


def scope_of(user: User) -> int | None:
    """Whose people the organisation view covers for ``user``: None (everyone) for HR, the
    manager's own employee id for a manager (their subtree); Forbidden for anyone else."""
    if user.employee_id is not None and user.has_role(Role.HR):
        return None
    if can_view_team(user):
        return user.employee_id
    raise Forbidden("The organisation view is for HR and managers.")


def population(viewer_id: int | None) -> Select:
    """Ids of the active people a view covers: everyone (``viewer_id`` None, HR) or the
    viewer's subtree (a manager or director)."""
    if viewer_id is None:
        return select(Employee.id).where(Employee.active.is_(True))
    return subtree_ids_query(viewer_id)


def organisation_view(viewer_id: int | None, min_group: int | None = None) -> dict:
    """Org unit x competence figures for HR (``viewer_id`` None: the whole organisation) or a
    manager (their subtree's people, by the units they are in)::

        {"min_group_size": int, "scope": "organisation" | "subtree",
         "units": [{"code": str | None (None: the whole), "name", "depth", "parent": code | None,
                    "people": int, "folded_units": int}],     # listed units, tree order
         "frameworks": [{"framework": {"slug", "name", "levels"},
                         "competences": [{"competence_id", "code", "name", "anchor"}],
                         "cells": [[cell, ...] per unit, lined up with "units"]}]}

    A cell is None (nobody of the unit is targeted on it), ``{"shown": False}`` (too small, or
    it would give a small group away), or ``{"shown": True, "with_target", "meeting",
    "share_met" (in [0, 1], 4 places), "mean_gap" (levels, 2 places), "step"}``. Figures
    roll up the unit's sub-units; hiding follows the module's docstring. Queries: the units,
    the headcount by unit, then per framework one aggregate and the competences."""
    minimum = current_app.config["LEARNHUB_MIN_GROUP_SIZE"] if min_group is None else min_group
    people = population(viewer_id)
    units = {u.id: u for u in db.session.scalars(select(OrgUnit))}
    own_people: dict[int, int] = defaultdict(int)
    for unit_id, count in db.session.execute(
        select(Employee.org_unit_id, func.count())
        .where(Employee.id.in_(people))
        .group_by(Employee.org_unit_id)
    ):
        own_people[unit_id if unit_id in units else TOP] += count
    children = _tree(units, own_people)
    shown = suppress(children, own_people, minimum)
    listed = _listing(children, shown, units)
    # the units folded into each listed unit (its own node included)
    home = _homes(children, shown)
    folded: dict[int, int] = defaultdict(int)
    for node, target in home.items():
        if node != target and node != TOP:
            folded[target] += 1
    listed_children: dict[int, list[int]] = {
        node: [c for c in _shown_below(node, children, shown)] for node in listed
    }
    rows = []
    totals = _rolled_up({n: _Cell(with_target=c) for n, c in own_people.items()}, children)
    for node, depth in listed.items():
        unit = units.get(node)
        parent = units.get(unit.parent_id) if unit and unit.parent_id else None
        rows.append(
            {
                "code": unit.code if unit else None,
                "name": unit.name if unit else "",
                "depth": depth,
                "parent": parent.code if parent and parent.id in listed else None,
                "people": totals[node].with_target,
                "folded_units": folded.get(node, 0),
            }
        )
    frameworks = [
        _framework_cells(f, people, units, children, listed, listed_children, home, minimum)
        for f in frameworks_with_profiles()
    ]
    return {
        "min_group_size": minimum,
        "scope": "organisation" if viewer_id is None else "subtree",
        "units": rows if TOP in shown else [],
        "frameworks": frameworks if TOP in shown else [],
    }


def _tree(units: Mapping[int, OrgUnit], own: Mapping[int, int]) -> dict[int, list[int]]:
    """{node: children} from :data:`TOP`, keeping only units with people below them, each
    level by name."""
    children: dict[int, list[int]] = defaultdict(list)
    for unit in units.values():
        parent = unit.parent_id if unit.parent_id is not None and unit.parent_id in units else TOP
        children[parent].append(unit.id)
    counts = _rolled_up({n: _Cell(with_target=c) for n, c in own.items()}, children)
    return {
        node: sorted(
            (c for c in below if counts[c].with_target),
            key=lambda c: (units[c].name, units[c].code),
        )
        for node, below in children.items()
    }


def _rolled_up(own: Mapping[int, _Cell], children: Mapping[int, list[int]]) -> dict[int, _Cell]:
    """{node: the sum of ``own`` over its subtree} for every node under :data:`TOP`."""
    order, stack = [], [TOP]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children.get(node, ()))
    result: dict[int, _Cell] = {}
    for node in reversed(order):
        cell = _Cell()
        if node in own:
            cell.add(own[node])
        for child in children.get(node, ()):
            cell.add(result[child])
        result[node] = cell
    return result


def _listing(
    children: Mapping[int, list[int]], shown: set[int], units: Mapping[int, OrgUnit]
) -> dict[int, int]:
    """{shown node: depth among the shown nodes} in tree order (parents first)."""
    listed: dict[int, int] = {}
    stack = [(TOP, 0)]
    while stack:
        node, depth = stack.pop()
        if node not in shown:
            continue
        listed[node] = depth
        stack.extend((c, depth + 1) for c in reversed(children.get(node, ())))
    return listed


def _homes(children: Mapping[int, list[int]], shown: set[int]) -> dict[int, int]:
    """{node: the nearest shown node at or above it} (TOP for a node under nothing shown)."""
    home = {TOP: TOP}
    stack = [TOP]
    while stack:
        node = stack.pop()
        for child in children.get(node, ()):
            home[child] = child if child in shown else home[node]
            stack.append(child)
    return home


def _shown_below(node: int, children: Mapping[int, list[int]], shown: set[int]) -> list[int]:
    """The shown nodes whose nearest shown ancestor is ``node``."""
    found, stack = [], list(reversed(children.get(node, ())))
    while stack:
        current = stack.pop()
        if current in shown:
            found.append(current)
        else:
            stack.extend(reversed(children.get(current, ())))
    return found


def _framework_cells(
    framework: Framework,
    people: Select,
    units: Mapping[int, OrgUnit],
    children: Mapping[int, list[int]],
    listed: Mapping[int, int],
    listed_children: Mapping[int, list[int]],
    home: Mapping[int, int],
    minimum: int,
) -> dict:
    """One framework's cells (2 queries: the grouped aggregate and the competences)."""
    targets = targets_query(people, framework.id).subquery()
    attained = attained_query(people).subquery()
    level = func.coalesce(attained.c.attained, 0)
    gap = case((targets.c.target > level, targets.c.target - level), else_=0)
    raw: dict[int, dict[int, _Cell]] = defaultdict(dict)  # competence -> node -> own cell
    for unit_id, competence_id, with_target, meeting, gap_sum in db.session.execute(
        select(
            Employee.org_unit_id,
            targets.c.competence_id,
            func.count(),
            func.sum(case((gap == 0, 1), else_=0)),
            func.sum(gap),
        )
        .select_from(targets)
        .join(Employee, Employee.id == targets.c.employee_id)
        .outerjoin(
            attained,
            and_(
                attained.c.employee_id == targets.c.employee_id,
                attained.c.competence_id == targets.c.competence_id,
            ),
        )
        .group_by(Employee.org_unit_id, targets.c.competence_id)
    ):
        node = unit_id if unit_id in units else TOP
        cell = raw[competence_id].setdefault(node, _Cell())
        cell.add(_Cell(int(with_target), int(meeting or 0), int(gap_sum or 0)))
    competences = sorted(
        db.session.scalars(select(Competence).where(Competence.id.in_(list(raw)))) if raw else [],
        key=lambda c: [int(p) for p in c.code.split(".") if p.isdigit()] or [0],
    )
    columns: list[list[dict | None]] = [[] for _ in listed]
    for competence in competences:
        totals = _rolled_up(raw[competence.id], children)
        # people targeted on it at each listed unit itself (with what is folded into it)
        own: dict[int, int] = defaultdict(int)
        for node, cell in raw[competence.id].items():
            own[home.get(node, TOP)] += cell.with_target
        visible = suppress(listed_children, own, minimum)
        for index, node in enumerate(listed):
            cell = totals[node]
            columns[index].append(_shown(cell) if node in visible else _not_shown(cell))
    return {
        "framework": {
            "slug": framework.slug,
            "name": framework.name,
            "levels": [lvl.name for lvl in framework.levels],
        },
        "competences": [
            {
                "competence_id": c.id,
                "code": c.code,
                "name": c.name,
                "anchor": competence_anchor(c.code),
            }
            for c in competences
        ],
        "cells": columns,
    }


def _shown(cell: _Cell) -> dict | None:
    if not cell.with_target:
        return None
    mean = cell.gap_sum / cell.with_target
    return {
        "shown": True,
        "with_target": cell.with_target,
        "meeting": cell.meeting,
        "share_met": round(cell.meeting / cell.with_target, 4),
        "mean_gap": round(mean, 2),
        "step": min(GAP_STEPS, int(mean + 0.5)),
    }


def _not_shown(cell: _Cell) -> dict | None:
    return {"shown": False} if cell.with_target else None
