"""The organisation benchmark a manager compares their team with: per job role of the team,
the share of targets met per competence across the whole organisation.

Privacy (DESIGN.md "How skills are computed"): an aggregate that includes people outside the
viewer's subtree must cover at least ``LEARNHUB_MIN_GROUP_SIZE`` people (default 5). The
benchmark goes further and counts only the people *outside* the viewer's subtree towards that
minimum: the manager sees their own team person by person, so an organisation figure over 6
people of whom 5 are in the team would give away the sixth person's result by subtraction. A job
role with too few people elsewhere is merged with the team's other small roles into one group
("other job roles of your team"); a group still too small is hidden, and so is any
competence cell of a group that too few people elsewhere are targeted on.

Two ways to the same figures, folded by the same code: :func:`stored_benchmark` reads the
team's stored summary buckets and the organisation's :class:`BenchmarkCell` rows, both written
with the summaries (a few small queries, whatever the size of the team: the team page uses it);
:func:`organisation_benchmark` aggregates targets and evidence live (one grouped SQL aggregate
per framework), for a team whose summary was never stored.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, case, func, literal, select

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole
from learnhub.org.services import subtree_ids_query
from learnhub.skills.models import BenchmarkCell, Competence, Framework, TeamSummary
from learnhub.skills.services import attained_query, targets_query

OTHER_ROLES = "Other job roles of your team"


def organisation_benchmark(
    manager_id: int, framework: Framework, min_group: int, at: datetime | None = None
) -> dict:
    """The benchmark of ``manager_id``'s team for ``framework``::

        {"min_group_size": int,
         "groups": [{"label": str, "job_roles": [{"code", "title"}],
                     "people": int,            # in the organisation, team included
                     "team_people": int,       # of them in the manager's subtree
                     "competences": [{"competence_id", "code", "name",
                                      "organisation_share_met": float | None,  # None = hidden
                                      "team_share_met": float | None}]}],
         "hidden_job_roles": [{"code", "title"}]}   # too few people elsewhere, even merged

    Shares are in [0, 1], rounded to 4 places. Only active people count.
    """
    at = at or utcnow()
    team = subtree_ids_query(manager_id)
    roles_of_team = (
        select(Employee.job_role_id)
        .where(Employee.id.in_(team), Employee.job_role_id.is_not(None))
        .distinct()
    )
    population = select(Employee.id).where(
        Employee.active.is_(True), Employee.job_role_id.in_(roles_of_team)
    )
    inside = case((Employee.id.in_(team), literal(1)), else_=literal(0)).label("inside")
    people = {
        (role_id, flag): count
        for role_id, flag, count in db.session.execute(
            select(Employee.job_role_id, inside, func.count())
            .where(Employee.id.in_(population))
            .group_by(Employee.job_role_id, inside)
        )
    }
    targets = targets_query(population, framework.id).subquery()
    attained = attained_query(population, at).subquery()
    meets = case((func.coalesce(attained.c.attained, 0) >= targets.c.target, 1), else_=0)
    cells = db.session.execute(
        select(
            Employee.job_role_id,
            inside,
            targets.c.competence_id,
            func.count().label("with_target"),
            func.sum(meets).label("meeting"),
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
        .group_by(Employee.job_role_id, inside, targets.c.competence_id)
    ).all()
    return _fold(people, [tuple(c) for c in cells], min_group)


def stored_benchmark(manager_id: int, framework: Framework, min_group: int) -> dict:
    """:func:`organisation_benchmark` from stored figures: the buckets of ``manager_id``'s
    stored summary and the organisation's benchmark cells (both as fresh as the summary).
    Same shape and the same privacy rule; a few small queries whatever the size of the team."""
    summary = db.session.scalar(
        select(TeamSummary).where(
            TeamSummary.manager_id == manager_id, TeamSummary.framework_id == framework.id
        )
    )
    team: dict[tuple[int, int], tuple[int, int]] = {}
    for (role_id, competence_id, target, attained), n in (
        summary.role_buckets().items() if summary else ()
    ):
        with_target, meeting = team.get((role_id, competence_id), (0, 0))
        team[(role_id, competence_id)] = (
            with_target + n,
            meeting + (n if attained >= target else 0),
        )
    roles = {role_id for role_id, _competence_id in team}
    organisation = (
        {
            (cell.job_role_id, cell.competence_id): (cell.with_target, cell.meeting)
            for cell in db.session.scalars(
                select(BenchmarkCell).where(
                    BenchmarkCell.framework_id == framework.id, BenchmarkCell.job_role_id.in_(roles)
                )
            )
        }
        if roles
        else {}
    )
    people: dict[tuple[int, int], int] = {}
    cells: list[tuple[int, int, int, int, int]] = []
    for role_id, competence_id in organisation.keys() | team.keys():
        if role_id not in roles:
            continue
        inside = team.get((role_id, competence_id), (0, 0))
        whole = organisation.get((role_id, competence_id), (0, 0))
        # a stale organisation figure below the team's would only hide more
        outside = (max(0, whole[0] - inside[0]), max(0, whole[1] - inside[1]))
        # every person of a job role has a target in each competence of its profile
        for flag, (with_target, meeting) in ((1, inside), (0, outside)):
            if with_target:
                cells.append((role_id, flag, competence_id, with_target, meeting))
                people[(role_id, flag)] = max(people.get((role_id, flag), 0), with_target)
    return _fold(people, cells, min_group)


def _fold(
    people: dict[tuple[int, int], int],
    cells: list[tuple[int, int, int, int, int]],
    min_group: int,
) -> dict:
    """The benchmark from ``people`` {(job_role_id, inside): people} and ``cells`` [(job_role_id,
    inside, competence_id, with_target, meeting)], inside 1 for the team and 0 for the rest of
    the organisation; applies the privacy rule of the module's docstring."""
    targeted_roles = {role_id for role_id, *_rest in cells}
    roles = {
        r.id: r for r in db.session.scalars(select(JobRole).where(JobRole.id.in_(targeted_roles)))
    }

    def outside(role_ids: list[int]) -> int:
        return sum(people.get((r, 0), 0) for r in role_ids)

    ordered = sorted(roles, key=lambda r: (roles[r].title, roles[r].code))
    groups = [[r] for r in ordered if outside([r]) >= min_group]
    small = [r for r in ordered if outside([r]) < min_group]
    hidden: list[int] = []
    if small and outside(small) >= min_group:
        groups.append(small)
    else:
        hidden = small

    # (group index, competence, inside) -> [with_target, meeting]
    folded: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    group_of = {r: i for i, members in enumerate(groups) for r in members}
    for role_id, flag, competence_id, with_target, meeting in cells:
        if role_id in group_of:
            entry = folded[(group_of[role_id], competence_id, flag)]
            entry[0] += with_target
            entry[1] += int(meeting or 0)
    names = {
        c.id: c
        for c in db.session.scalars(
            select(Competence).where(Competence.id.in_({c for _g, c, _f in folded}))
        )
    }

    def share(entry: list[int] | None) -> float | None:
        return round(entry[1] / entry[0], 4) if entry and entry[0] else None

    result = []
    for index, members in enumerate(groups):
        competences = []
        for competence_id in sorted(
            {c for g, c, _f in folded if g == index}, key=lambda c: _code_key(names[c].code)
        ):
            team_cell = folded.get((index, competence_id, 1))
            other_cell = folded.get((index, competence_id, 0))
            whole = [
                (team_cell or [0, 0])[0] + (other_cell or [0, 0])[0],
                (team_cell or [0, 0])[1] + (other_cell or [0, 0])[1],
            ]
            enough = other_cell is not None and other_cell[0] >= min_group
            competences.append(
                {
                    "competence_id": competence_id,
                    "code": names[competence_id].code,
                    "name": names[competence_id].name,
                    "organisation_share_met": share(whole) if enough else None,
                    "team_share_met": share(team_cell),
                }
            )
        result.append(
            {
                "label": _label(roles[members[0]]) if len(members) == 1 else OTHER_ROLES,
                "job_roles": [_role(roles[r]) for r in members],
                "people": sum(people.get((r, f), 0) for r in members for f in (0, 1)),
                "team_people": sum(people.get((r, 1), 0) for r in members),
                "competences": competences,
            }
        )
    return {
        "min_group_size": min_group,
        "groups": result,
        "hidden_job_roles": [_role(roles[r]) for r in hidden],
    }


def _role(role: JobRole) -> dict[str, str]:
    return {"code": role.code, "title": role.title}


def _label(role: JobRole) -> str:
    return f"{role.title} ({role.code})"


def _code_key(code: str) -> list[int]:
    return [int(p) for p in code.split(".") if p.isdigit()] or [0]
