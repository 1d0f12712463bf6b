"""JSON API of "a manager acts on a gap in one step" (issue 11): the proposal for one
competence's gap in a team, and its confirmation as assignments
(:mod:`learnhub.reports.closing`)."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from learnhub.assignments import listing, people_keys, submit_tokens
from learnhub.assignments.api import dump
from learnhub.assignments.models import Assignment
from learnhub.auth.permissions import token_scope
from learnhub.core.errors import Forbidden, ValidationFailed
from learnhub.core.openapi import ErrorSchema
from learnhub.extensions import db
from learnhub.reports import closing
from learnhub.reports.closing_schemas import (
    GapArgs,
    GapAssignedSchema,
    GapConfirmArgs,
    GapProposalSchema,
)
from learnhub.reports.gap_cost import LadderModule, hours

blp = Blueprint(
    "gaps_api", __name__, description="Close a skill gap: proposal and assignment (issue 11)"
)

REFUSED = {
    "schema": ErrorSchema,
    "description": "Not a manager (nor HR, nor a token), or a team outside the caller's",
}


def _module(m: LadderModule) -> dict:
    return {
        "id": m.id,
        "title": m.title,
        "course_id": m.course_id,
        "course_title": m.course_title,
        "level": m.level,
        "minutes": m.minutes,
    }


def proposal_dict(p: closing.Proposal) -> dict:
    """A :class:`GapProposalSchema` dict of ``p``."""
    return {
        "framework": {"slug": p.framework.slug, "name": p.framework.name, "levels": p.levels},
        "competence": {"id": p.competence.id, "code": p.competence.code, "name": p.competence.name},
        "manager": {"employee_number": p.manager.employee_number, "name": p.manager.full_name},
        "people": p.people,
        "minutes": p.minutes,
        "hours": p.hours,
        "groups": [
            {
                "attained": g.attained,
                "target": g.target,
                "modules": [_module(m) for m in g.path.modules],
                "in_hand": [_module(m) for m in g.path.in_hand],
                "missing_levels": list(g.path.missing_levels),
                "minutes_each": g.minutes_each,
                "hours_each": hours(g.minutes_each),
                "minutes": g.minutes,
                "hours": hours(g.minutes),
                "people": [{"employee_number": n, "name": name} for _i, n, name in g.people],
            }
            for g in p.groups
        ],
    }


def _proposal(code: str, args: dict) -> tuple[closing.Proposal, bool]:
    manager, scoped = closing.acting_manager(current_user, args["manager"])
    framework, competence = closing.find_competence(code, args["framework"])
    return closing.propose(manager, framework, competence), scoped


@blp.route("/skill-gaps/<code>/proposal")
class GapProposal(MethodView):
    @token_scope("assignments:read")
    @login_required
    @blp.arguments(GapArgs, location="query")
    @blp.response(200, GapProposalSchema)
    @blp.alt_response(403, **REFUSED)
    @blp.alt_response(404, schema=ErrorSchema, description="No such competence or manager")
    def get(self, args: dict, code: str):
        """The modules that close competence ``code``'s gap for exactly the people of the team
        who have it, grouped by the modules they need, with the learning hours (per person,
        per group, in all). Nothing changes."""
        return proposal_dict(_proposal(code, args)[0])


@blp.route("/skill-gaps/<code>/assignments")
class GapAssign(MethodView):
    @token_scope("assignments:write")
    @login_required
    @blp.arguments(GapConfirmArgs)
    @blp.response(201, GapAssignedSchema)
    @blp.alt_response(403, **REFUSED)
    @blp.alt_response(404, schema=ErrorSchema, description="No such competence or manager")
    def post(self, args: dict, code: str):
        """Assign the proposal (as ``GET …/proposal`` shows it now): one assignment per course
        and module set, to the named people who need exactly those modules; audited. With an
        ``idempotency_key``, a repeat answers with the first call's assignments. 422 names a
        bad due date; nothing changes."""
        proposal, scoped = _proposal(code, args)
        owner, key = current_user.get_id(), args["idempotency_key"]
        if key:
            earlier = submit_tokens.claim(owner, key)
            if earlier is not None:
                earlier_made = db.session.scalars(
                    select(Assignment)
                    .where(Assignment.id.in_(earlier.assignment_ids))
                    .order_by(Assignment.id)
                ).all()
                return {
                    "assignments": [dump(i) for i in listing.describe(earlier_made)],
                    "replayed": True,
                }
        try:
            made = closing.confirm(
                proposal,
                due_kind=args["due_kind"],
                due_date=args["due_date"],
                due_days=args["due_days"],
                created_by_id=current_user.employee_id,
                scoped=scoped,
            )
        except (ValidationFailed, Forbidden) as error:
            error.errors = people_keys.name_people(error.errors, "employee_numbers")
            raise
        if key:
            submit_tokens.record(owner, key, [a.id for a in made])
        return {"assignments": [dump(i) for i in listing.describe(made)], "replayed": False}
