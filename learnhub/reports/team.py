"""The manager's team view: the stored skill-gap summary of their whole subtree, the modules
that close each gap, and each person's completion status and attained levels. Never another
person's responses or raw scores (DESIGN.md)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from learnhub.catalog.services import modules_closing
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.services import subtree_ids_query
from learnhub.progress.services import team_completion
from learnhub.reports.gap_cost import team_gap_costs
from learnhub.skills.benchmark import organisation_benchmark, stored_benchmark
from learnhub.skills.models import Competence
from learnhub.skills.services import attained_levels, frameworks_with_profiles, targets_query
from learnhub.skills.summaries import get_summary

#: people per page of the team view (the API caps ?per_page at MAX_PER_PAGE)
PER_PAGE = 100
MAX_PER_PAGE = 500


def team_view(
    manager_id: int, min_group: int | None = None, page: int = 1, per_page: int = PER_PAGE
) -> dict:
    """``{"frameworks": [{"framework", "computed_at", "summary", "closing_modules",
    "gap_costs", "benchmark"}], "people": [{"employee_id", "name", "job_title",
    "manager_employee_id", "completion", "levels": {code: {"attained", "target"}}}],
    "people_total": int, "page": int, "per_page": int}`` for ``manager_id``'s subtree.

    ``people`` is one page of the subtree (by name; a director's subtree may be the whole
    organisation); the summaries and the modules that close each gap cover all of it, from
    the stored summary's buckets. ``benchmark`` is the organisation benchmark by the team's job
    roles (:mod:`learnhub.skills.benchmark`, stored with the summary), with groups of at least
    ``min_group`` people outside the subtree (default: LEARNHUB_MIN_GROUP_SIZE)."""
    if min_group is None:
        min_group = current_app.config["LEARNHUB_MIN_GROUP_SIZE"]
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    members = subtree_ids_query(manager_id)
    total = db.session.scalar(select(func.count()).select_from(members.subquery()))
    people = db.session.scalars(
        select(Employee)
        .where(Employee.id.in_(members))
        .order_by(Employee.last_name, Employee.first_name, Employee.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    ids = [p.id for p in people]
    completion = team_completion(ids)
    attained = attained_levels(ids)
    frameworks = []
    levels: dict[int, dict[str, dict]] = {p.id: {} for p in people}
    for framework in frameworks_with_profiles():
        summary = get_summary(manager_id, framework.id)
        data = summary.data if summary else None
        codes = dict(
            db.session.execute(
                select(Competence.id, Competence.code).where(
                    Competence.framework_id == framework.id
                )
            ).all()
        )
        for employee_id, competence_id, target in db.session.execute(
            targets_query(ids, framework.id)
        ):
            level = attained.get((employee_id, competence_id), 0)
            levels[employee_id][codes[competence_id]] = {"target": target, "attained": level}
        # per competence over the whole subtree: lowest attained level below a target, highest
        # target (from the summary's buckets, so no query walks the subtree person by person)
        spans: dict[int, tuple[int, int]] = {}
        for competence_id, target, level, _people in data["buckets"] if data else []:
            if level < target:
                low, high = spans.get(competence_id, (level, target))
                spans[competence_id] = (min(low, level), max(high, target))
        closing = modules_closing([(cid, low, high) for cid, (low, high) in spans.items()])
        frameworks.append(
            {
                "framework": {
                    "id": framework.id,
                    "slug": framework.slug,
                    "name": framework.name,
                    "levels": [lvl.name for lvl in framework.levels],
                },
                "computed_at": summary.computed_at if summary else None,
                "summary": data,
                # stored with the summary; aggregated live only for a summary never stored
                "benchmark": (
                    stored_benchmark(manager_id, framework, min_group)
                    if summary
                    else organisation_benchmark(manager_id, framework, min_group)
                ),
                # learning hours to close each gap (issue 11), from the same buckets
                "gap_costs": team_gap_costs(data["buckets"] if data else None),
                "closing_modules": {
                    str(cid): [
                        {"id": m.id, "title": m.title, "course": m.course.title} for m in mods
                    ]
                    for cid, mods in closing.items()
                },
            }
        )
    managers = dict(
        db.session.execute(
            select(Employee.id, Employee.employee_number).where(
                Employee.id.in_({p.manager_id for p in people if p.manager_id})
            )
        ).all()
    )
    return {
        "frameworks": frameworks,
        "people_total": total,
        "page": page,
        "per_page": per_page,
        "people": [
            {
                "employee_id": p.employee_number,
                "id": p.id,
                "name": p.full_name,
                "job_title": p.job_title,
                "manager_employee_id": managers.get(p.manager_id) if p.manager_id else None,
                "completion": completion[p.id],
                "levels": levels[p.id],
            }
            for p in people
        ],
    }
