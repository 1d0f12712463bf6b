"""JSON API of required learning: assignments (HR for anyone; a manager for named people of
their own subtree), their preview, and people's requirements (the caller's own; a person's
for their managers and HR).

Who may act on an assignment: HR (and API tokens with an ``assignments:`` scope, which act
as HR) any; a manager the assignments they made, and only while everyone they name is still
in the manager's subtree (else 403: HR takes over). Any other assignment is a 404 to them.
"""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from learnhub.assignments import listing, people_keys, preview, services
from learnhub.assignments.models import Assignment, AssignmentPerson, AudienceKind
from learnhub.assignments.schemas import (
    AssignmentChangeArgs,
    AssignmentCreateArgs,
    AssignmentListArgs,
    AssignmentSchema,
    PersonRequirementsSchema,
    PreviewSchema,
)
from learnhub.auth.models import Role
from learnhub.auth.permissions import can_assign, can_view_employee, only_for, token_scope
from learnhub.core.errors import Forbidden, NotFound, ValidationFailed
from learnhub.core.openapi import ErrorSchema
from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine
from learnhub.org.time_zones import time_zone_of

blp = Blueprint(
    "assignments_api",
    __name__,
    description="Required learning: assignments (HR; managers for their own team) and "
    "people's requirements",
)

ASSIGN_403 = {
    "schema": ErrorSchema,
    "description": "The caller is neither HR nor a manager, or a manager naming an audience "
    "other than named people (a person outside their team is a 422, worded as for an unknown "
    "person)",
}
NOT_FOUND = {
    "schema": ErrorSchema,
    "description": "No such assignment, or not one the caller may see",
}


def _is_token() -> bool:
    return bool(getattr(current_user, "is_api_token", False))


def _acting() -> tuple[int | None, int | None]:
    """``(created_by_id, manager_id)`` of the caller: HR and tokens assign to anyone
    (manager_id None), a manager to their own team. Forbidden for anyone else."""
    if not can_assign(current_user):
        raise Forbidden(only_for((Role.HR, Role.MANAGER)))
    if _is_token():
        return None, None
    if current_user.has_role(Role.HR):
        return current_user.employee_id, None
    return current_user.employee_id, current_user.employee_id


def spec_from(args: dict, manager_id: int | None = None) -> services.AssignmentSpec:
    """The service's spec from loaded :class:`AssignmentCreateArgs` (employee numbers turned
    into ids; ValidationFailed naming ``employee_numbers`` for one that is not an active
    person, or for a manager ``manager_id`` not one of their team, in the same words)."""
    numbers = args.pop("employee_numbers")
    ids = (
        people_keys.resolve_people(numbers, "employee_numbers", manager_id=manager_id)
        if args["audience"] == AudienceKind.PEOPLE
        else []
    )
    return services.AssignmentSpec(employee_ids=ids, **args)


def _renamed(error: ValidationFailed | Forbidden) -> ValidationFailed | Forbidden:
    """The service names ``employee_ids`` (and people by id); the API's field is
    ``employee_numbers`` (and people are named by number)."""
    error.errors = people_keys.name_people(error.errors, "employee_numbers")
    return error


def _visible(assignment_id: int, *, changing: bool = False) -> Assignment:
    """The assignment if the caller may see it (HR, tokens: any; a manager: their own), else
    NotFound; with ``changing``, Forbidden for a manager once someone it names has left their
    subtree."""
    assignment = services.get_assignment(assignment_id)
    if _is_token() or current_user.has_role(Role.HR):
        return assignment
    if not can_assign(current_user):
        raise Forbidden(only_for((Role.HR, Role.MANAGER)))
    if assignment.created_by_id != current_user.employee_id:
        raise NotFound(f"no assignment has id {assignment_id}")
    if changing:
        outside = db.session.scalar(
            select(AssignmentPerson.employee_id)
            .where(
                AssignmentPerson.assignment_id == assignment.id,
                ~AssignmentPerson.employee_id.in_(
                    select(ReportingLine.descendant_id).where(
                        ReportingLine.ancestor_id == current_user.employee_id
                    )
                ),
            )
            .limit(1)
        )
        if outside is not None or assignment.audience != AudienceKind.PEOPLE:
            raise Forbidden("Someone this assignment names is no longer in your team: ask HR.")
    return assignment


def dump(info: listing.AssignmentInfo) -> dict:
    """An :class:`AssignmentSchema` dict of ``info``."""
    a = info.assignment
    return {
        "id": a.id,
        "course": {"id": a.course.id, "slug": a.course.slug, "title": a.course.title},
        "modules": [
            {"id": m, "title": t} for m, t in zip(a.module_ids, info.module_titles, strict=False)
        ],
        "audience": a.audience,
        "audience_words": info.audience_words,
        "org_unit": {"id": info.org_unit.id, "name": info.org_unit.name} if info.org_unit else None,
        "include_sub_units": a.include_sub_units,
        "job_role": {
            "id": info.job_role.id,
            "code": info.job_role.code,
            "title": info.job_role.title,
        }
        if info.job_role
        else None,
        "employee_numbers": info.employee_numbers,
        "joiners_since": a.joiners_since,
        "due_kind": a.due_kind,
        "due_date": a.due_date,
        "due_days": a.due_days,
        "due_words": info.due_words,
        "renewal_window_days": a.renewal_window_days,
        "note": a.note,
        "created_by": info.created_by,
        "created_at": a.created_at,
        "removed_at": a.removed_at,
        "people": info.people,
        "open": info.open,
        "late": info.late,
    }


@blp.route("/assignments")
class Assignments(MethodView):
    @token_scope("assignments:read")
    @login_required
    @blp.arguments(AssignmentListArgs, location="query")
    @blp.response(200, AssignmentSchema(many=True))
    @blp.alt_response(403, **ASSIGN_403)
    def get(self, args: dict):
        """Assignments, newest first: every one for HR, the caller's own for a manager
        (``?course_id=``; ``?include_removed=true`` lists removed ones too)."""
        _created_by, manager_id = _acting()
        query = listing.assignments_query(include_removed=args["include_removed"])
        if "course_id" in args:
            query = query.where(Assignment.course_id == args["course_id"])
        if manager_id is not None:
            query = query.where(Assignment.created_by_id == manager_id)
        return [dump(info) for info in listing.describe(list(db.session.scalars(query)))]

    @token_scope("assignments:write")
    @login_required
    @blp.arguments(AssignmentCreateArgs)
    @blp.response(201, AssignmentSchema)
    @blp.alt_response(403, **ASSIGN_403)
    def post(self, args: dict):
        """Create an assignment: it reaches its audience at once (requirements with each
        person's due date, enrolments, completions made before counted), and a rule keeps
        applying as people join, move and leave. Audited. 422 names every field in error;
        nothing changes."""
        created_by, manager_id = _acting()
        try:
            assignment = services.create_assignment(
                spec_from(args, manager_id), created_by_id=created_by, manager_id=manager_id
            )
        except (ValidationFailed, Forbidden) as error:
            raise _renamed(error) from None
        return dump(listing.describe([assignment])[0])


@blp.route("/assignments/preview")
class AssignmentPreview(MethodView):
    @token_scope("assignments:write")
    @login_required
    @blp.arguments(AssignmentCreateArgs)
    @blp.response(200, PreviewSchema)
    @blp.alt_response(403, **ASSIGN_403)
    def post(self, args: dict):
        """What creating this assignment would do (people, already completed, already
        required, to do, learning hours); nothing changes. Errors as for creating it."""
        _created_by, manager_id = _acting()
        try:
            return preview.preview(spec_from(args, manager_id), manager_id=manager_id)
        except (ValidationFailed, Forbidden) as error:
            raise _renamed(error) from None


@blp.route("/assignments/<int:assignment_id>")
class AssignmentItem(MethodView):
    @token_scope("assignments:read")
    @login_required
    @blp.response(200, AssignmentSchema)
    @blp.alt_response(403, **ASSIGN_403)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, assignment_id: int):
        """One assignment (removed ones too), with whom it reaches now."""
        return dump(listing.describe([_visible(assignment_id)])[0])

    @token_scope("assignments:write")
    @login_required
    @blp.arguments(AssignmentChangeArgs)
    @blp.response(200, AssignmentSchema)
    @blp.alt_response(403, **ASSIGN_403)
    @blp.alt_response(404, **NOT_FOUND)
    def patch(self, args: dict, assignment_id: int):
        """Change the due date (a fixed assignment), the days (a relative one) or the renewal
        window: every person's due date is counted again in their own time zone. Audited.
        422 for a removed assignment, a past date or a value of the other kind."""
        assignment = _visible(assignment_id, changing=True)
        services.change_due(assignment, **args)
        return dump(listing.describe([assignment])[0])

    @token_scope("assignments:write")
    @login_required
    @blp.response(204)
    @blp.alt_response(403, **ASSIGN_403)
    @blp.alt_response(404, **NOT_FOUND)
    def delete(self, assignment_id: int) -> None:
        """Remove the assignment: it reaches no one any more, the requirements only it gave
        go (completions stay). Audited; removing it again changes nothing."""
        services.remove_assignment(_visible(assignment_id, changing=True))


def person_requirements(employee: Employee, *, show_reasons: bool = False) -> dict:
    """A :class:`PersonRequirementsSchema` dict: ``employee``'s requirements, due dates in
    their own time zone; HR's exemption reasons only with ``show_reasons`` (HR and tokens)."""
    where = time_zone_of(employee)
    rows = listing.requirement_rows(employee.id, where)
    return {
        "employee_number": employee.employee_number,
        "name": employee.full_name,
        "time_zone": str(where),
        "requirements": [
            {
                "id": r.id,
                "course": {"id": r.course_id, "slug": r.course_slug, "title": r.course_title},
                "module": {"id": r.module_id, "title": r.module_title} if r.module_id else None,
                "title": r.title,
                "status": r.status,
                "assigned_at": r.assigned_at,
                "due_at": r.due_at,
                "due_date": r.due_date,
                "time_zone": str(where),
                "completed_at": r.completed_at,
                "expires_at": r.expires_at,
                "renewal_opens_at": r.renewal_opens_at,
                "continue_url": url_for("web.module", module_id=r.continue_module_id)
                if r.continue_module_id
                else None,
                "waiver_reason": r.waiver_reason if show_reasons else None,
            }
            for r in rows
        ],
    }


@blp.route("/me/requirements")
class MyRequirements(MethodView):
    @login_required
    @blp.response(200, PersonRequirementsSchema)
    def get(self):
        """The caller's required learning: open items first, soonest due first; each with its
        status, due date in the caller's time zone and as a UTC instant, and where to
        continue."""
        return person_requirements(current_user.employee)


@blp.route("/employees/<employee_number>/requirements")
class EmployeeRequirements(MethodView):
    @token_scope("assignments:read")
    @login_required
    @blp.response(200, PersonRequirementsSchema)
    @blp.alt_response(
        404, schema=ErrorSchema, description="No such person, or not one the caller may see"
    )
    def get(self, employee_number: str):
        """A person's required learning, for themself, their managers (direct or indirect,
        while the person is active) and HR; 404 for anyone else, whether or not the person
        exists."""
        employee = db.session.scalar(
            select(Employee).where(Employee.employee_number == employee_number)
        )
        if employee is None or not (_is_token() or can_view_employee(current_user, employee)):
            raise NotFound("No such employee.")
        return person_requirements(
            employee, show_reasons=_is_token() or current_user.has_role(Role.HR)
        )
