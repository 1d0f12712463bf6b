"""The trend of a manager's team skill-gap summary: per competence, the share of targets met
at weekly points from the dated snapshots (:mod:`learnhub.skills.trends`), and for the
required-learning assignments that reach the team, the share met just before each was made
against now. For the team page (``team_trends.html``) and ``GET /api/v1/team/trends``.

The caller decides who may see whose trend (a manager their own, HR anyone's): these
functions take the manager's id as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from sqlalchemy import String, and_, cast, exists, func, or_, select

from learnhub.assignments.models import Assignment, AssignmentTarget
from learnhub.catalog.models import Module, ModuleCompetence
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.services import subtree_ids_query
from learnhub.quizzes.models import Attempt, Quiz
from learnhub.skills.models import Competence, Evidence, EvidenceKind, Framework
from learnhub.skills.services import targets_query
from learnhub.skills.summaries import get_summary
from learnhub.skills.trends import Point, snapshots_in_force

#: weekly points by default, and at most (the API caps ?weeks)
WEEKS = 12
MAX_WEEKS = 104
#: the most recent assignments reaching the team that the comparison shows
MAX_ASSIGNMENTS = 10

#: (with_target, meeting) of one competence, or of several summed
Counts = tuple[int, int]


def team_trends(
    manager_id: int,
    framework: Framework,
    weeks: int = WEEKS,
    current: Mapping | None = None,
    today: date | None = None,
) -> dict:
    """The trend of ``manager_id``'s summary of ``framework``::

        {"framework": {"slug", "name"}, "weeks": int, "days": [date, ...],
         "overall": [{"day", "targets", "targets_met", "share_met"}, ...],
         "competences": [{"competence_id", "code", "name",
                          "points": [{"day", "with_target", "meeting", "share_met",
                                      "mean_gap"}, ...]}, ...],
         "assignments": [{"id", "course", "created_at", "baseline_day", "then", "now",
                          "competences": [{"competence_id", "code", "name", "then",
                                           "now", "met_through"}]}, ...]}

    ``days``: ``weeks`` (1 to MAX_WEEKS) weekly points ending ``today`` (UTC, default now),
    oldest first; each point's figures are those of the snapshot in force that day (the last,
    today's, is the stored summary itself, so the trend never contradicts it), with
    ``share_met`` (in [0, 1]) None when nothing was snapshotted by then or nobody had the
    target. ``then``/``now`` are ``{"with_target", "meeting", "share_met"}``: ``then`` from
    the snapshot in force the day before the assignment was made, ``now`` from the stored
    summary (``current``: its ``data``, when the caller has it; else read): their change
    counts every kind of evidence (a manager's validation too), so ``met_through`` says how
    much of it is the learning's (:func:`_met_through`). Statements: one for the snapshots,
    one for the competences' names, and for the assignments one for those that reach the
    team, one for their modules (selectin), one for those modules' competences and one for
    the targets met through them; three more without ``current``."""
    weeks = min(max(1, weeks), MAX_WEEKS)
    today = today or utcnow().date()
    days = [today - timedelta(days=7 * n) for n in range(weeks - 1, -1, -1)]
    if current is None:
        summary = get_summary(manager_id, framework.id)
        current = summary.data if summary else None
    now = {
        c["competence_id"]: (c["with_target"], c["meeting"])
        for c in (current or {}).get("competences", [])
    }
    assignments = _assignments_reaching(manager_id, framework)
    through = _met_through(manager_id, framework, assignments)
    baselines = {a["id"]: a["created_at"].date() - timedelta(days=1) for a in assignments}
    points = {
        p.day: p for p in snapshots_in_force(manager_id, framework.id, [*days, *baselines.values()])
    }
    weekly = [points[day] for day in days]
    ids = set(now) | {c for p in weekly if p.snapshot for c in p.snapshot.by_competence()}
    ids |= {c for a in assignments for c in a["competence_ids"]}
    names = _competences(ids)
    overall = [_overall(p) for p in weekly]
    gaps = {c["competence_id"]: c.get("mean_gap") for c in (current or {}).get("competences", [])}
    if current is not None:
        # today's point is the stored summary itself (the page shows it above): a snapshot may
        # be hours old, and the trend must never contradict the figures beside it
        overall[-1] = {
            "day": today,
            "targets": current.get("targets", 0),
            "targets_met": current.get("targets_met", 0),
            "share_met": _share((current.get("targets", 0), current.get("targets_met", 0))),
        }

    def points_of(competence_id: int) -> list[dict]:
        points = [_competence_point(p, competence_id) for p in weekly]
        if current is not None:
            with_target, meeting = now.get(competence_id, (0, 0))
            points[-1] = {
                "day": today,
                "with_target": with_target,
                "meeting": meeting,
                "share_met": _share((with_target, meeting)),
                "mean_gap": gaps.get(competence_id) if with_target else None,
            }
        return points

    return {
        "framework": {"slug": framework.slug, "name": framework.name},
        "weeks": weeks,
        "days": days,
        "overall": overall,
        "competences": [
            {
                "competence_id": c.id,
                "code": c.code,
                "name": c.name,
                "points": points_of(c.id),
            }
            for c in names.values()
            if c.id in now or any(p.snapshot and c.id in p.snapshot.by_competence() for p in weekly)
        ],
        "assignments": [
            _comparison(a, points[baselines[a["id"]]], now, names, through) for a in assignments
        ],
    }


def _overall(point: Point) -> dict:
    row = point.snapshot
    targets, met = (row.targets, row.targets_met) if row else (0, 0)
    return {
        "day": point.day,
        "targets": targets,
        "targets_met": met,
        "share_met": _share((targets, met)),
    }


def _competence_point(point: Point, competence_id: int) -> dict:
    figures = point.snapshot.by_competence() if point.snapshot else {}
    with_target, meeting, gaps = figures.get(competence_id, (0, 0, 0))
    return {
        "day": point.day,
        "with_target": with_target,
        "meeting": meeting,
        "share_met": _share((with_target, meeting)),
        "mean_gap": round(gaps / with_target, 2) if with_target else None,
    }


def _share(counts: Counts) -> float | None:
    """meeting / with_target in [0, 1], None without targets."""
    if not counts[0]:
        return None
    return round(counts[1] / counts[0], 4)


def _figures(counts: Counts) -> dict:
    return {"with_target": counts[0], "meeting": counts[1], "share_met": _share(counts)}


def _summed(parts: Iterable[Counts]) -> Counts:
    with_target = meeting = 0
    for n, met in parts:
        with_target, meeting = with_target + n, meeting + met
    return with_target, meeting


def _comparison(
    assignment: dict,
    baseline: Point,
    now: Mapping[int, Counts],
    names: Mapping[int, Competence],
    through: Mapping[tuple[int, int], int],
) -> dict:
    """One assignment: per competence its modules give (and the team has a target in), the
    share met in the snapshot in force the day before it was made and now, and the people
    who meet it through the assignment's own modules (``through``: :func:`_met_through`);
    and the shares summed over those competences."""
    before = baseline.snapshot.by_competence() if baseline.snapshot else {}
    rows = []
    for competence_id in sorted(assignment["competence_ids"], key=lambda c: _order(names[c])):
        then = before.get(competence_id, (0, 0, 0))[:2]
        current = now.get(competence_id, (0, 0))
        if not then[0] and not current[0]:
            continue  # nobody in the team has a target in it
        competence = names[competence_id]
        rows.append(
            {
                "competence_id": competence_id,
                "code": competence.code,
                "name": competence.name,
                "then": _figures(then) if baseline.snapshot else None,
                "now": _figures(current),
                "met_through": through.get((assignment["id"], competence_id), 0),
            }
        )
    return {
        "id": assignment["id"],
        "course": assignment["course"],
        "created_at": assignment["created_at"],
        "baseline_day": baseline.day,
        "then": (
            _figures(_summed((r["then"]["with_target"], r["then"]["meeting"]) for r in rows))
            if baseline.snapshot
            else None
        ),
        "now": _figures(_summed((r["now"]["with_target"], r["now"]["meeting"]) for r in rows)),
        "competences": rows,
    }


def _assignments_reaching(manager_id: int, framework: Framework) -> list[dict]:
    """The MAX_ASSIGNMENTS most recent live assignments that reach someone in the manager's
    subtree, each ``{"id", "course", "created_at", "module_ids", "competence_ids"}``: its
    modules (all of the course's mapped to ``framework`` when none were chosen) and the
    competences of ``framework`` they give evidence of. Three statements."""
    reached = exists().where(
        AssignmentTarget.assignment_id == Assignment.id,
        AssignmentTarget.employee_id.in_(subtree_ids_query(manager_id)),
    )
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.removed_at.is_(None), reached)
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
        .limit(MAX_ASSIGNMENTS)
    ).all()
    if not assignments:
        return []
    mapped: dict[int, dict[int, set[int]]] = {}  # course -> module -> competences
    for course_id, module_id, competence_id in db.session.execute(
        select(Module.course_id, Module.id, ModuleCompetence.competence_id)
        .join(ModuleCompetence, ModuleCompetence.module_id == Module.id)
        .join(Competence, Competence.id == ModuleCompetence.competence_id)
        .where(
            Module.course_id.in_({a.course_id for a in assignments}),
            Competence.framework_id == framework.id,
        )
    ):
        mapped.setdefault(course_id, {}).setdefault(module_id, set()).add(competence_id)
    result = []
    for assignment in assignments:
        modules = mapped.get(assignment.course_id, {})
        chosen = assignment.module_ids or list(modules)
        result.append(
            {
                "id": assignment.id,
                "course": assignment.course.title,
                "created_at": assignment.created_at,
                "module_ids": sorted(chosen),
                "competence_ids": set().union(*(modules.get(m, set()) for m in chosen)),
            }
        )
    return result


def _met_through(
    manager_id: int, framework: Framework, assignments: list[dict]
) -> dict[tuple[int, int], int]:
    """``{(assignment id, competence id): people}``: the people of the subtree whom the
    assignment reaches who now meet their target in the competence with a passed quiz of one
    of the assignment's own modules, taken since it was made (counting, unrevoked, unexpired
    evidence). A tester's finding 11: the change in the share met beside it also counts a
    manager's validation or prior learning, which is not this learning's doing. One
    statement (none without assignments)."""
    wanted = [a for a in assignments if a["module_ids"]]
    if not wanted:
        return {}
    members = subtree_ids_query(manager_id)
    targets = targets_query(members, framework.id).subquery("targets")
    reached = exists().where(
        AssignmentTarget.assignment_id == Assignment.id,
        AssignmentTarget.employee_id == Evidence.employee_id,
    )
    rows = db.session.execute(
        select(Assignment.id, Evidence.competence_id, func.count(Evidence.employee_id.distinct()))
        .select_from(Assignment)
        .join(
            Quiz,
            or_(
                *(
                    and_(Assignment.id == a["id"], Quiz.module_id.in_(a["module_ids"]))
                    for a in wanted
                )
            ),
        )
        .join(Attempt, Attempt.quiz_id == Quiz.id)
        .join(
            Evidence,
            and_(
                Evidence.source == "attempt:" + cast(Attempt.id, String),
                Evidence.employee_id == Attempt.employee_id,
                Evidence.kind == EvidenceKind.QUIZ_PASSED,
                Evidence.revoked_at.is_(None),
                or_(Evidence.expires_at.is_(None), Evidence.expires_at > utcnow()),
                Evidence.achieved_at >= Assignment.created_at,
            ),
        )
        .join(
            targets,
            and_(
                targets.c.employee_id == Evidence.employee_id,
                targets.c.competence_id == Evidence.competence_id,
                targets.c.target <= Evidence.level_number,
            ),
        )
        .where(Assignment.id.in_([a["id"] for a in wanted]), reached)
        .group_by(Assignment.id, Evidence.competence_id)
    ).all()
    return {(a, c): n for a, c, n in rows}


def _competences(ids: set[int]) -> dict[int, Competence]:
    """{id: competence} for ``ids``, in the framework's order (1.2 before 1.10)."""
    if not ids:
        return {}
    found = db.session.scalars(select(Competence).where(Competence.id.in_(ids))).all()
    return {c.id: c for c in sorted(found, key=_order)}


def _order(competence: Competence) -> list[int]:
    return [int(part) for part in competence.code.split(".") if part.isdigit()]
