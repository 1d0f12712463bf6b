"""Pages of required learning: HR's assignments (the list, a new one through a preview step,
a changed due date, a removal after a confirmation) and a manager's assignment of a course or
chosen modules to people of their own team (from the team page and a person's page).

The services do the work and check the rules (:mod:`learnhub.assignments.services`); these
views turn the forms into an :class:`AssignmentSpec` and the service's errors back into
messages on the fields.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from learnhub.assignments import listing, people_keys, preview, services, submit_tokens
from learnhub.assignments.models import AudienceKind, DueKind
from learnhub.assignments.people_keys import NOT_IN_TEAM
from learnhub.assignments.services import AssignmentSpec
from learnhub.auth.permissions import HR_ONLY, can_view_team, role_required
from learnhub.catalog.models import Course
from learnhub.core.dates import day_words
from learnhub.core.errors import Forbidden, ValidationFailed
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit
from learnhub.org.services import subtree_ids_query
from learnhub.web.assign_forms import (
    DUE_KINDS,
    AssignmentForm,
    ChangeDueForm,
    TeamAssignmentForm,
    choices,
    label_of,
)

blp = Blueprint("assign", __name__)

#: people listed on a manager's assignment page when none were chosen on the team page
TEAM_LIST_LIMIT = 200


def day(value: date | None) -> str:
    """ "3 March 2027" (no leading zero); "" for None."""
    return day_words(value) if value else ""


blp.add_app_template_filter(day, "day")


def _learning_choices(form: AssignmentForm | TeamAssignmentForm) -> list[Course]:
    """Fill the course and module choices; the published courses (modules selectin)."""
    courses = list(
        db.session.scalars(select(Course).where(Course.published.is_(True)).order_by(Course.title))
    )
    form.course.choices = choices([("", "Choose a course")] + [(c.id, c.title) for c in courses])
    form.modules.choices = choices((m.id, m.title) for c in courses for m in c.modules if m.active)
    return courses


def _due(form: AssignmentForm | TeamAssignmentForm) -> dict:
    kind = DueKind(form.due_kind.data)
    fixed = kind == DueKind.FIXED
    return {
        "due_kind": kind,
        "due_date": form.due_date.data if fixed else None,
        "due_days": None if fixed else form.due_days.data,
    }


def _course_chosen(form: AssignmentForm | TeamAssignmentForm) -> bool:
    if form.course.data is None:
        form.course.errors = ["Choose a course"]
        return False
    return True


def _hr_spec(form: AssignmentForm) -> AssignmentSpec | None:
    """The spec HR's form asks for, or None after putting what is missing on its fields."""
    ok = _course_chosen(form) & (not form.due_problems())
    audience = AudienceKind(form.audience.data)
    ids: list[int] = []
    if audience == AudienceKind.PEOPLE:
        keys = form.people_keys()
        if not keys:
            form.people.errors = ["Enter at least one employee number or work email"]
            ok = False
        else:
            try:
                ids = people_keys.resolve_people(keys, "people")
            except ValidationFailed as error:
                form.add_issues(error.errors)
                ok = False
    if audience == AudienceKind.ORG_UNIT and form.org_unit.data is None:
        form.org_unit.errors = ["Choose an org unit"]
        ok = False
    if audience == AudienceKind.JOB_ROLE and form.job_role.data is None:
        form.job_role.errors = ["Choose a job role"]
        ok = False
    if not ok:
        return None
    window = form.renewal_window_days.data
    return AssignmentSpec(
        course_id=int(form.course.data or 0),
        audience=audience,
        module_ids=list(form.modules.data or []),
        org_unit_id=form.org_unit.data,
        include_sub_units=bool(form.include_sub_units.data),
        job_role_id=form.job_role.data,
        employee_ids=ids,
        joiners_since=form.joiners_since.data,
        renewal_window_days=30 if window is None else window,
        note=(form.note.data or "").strip(),
        **_due(form),
    )


def _hr_choices(form: AssignmentForm) -> list[Course]:
    courses = _learning_choices(form)
    units = db.session.scalars(select(OrgUnit).order_by(OrgUnit.name))
    form.org_unit.choices = choices([("", "Choose an org unit")] + [(u.id, u.name) for u in units])
    roles = db.session.scalars(select(JobRole).order_by(JobRole.title))
    form.job_role.choices = choices(
        [("", "Choose a job role")] + [(r.id, f"{r.title} ({r.code})") for r in roles]
    )
    return courses


def people_words(ids: list[int]) -> str:
    """The people ``ids`` names, in that order, as "Evan Price (E1007), Hana Rossi (E1020)"
    (the preview's "Who" listed only numbers: a tester's finding); one statement."""
    found = {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(ids)))}
    return ", ".join(
        f"{found[i].full_name} ({found[i].employee_number})" for i in ids if i in found
    )


def _words(form: AssignmentForm, courses: list[Course], ids: list[int]) -> dict[str, str]:
    """What the preview says the assignment is, from the form (``ids``: the people it
    names, resolved)."""
    course = next(c for c in courses if c.id == form.course.data)
    chosen = [m.title for m in course.modules if m.id in (form.modules.data or [])]
    audience = label_of(form.audience, form.audience.data)
    if form.audience.data == AudienceKind.ORG_UNIT:
        unit = label_of(form.org_unit, form.org_unit.data)
        audience = f"{unit}{' and its sub-units' if form.include_sub_units.data else ' only'}"
    elif form.audience.data == AudienceKind.JOB_ROLE:
        audience = "Job role " + label_of(form.job_role, form.job_role.data)
    elif form.audience.data == AudienceKind.PEOPLE:
        audience = people_words(ids)
    elif form.audience.data == AudienceKind.NEW_JOINERS:
        audience = f"New joiners hired on or after {day(form.joiners_since.data or date.today())}"
    if form.due_kind.data == DueKind.FIXED:
        due = f"By {day(form.due_date.data)}, the end of that day in each person's time zone"
    else:
        due = f"{form.due_days.data} days after " + (
            "it reaches each person"
            if form.due_kind.data == DueKind.AFTER_ASSIGNMENT
            else "each person's hire date"
        )
    item = f"{course.title}: {'; '.join(chosen)}" if chosen else f"{course.title} (whole course)"
    return {"item": item, "audience": audience, "due": due}


def _earlier(token: str | None) -> list[int] | None:
    """Claim the form's ``token`` (:func:`learnhub.assignments.submit_tokens.claim`): the
    assignment ids an earlier submit of the same form made, or None when it is the first
    (or the form has no token)."""
    if not token:
        return None
    earlier = submit_tokens.claim(current_user.get_id(), str(token))
    return None if earlier is None else list(earlier.assignment_ids)


@blp.get("/hr/assignments")
@role_required(*HR_ONLY)
def hr_assignments() -> str:
    """Every live assignment with whom it reaches and how many still have something to do."""
    infos = listing.describe(list(db.session.scalars(listing.assignments_query())))
    return render_template("assignments/list.html", assignments=infos)


@blp.route("/hr/assignments/new", methods=["GET", "POST"])
@role_required(*HR_ONLY)
def hr_new() -> str | tuple[str, int] | Response:
    """HR's new assignment: the form, then a preview (people, already completed, already
    required, to do, learning hours), then confirm. ``?people=E1010`` names people. A form
    sent back with its errors: 422, as every other form."""
    form = AssignmentForm()
    courses = _hr_choices(form)
    if request.method == "GET":
        if request.args.getlist("people"):
            form.audience.data = AudienceKind.PEOPLE.value
            form.people.data = "\n".join(request.args.getlist("people"))
        form.submit_token.data = submit_tokens.new_token()
        return render_template("assignments/new.html", form=form, courses=courses)
    action = request.form.get("action", "preview")
    # back from the preview to change it, or (without JavaScript) show the chosen course's
    # modules: the same form again, not an error
    if action in ("edit", "modules"):
        return render_template("assignments/new.html", form=form, courses=courses), 200
    if not form.validate() or (spec := _hr_spec(form)) is None:
        return render_template("assignments/new.html", form=form, courses=courses), 422
    try:
        if action == "confirm":
            earlier = _earlier(form.submit_token.data)
            if earlier is not None:
                flash("That was sent twice: it was assigned once.", "info")
                if not earlier:
                    return redirect(url_for("assign.hr_assignments"))
                return redirect(url_for("assign.hr_assignment", assignment_id=earlier[0]))
            assignment = services.create_assignment(spec, created_by_id=current_user.employee_id)
            if form.submit_token.data:
                submit_tokens.record(current_user.get_id(), form.submit_token.data, [assignment.id])
            info = listing.describe([assignment])[0]
            flash(
                f"Assigned {info.item_words} to {info.people} "
                f"{'person' if info.people == 1 else 'people'}.",
                "info",
            )
            return redirect(url_for("assign.hr_assignment", assignment_id=assignment.id))
        numbers = preview.preview(spec)
    except ValidationFailed as error:
        end_after_error(error)
        form.add_issues(error.errors)
        return render_template("assignments/new.html", form=form, courses=courses), 422
    words = _words(form, courses, spec.employee_ids)
    return render_template("assignments/preview.html", form=form, preview=numbers, words=words)


@blp.route("/hr/assignments/<int:assignment_id>", methods=["GET", "POST"])
@role_required(*HR_ONLY)
def hr_assignment(assignment_id: int) -> tuple[str, int] | Response:
    """One assignment: what it asks of whom, and a form to change its due date (sent back
    with its errors: 422)."""
    assignment = services.get_assignment(assignment_id)
    form = ChangeDueForm()
    fixed = assignment.due_kind == DueKind.FIXED
    if request.method == "GET":
        form.due_date.data, form.due_days.data = assignment.due_date, assignment.due_days
        form.renewal_window_days.data = assignment.renewal_window_days
    elif form.validate():
        wanted = form.due_date if fixed else form.due_days
        if wanted.data is None:
            wanted.errors = [
                "Enter a date, for example 31 March 2027" if fixed else "Enter a number of days"
            ]
        else:
            try:
                services.change_due(
                    assignment,
                    due_date=form.due_date.data if fixed else None,
                    due_days=None if fixed else form.due_days.data,
                    renewal_window_days=form.renewal_window_days.data,
                )
            except ValidationFailed as error:
                end_after_error(error)
                for issue in error.errors or []:
                    field = getattr(form, issue.where, None) or wanted
                    field.errors = [*field.errors, issue.message[:1].upper() + issue.message[1:]]
                if not error.errors:
                    wanted.errors = [error.message]
            else:
                flash("The due date is changed: everyone's due date was counted again.", "info")
                return redirect(url_for("assign.hr_assignment", assignment_id=assignment_id))
    info = listing.describe([services.get_assignment(assignment_id)])[0]
    page = render_template("assignments/detail.html", info=info, form=form, fixed=fixed)
    return page, 422 if request.method == "POST" else 200


@blp.route("/hr/assignments/<int:assignment_id>/remove", methods=["GET", "POST"])
@role_required(*HR_ONLY)
def hr_remove(assignment_id: int) -> str | Response:
    """Ask to confirm, then remove the assignment."""
    assignment = services.get_assignment(assignment_id)
    form = FlaskForm()
    info = listing.describe([assignment])[0]
    if request.method == "POST" and form.validate() and assignment.removed_at is None:
        released = services.remove_assignment(assignment)
        flash(
            f"Removed the assignment of {info.item_words}: it no longer applies to {released} "
            f"{'person' if released == 1 else 'people'}. Their completions are kept.",
            "info",
        )
        return redirect(url_for("assign.hr_assignments"))
    return render_template("assignments/remove.html", info=info, form=form)


# --- a manager's team ------------------------------------------------------------------------


def _team_people(manager_id: int, chosen: list[str]) -> tuple[list[Employee], list[str]]:
    """``(people to offer, chosen numbers not in the team)``: the active people of
    ``manager_id``'s subtree that were ``chosen`` (employee numbers) when all of them are in
    it; else (nothing chosen, or someone chosen who is not in the team: a tester's finding 7,
    where the page then said "Nobody in your team is active.") the first
    :data:`TEAM_LIST_LIMIT` by name, with those chosen from the team among them."""
    chosen = list(dict.fromkeys(chosen))[:TEAM_LIST_LIMIT]
    query = select(Employee).where(Employee.id.in_(subtree_ids_query(manager_id)))
    by_name = (Employee.last_name, Employee.first_name, Employee.id)
    picked = query.where(Employee.employee_number.in_(chosen)).order_by(*by_name)
    found = list(db.session.scalars(picked)) if chosen else []
    outside = [n for n in chosen if n not in {p.employee_number for p in found}]
    if found and not outside:
        return found, []
    offered = {p.id: p for p in found}
    for person in db.session.scalars(query.order_by(*by_name).limit(TEAM_LIST_LIMIT)):
        offered.setdefault(person.id, person)
    people = sorted(offered.values(), key=lambda p: (p.last_name, p.first_name, p.id))
    return people, outside


def _outside_words(numbers: list[str]) -> str:
    """ "E1015 is not in your team or does not exist. …" (the service's words: a manager
    cannot tell an unknown number from someone else's report)."""
    words = "; ".join(NOT_IN_TEAM.format(n).removeprefix("employee ") for n in numbers[:5])
    more = f" (and {len(numbers) - 5} more)" if len(numbers) > 5 else ""
    return f"{words[:1].upper()}{words[1:]}{more}. Choose people from your team below."


@blp.route("/team/assign", methods=["GET", "POST"])
@login_required
def team_assign() -> tuple[str, int] | Response:
    """A manager assigns a course, or chosen modules of it, to people of their own team
    (``?people=E1010&people=E1011``: those chosen on the team or person page); sent back with
    its errors: 422."""
    if not can_view_team(current_user):
        abort(
            403, description="Only managers assign learning to their team: nobody reports to you."
        )
    me = current_user.employee_id
    form = TeamAssignmentForm()
    form.due_kind.choices = DUE_KINDS[:2]
    courses = _learning_choices(form)
    chosen = list(
        (request.args.getlist("people") if request.method == "GET" else form.people.data) or []
    )
    people, outside = _team_people(me, chosen)
    form.people.choices = choices((p.employee_number, p.full_name) for p in people)
    form.people.data = [p.employee_number for p in people if p.employee_number in chosen]
    # without JavaScript, "Show the modules" sends the form to be shown again (no error)
    showing = request.method == "POST" and request.form.get("action") == "modules"
    if request.method == "GET" or showing:
        if request.method == "GET":
            form.submit_token.data = submit_tokens.new_token()
        if outside:
            form.people.errors = [_outside_words(outside)]
    elif form.validate():
        ok = _course_chosen(form) & (not form.due_problems())
        if outside:
            form.people.errors = [_outside_words(outside)]
            ok = False
        elif not form.people.data:
            form.people.errors = ["Choose at least one person"]
            ok = False
        if ok and _earlier(form.submit_token.data) is not None:
            # the token is claimed only here, so a form sent back with errors keeps it free
            flash("That was sent twice: it was assigned once.", "info")
            return redirect(url_for("web.team"))
        if ok:
            try:
                ids = people_keys.resolve_people(form.people.data, "people", manager_id=me)
                spec = AssignmentSpec(
                    course_id=int(form.course.data or 0),
                    audience=AudienceKind.PEOPLE,
                    module_ids=list(form.modules.data or []),
                    employee_ids=ids,
                    **_due(form),
                )
                assignment = services.create_assignment(spec, created_by_id=me, manager_id=me)
            except (ValidationFailed, Forbidden) as error:
                end_after_error(error)
                form.add_issues(people_keys.name_people(error.errors, "people"), fallback="people")
                if not error.errors:
                    form.people.errors = [*form.people.errors, error.message]
            else:
                if form.submit_token.data:
                    submit_tokens.record(
                        current_user.get_id(), form.submit_token.data, [assignment.id]
                    )
                info = listing.describe([assignment])[0]
                names = [p.full_name for p in people if p.employee_number in form.people.data]
                flash(f"Assigned {info.item_words} to {', '.join(names)}.", "info")
                if len(ids) == 1:
                    return redirect(url_for("web.person", employee_number=form.people.data[0]))
                return redirect(url_for("web.team"))
    page = render_template(
        "assignments/team_assign.html",
        form=form,
        courses=courses,
        people=people,
        limited=(not chosen or bool(outside)) and len(people) >= TEAM_LIST_LIMIT,
    )
    return page, 422 if request.method == "POST" and not showing else 200
