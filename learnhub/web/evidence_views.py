"""Pages of evidence recorded by hand (:mod:`learnhub.skills.recorded`): an employee rates
themself (from "My skills"); on a person's page, their managers and HR see the evidence by kind
with source and date, validate a level, withdraw one, and HR records prior learning.

The services check the rules; these views turn forms into calls and the services' issues back
into messages on the fields (GOV.UK pattern: an error summary, each message by its field).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from learnhub.catalog.models import Course, Module
from learnhub.core.errors import ValidationFailed
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.quizzes.models import Attempt, Quiz
from learnhub.reports.people import visible_employee
from learnhub.skills import recorded
from learnhub.skills.evidence_access import (
    Actor,
    may_record_prior_learning,
    may_validate,
    may_withdraw,
    withdrawable_ids,
)
from learnhub.skills.evidence_list import evidence_of, rating_rows
from learnhub.skills.models import Framework
from learnhub.skills.services import frameworks_with_profiles
from learnhub.web.evidence_forms import PriorLearningForm, ValidateForm, WithdrawForm

blp = Blueprint("evidence", __name__)


@blp.app_template_global("evidence_quiz_titles")
def evidence_quiz_titles(items: list) -> dict[int, str]:
    """{evidence id: "Module title (course title)"} for the evidence an attempt produced
    (``source`` "attempt:<id>": passed quizzes and question results), so a page names the quiz
    instead of an id. One query; {} when no item came from an attempt. A diagnostic (test-out)
    names its course."""
    attempt_of = {
        i.id: int(i.source.partition(":")[2])
        for i in items
        if i.source and i.source.startswith("attempt:") and i.source.partition(":")[2].isdigit()
    }
    if not attempt_of:
        return {}
    rows = db.session.execute(
        select(Attempt.id, Module.title, Course.title)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .outerjoin(Module, Module.id == Quiz.module_id)
        .join(Course, Course.id == func.coalesce(Module.course_id, Quiz.course_id))
        .where(Attempt.id.in_(set(attempt_of.values())))
    ).all()
    titles = {
        attempt_id: f"{module} ({course})" if module else f"the check of {course}"
        for attempt_id, module, course in rows
    }
    return {i: titles[a] for i, a in attempt_of.items() if a in titles}


def person_evidence(employee: Employee) -> dict:
    """What a person's page shows of their evidence to the signed-in user (who may see them):
    ``evidence_items`` (live and history), ``withdrawable`` (ids), ``may_validate``,
    ``may_record_prior`` and one ``validate_forms`` entry per framework with target profiles."""
    actor = Actor.of(current_user)
    items = evidence_of(employee.id)
    allowed = may_validate(actor, employee)
    return {
        "evidence_items": items,
        "withdrawable": withdrawable_ids(actor, employee, items),
        "may_validate": allowed,
        "may_record_prior": may_record_prior_learning(actor, employee),
        "validate_forms": [
            ValidateForm(formdata=None).for_framework(f) for f in frameworks_with_profiles()
        ]
        if allowed
        else [],
    }


def _framework() -> Framework:
    """The framework the request names (``framework``), else the first with target profiles;
    404 when none is loaded or the named one is not among them (never another framework's
    levels in its place)."""
    frameworks = frameworks_with_profiles()
    wanted = request.values.get("framework")
    if wanted:
        found = next((f for f in frameworks if f.slug == wanted), None)
    else:
        found = frameworks[0] if frameworks else None
    if found is None:
        abort(404, description="No competence framework with target profiles by that name.")
    return found


def _refuse_validation(actor: Actor, employee: Employee) -> None:
    if actor.employee_id == employee.id:
        abort(403, description="You cannot validate your own level: ask your manager or HR.")
    if not employee.active:
        abort(403, description="This person has left: no new evidence is recorded for leavers.")
    abort(403, description="Only this person's managers and HR staff validate their levels.")


def _back(employee: Employee) -> Response:
    return redirect(url_for("web.person", employee_number=employee.employee_number) + "#evidence")


@blp.route("/people/<employee_number>/validate", methods=["GET", "POST"])
@login_required
def validate(employee_number: str) -> str | Response:
    """A manager (for a person of their team) or HR confirms a level, with an optional note."""
    employee = visible_employee(employee_number)
    actor = Actor.of(current_user)
    if not may_validate(actor, employee):
        _refuse_validation(actor, employee)
    framework = _framework()
    form = ValidateForm()
    form.for_framework(framework)
    if request.method == "GET":
        form.competence.data = request.args.get("competence", "")
    elif form.validate():
        try:
            evidence = recorded.validate_level(
                actor,
                employee,
                framework.slug,
                form.competence.data or "",
                form.level.data or "",
                form.note.data,
            )
        except ValidationFailed as error:
            end_after_error(error)
            form.add_issues(error.errors)
        else:
            level = next(lvl for lvl in framework.levels if lvl.number == evidence.level_number)
            flash(
                f"You validated {employee.full_name}'s level in {form.competence.data}: "
                f"{level.number} {level.name}. It counts towards their attained level.",
                "info",
            )
            return _back(employee)
    return render_template(
        "evidence/validate.html", form=form, employee=employee, framework=framework
    )


@blp.route("/people/<employee_number>/prior-learning", methods=["GET", "POST"])
@login_required
def prior_learning(employee_number: str) -> str | Response:
    """HR records recognised prior learning: a level with a certificate, its date and expiry."""
    employee = visible_employee(employee_number)
    actor = Actor.of(current_user)
    if not may_record_prior_learning(actor, employee):
        abort(
            403,
            description="Only HR staff record prior learning, never their own, and only for "
            "people who have not left.",
        )
    framework = _framework()
    form = PriorLearningForm()
    form.for_framework(framework)
    if request.method == "POST" and form.validate():
        assert form.achieved_on.data is not None
        try:
            recorded.record_prior_learning(
                actor,
                employee,
                framework.slug,
                form.competence.data or "",
                form.level.data or "",
                form.reference.data or "",
                form.achieved_on.data,
                form.expires_on.data,
            )
        except ValidationFailed as error:
            end_after_error(error)
            form.add_issues(error.errors)
        else:
            flash(f"Recorded prior learning of {employee.full_name}.", "info")
            return _back(employee)
    return render_template(
        "evidence/prior_learning.html", form=form, employee=employee, framework=framework
    )


@blp.route("/evidence/<int:evidence_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(evidence_id: int) -> str | Response:
    """Withdraw a validation or a prior learning, with a reason (after a confirmation)."""
    actor = Actor.of(current_user)
    evidence = recorded.get_withdrawable(actor, evidence_id)
    employee = db.session.get(Employee, evidence.employee_id)
    assert employee is not None
    item = next(i for i in evidence_of(employee.id) if i.id == evidence.id)
    if evidence.revoked_at is None and not may_withdraw(actor, evidence):
        abort(
            403,
            description="You cannot withdraw this: never evidence about yourself, and prior "
            "learning only as HR.",
        )
    form = WithdrawForm()
    if request.method == "POST" and evidence.revoked_at is None and form.validate():
        try:
            recorded.withdraw_evidence(actor, evidence.id, form.reason.data or "")
        except ValidationFailed as error:
            end_after_error(error)
            form.reason.errors = [*list(form.reason.errors or []), error.message]
        else:
            flash(
                f"Withdrawn: {item.kind_words.lower()} of {item.competence_code} for "
                f"{employee.full_name}. It no longer counts.",
                "info",
            )
            return _back(employee)
    return render_template("evidence/withdraw.html", form=form, item=item, employee=employee)


@blp.route("/profile/self-assessment", methods=["GET", "POST"])
@login_required
def self_assessment() -> str | Response:
    """Rate yourself in each competence your job role targets, with what each level means.
    Stored as claimed: it never raises your attained level."""
    me = current_user.employee
    frameworks = [(f, rating_rows(me.id, f)) for f in frameworks_with_profiles()]
    form = FlaskForm()
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.validate():
        changed = 0
        try:
            for framework, rows in frameworks:
                ratings = {
                    row.competence.code: value
                    for row in rows
                    if (value := request.form.get(f"r{row.competence.id}", ""))
                }
                if ratings:
                    changed += recorded.self_assess(me, framework.slug, ratings)
        except ValidationFailed as error:
            end_after_error(error)
            by_code = {
                row.competence.code: row.competence.id for _f, rows in frameworks for row in rows
            }
            for issue in error.errors:
                key = f"r{by_code.get(issue.where.removeprefix('ratings.'), '')}"
                errors.setdefault(key, []).append(issue.message)
        else:
            flash(
                f"Your self-assessment is saved ({changed} "
                f"{'rating' if changed == 1 else 'ratings'} changed). It shows as claimed: your "
                "attained level still comes from quizzes, validations and prior learning.",
                "info",
            )
            return redirect(url_for("web.profile"))
    failing = [{"id": key, "errors": messages} for key, messages in errors.items()]
    return render_template(
        "evidence/self_assessment.html",
        form=form,
        frameworks=frameworks,
        errors=errors,
        failing=failing,
        posted=request.form if request.method == "POST" else {},
    )
