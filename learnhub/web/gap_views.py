"""Pages of "a manager acts on a gap in one step" (issue 11): from the team page, the proposal
of the modules that close one competence's gap for exactly the people who have it, with the
learning hours; a due date; confirm; then what was assigned.

``/team/gaps/<competence code>?framework=<slug>`` is the stable address (the heat map links
its cells here). ``&manager=<employee number>``: HR (anyone's team) or a manager (a manager
below them); without it, the caller's own team. The work is
:mod:`learnhub.reports.closing`'s; a double submit is answered with the first submit's
assignments (:mod:`learnhub.assignments.submit_tokens`).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import InputRequired, Length

from learnhub.assignments import listing, people_keys, submit_tokens
from learnhub.assignments.models import Assignment, DueKind
from learnhub.auth.models import Role
from learnhub.core.errors import Forbidden, NotFound, ValidationFailed
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.reports import closing
from learnhub.web.assign_forms import DUE_KINDS, _LearningFields

blp = Blueprint("gaps", __name__)


class CloseGapForm(_LearningFields):
    """The due date of the proposal's assignments (fixed, or days after it reaches each
    person: the team form's choices) and the form's one-time token."""

    submit_token = HiddenField(validators=[InputRequired(), Length(max=submit_tokens.TOKEN_LENGTH)])


def _args(proposal: closing.Proposal) -> dict:
    """The URL arguments that name ``proposal`` again."""
    args = {"code": proposal.competence.code, "framework": proposal.framework.slug}
    if request.args.get("manager"):
        args["manager"] = proposal.manager.employee_number
    return args


@blp.route("/team/gaps/<code>", methods=["GET", "POST"])
@login_required
def close_gap(code: str) -> str | Response | tuple[str, int]:
    """The proposal for competence ``code`` and, on POST, its confirmation: one assignment
    per course and module set, to the named people who need exactly those modules."""
    try:
        manager, scoped = closing.acting_manager(current_user, request.args.get("manager"))
    except Forbidden as error:
        if current_user.has_role(Role.HR) and not request.args.get("manager"):
            # 403 with a way on: HR has no team of their own here, but may name a manager's
            page = render_template("gaps/choose_manager.html", code=code, message=error.message)
            return page, 403
        abort(403, description=error.message)
    except NotFound as error:
        abort(404, description=error.message)
    try:
        framework, competence = closing.find_competence(code, request.args.get("framework"))
    except NotFound as error:
        abort(404, description=error.message)
    form = CloseGapForm()
    form.due_kind.choices = DUE_KINDS[:2]
    if request.method == "GET":
        form.submit_token.data = submit_tokens.new_token()
    elif form.validate() and not form.due_problems():
        owner = current_user.get_id()
        token = form.submit_token.data
        earlier = submit_tokens.claim(owner, token)
        if earlier is not None:
            return redirect(url_for("gaps.assigned", token=token))
        proposal = closing.propose(manager, framework, competence)
        try:
            made = closing.confirm(
                proposal,
                due_kind=DueKind(form.due_kind.data),
                due_date=form.due_date.data,
                due_days=form.due_days.data,
                created_by_id=current_user.employee_id,
                scoped=scoped,
            )
        except (ValidationFailed, Forbidden) as error:
            end_after_error(error)
            form.add_issues(people_keys.name_people(error.errors, "people"), fallback="due_kind")
            if not error.errors:
                form.due_kind.errors = [*form.due_kind.errors, error.message]
        else:
            submit_tokens.record(owner, token, [a.id for a in made])
            people = len({p[0] for g in proposal.to_assign for p in g.people})
            flash(
                f"Assigned the modules that close {competence.code} {competence.name} to "
                f"{people} {'person' if people == 1 else 'people'}."
                if made
                else "Nothing was left to assign: everyone with the gap already has it in hand.",
                "info",
            )
            return redirect(url_for("gaps.assigned", token=token))
    proposal = closing.propose(manager, framework, competence)
    return render_template("gaps/close.html", proposal=proposal, form=form, args=_args(proposal))


@blp.get("/team/gaps/assigned/<token>")
@login_required
def assigned(token: str) -> str:
    """What one confirmation (its form's token) assigned: the caller's own only."""
    row = db.session.get(submit_tokens.SubmitToken, (current_user.get_id(), token))
    if row is None:
        abort(404, description="Nothing was assigned with this form.")
    made = list(
        db.session.scalars(
            select(Assignment).where(Assignment.id.in_(row.assignment_ids)).order_by(Assignment.id)
        )
    )
    infos = listing.describe(made)
    numbers = {n for info in infos for n in info.employee_numbers}
    people = dict(
        db.session.execute(
            select(Employee.employee_number, Employee).where(Employee.employee_number.in_(numbers))
        ).all()
    )
    return render_template("gaps/assigned.html", infos=infos, people=people)
