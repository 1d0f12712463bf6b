"""The team heat map: people x targeted competences of a manager's whole subtree, each cell the
skill gap max(0, target - attained) (DESIGN.md "How skills are computed"), or no cell where the
person's job role sets no target.

Set-based: one page of people, their attained levels (one grouped query) and targets (one query
per framework); the columns and the per-competence totals of the whole subtree come from the
stored team summary's buckets, so a director's page reads no more than a team lead's. People
are paged as on the team page; ``group_by_team`` orders them by the direct report of the
manager whose team they are in (the direct report first), so a page shows whole teams together.

Each competence column has a stable anchor, ``competence-<code>`` (``competence_anchor``), and
the HTML template a block per cell and per column head that another page can extend (a link to
"act on this gap", say) without changing this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine
from learnhub.org.services import subtree_ids_query
from learnhub.skills.models import Competence, Framework, TeamSummary
from learnhub.skills.services import attained_levels, frameworks_with_profiles, targets_query

#: people per page (the API caps ?per_page at MAX_PER_PAGE); a heat map row is wide, so fewer
#: than the team page's table
PER_PAGE = 50
MAX_PER_PAGE = 500

#: the fill of a cell per gap, capped at GAP_STEPS (a larger gap takes the last colour, its text
#: says the exact figure). Every fill takes white text at 4.5:1 or more and stands 3:1 or more
#: against the white page and the white gaps between the cells (WCAG 1.4.3, 1.4.11); the order
#: of the fills is also one of darkness, and the text value repeats it (never colour alone,
#: WCAG 1.4.1). tests/reports/test_heatmap.py computes every ratio; heatmap.css uses these.
GAP_COLOURS = ("#1d6b2f", "#8a4b00", "#b3261e", "#5c1033")
GAP_STEPS = len(GAP_COLOURS) - 1
TEXT_COLOUR = "#ffffff"
PAGE_COLOUR = "#ffffff"


def gap_step(gap: int | None) -> int | None:
    """The colour step (0 .. GAP_STEPS) of a gap in levels; None for no target."""
    return None if gap is None else min(max(gap, 0), GAP_STEPS)


def competence_anchor(code: str) -> str:
    """The id of a competence's column head on the heat map page (``competence-4-1`` for
    ``4.1``): a stable fragment other pages may link to."""
    return "competence-" + "".join(ch if ch.isalnum() else "-" for ch in code)


def _code_key(code: str) -> list[int]:
    return [int(p) for p in code.split(".") if p.isdigit()] or [0]


def team_heatmap(
    manager_id: int,
    page: int = 1,
    per_page: int = PER_PAGE,
    group_by_team: bool = False,
) -> dict:
    """The heat map of ``manager_id``'s subtree (active people, not the manager)::

        {"people_total": int, "page": int, "per_page": int, "grouped": bool,
         "teams": [{"employee_id", "name", "people"}],   # grouped: the teams on this page
         "frameworks": [{
             "framework": {"slug", "name", "levels": [level names from 1]},
             "computed_at": datetime | None,      # of the stored summary the totals are from
             "competences": [{"competence_id", "code", "name", "anchor",
                              "with_target": int, "meeting": int,
                              "gaps": {"0": people, "1": ..., ...}}],  # whole subtree
             "rows": [{"employee_id", "name", "job_title", "team": employee number | None,
                       "cells": [{"target", "attained", "gap", "step"} | None, ...]}]}]}

    ``cells`` line up with ``competences``; None: the person has no target there. Gaps are
    in levels of the framework's scale (0 = met); ``step`` is :func:`gap_step`. The columns
    are the competences anyone in the subtree is targeted on (from the stored summary, plus any
    of this page's people's targets a stale summary lacks); the totals are the summary's, so
    they cover every page. ``team`` (grouped only) is the employee number of the manager's
    direct report whose team the person is in (themself for a direct report).

    A constant number of queries, whatever the size of the subtree (pinned in
    tests/reports/test_heatmap.py)."""
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    members = subtree_ids_query(manager_id)
    total = db.session.scalar(select(func.count()).select_from(members.subquery()))
    people, heads = _page_of_people(manager_id, members, page, per_page, group_by_team)
    ids = [p.id for p in people]
    attained = attained_levels(ids)
    frameworks = [
        _framework_map(manager_id, framework, people, attained)
        for framework in frameworks_with_profiles()
    ]
    teams = _teams(manager_id, heads) if group_by_team else []
    return {
        "people_total": total,
        "page": page,
        "per_page": per_page,
        "grouped": group_by_team,
        "teams": teams,
        "frameworks": frameworks,
    }


def _page_of_people(
    manager_id: int, members, page: int, per_page: int, group_by_team: bool
) -> tuple[list[_Row], list[int]]:
    """One page of people with their team head's employee number (grouped only), and the
    page's head ids in order. One query; grouped, the head is found through the closure."""
    if not group_by_team:
        people = db.session.scalars(
            select(Employee)
            .where(Employee.id.in_(members))
            .order_by(Employee.last_name, Employee.first_name, Employee.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return [_Row(p, None, None) for p in people], []
    direct = select(Employee.id).where(Employee.manager_id == manager_id).scalar_subquery()
    line = aliased(ReportingLine)
    head = aliased(Employee)
    head_id = func.coalesce(line.ancestor_id, Employee.id)
    rows = db.session.execute(
        select(Employee, head.id, head.employee_number)
        .outerjoin(line, and_(line.descendant_id == Employee.id, line.ancestor_id.in_(direct)))
        .join(head, head.id == head_id)
        .where(Employee.id.in_(members))
        .order_by(
            head.last_name,
            head.first_name,
            head.id,
            case((Employee.id == head.id, 0), else_=1),
            Employee.last_name,
            Employee.first_name,
            Employee.id,
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    heads: list[int] = []
    for _person, head_key, _number in rows:
        if head_key not in heads:
            heads.append(head_key)
    return [_Row(p, number, key) for p, key, number in rows], heads


@dataclass(frozen=True, slots=True)
class _Row:
    """A person of the page with the team they are listed under."""

    person: Employee
    team: str | None
    head_id: int | None

    @property
    def id(self) -> int:
        return self.person.id


def _teams(manager_id: int, heads: list[int]) -> list[dict]:
    """The page's teams: each head (a direct report of the manager) with the number of active
    people in their team, themself included. One grouped query over the closure."""
    if not heads:
        return []
    below = dict(
        db.session.execute(
            select(ReportingLine.ancestor_id, func.count())
            .join(Employee, Employee.id == ReportingLine.descendant_id)
            .where(ReportingLine.ancestor_id.in_(heads), Employee.active.is_(True))
            .group_by(ReportingLine.ancestor_id)
        ).all()
    )
    people = {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(heads)))}
    return [
        {
            "employee_id": people[h].employee_number,
            "name": people[h].full_name,
            "people": below.get(h, 0) + (1 if people[h].active else 0),
        }
        for h in heads
    ]


def _framework_map(
    manager_id: int, framework: Framework, rows: list, attained: dict[tuple[int, int], int]
) -> dict:
    """One framework's part of :func:`team_heatmap` (3 queries: targets of the page, the stored
    summary, the framework's competences)."""
    ids = [r.id for r in rows]
    targets: dict[tuple[int, int], int] = (
        {(e, c): t for e, c, t in db.session.execute(targets_query(ids, framework.id))}
        if ids
        else {}
    )
    summary = db.session.scalar(
        select(TeamSummary).where(
            TeamSummary.manager_id == manager_id, TeamSummary.framework_id == framework.id
        )
    )
    # per competence over the whole subtree: people with a target, meeting it, by gap
    totals: dict[int, dict[int, int]] = {}
    for (_role, competence_id, target, level), n in (
        summary.role_buckets().items() if summary else ()
    ):
        by_gap = totals.setdefault(competence_id, {})
        gap = max(0, target - level)
        by_gap[gap] = by_gap.get(gap, 0) + n
    wanted = set(totals) | {c for _e, c in targets}
    competences = sorted(
        db.session.scalars(
            select(Competence).where(
                Competence.framework_id == framework.id, Competence.id.in_(wanted)
            )
        )
        if wanted
        else [],
        key=lambda c: _code_key(c.code),
    )
    columns = []
    for competence in competences:
        by_gap = totals.get(competence.id, {})
        columns.append(
            {
                "competence_id": competence.id,
                "code": competence.code,
                "name": competence.name,
                "anchor": competence_anchor(competence.code),
                "with_target": sum(by_gap.values()),
                "meeting": by_gap.get(0, 0),
                "gaps": {str(g): by_gap[g] for g in sorted(by_gap)},
            }
        )
    out_rows = []
    for row in rows:
        cells: list[dict[str, int | None] | None] = []
        for competence in competences:
            target = targets.get((row.id, competence.id))
            if target is None:
                cells.append(None)
                continue
            level = attained.get((row.id, competence.id), 0)
            gap = max(0, target - level)
            cells.append({"target": target, "attained": level, "gap": gap, "step": gap_step(gap)})
        person = row.person
        out_rows.append(
            {
                "employee_id": person.employee_number,
                "name": person.full_name,
                "job_title": person.job_title,
                "team": row.team,
                "cells": cells,
            }
        )
    return {
        "framework": {
            "slug": framework.slug,
            "name": framework.name,
            "levels": [lvl.name for lvl in framework.levels],
        },
        "computed_at": summary.computed_at if summary else None,
        "competences": columns,
        "rows": out_rows,
    }
