"""Server-rendered pages for the three journeys: learn, see the team's gaps, export."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learnhub.assignments.listing import requirement_rows
from learnhub.auth.models import Role
from learnhub.auth.permissions import HR_ONLY, can_view_team, role_required, roles_of
from learnhub.catalog import services as catalog
from learnhub.catalog.presentation import module_view
from learnhub.core.errors import Conflict
from learnhub.core.models import utcnow
from learnhub.core.transactions import end_after_error
from learnhub.org import services as org_services
from learnhub.org.time_zones import local_date, time_zone_of
from learnhub.progress import services as progress
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.diagnostic import test_out_for
from learnhub.quizzes.models import AttemptState
from learnhub.reports.gap_assigned import learning_in_hand
from learnhub.reports.people import person_view, visible_employee
from learnhub.reports.person_record import person_record
from learnhub.reports.team import team_view
from learnhub.skills.evidence_list import evidence_of
from learnhub.skills.services import competence_profile, frameworks_with_profiles
from learnhub.skills.summaries import pending_since
from learnhub.web import drafts, filters
from learnhub.web.evidence_views import person_evidence

blp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)
filters.register(blp)
blp.before_app_request(drafts.keep_unsendable_quiz_form)  # registered before the CSRF check


@blp.app_context_processor
def _navigation() -> dict:
    if not current_user.is_authenticated:
        return {"roles": []}
    return {"roles": roles_of(current_user)}


@blp.get("/")
@login_required
def dashboard() -> str:
    """My learning: "To do" first (assigned learning, soonest due first, due dates in my own
    time zone), then what I completed of it, then my other courses (optional learning)."""
    me = current_user.employee
    where = time_zone_of(me)
    required = requirement_rows(me.id, where)
    courses = progress.progress_for(me.id)
    assigned = {r.course_id for r in required}
    return render_template(
        "dashboard.html",
        to_do=[r for r in required if r.is_open],
        done=[r for r in required if not r.is_open],
        progress={c.course_id: c for c in courses},
        courses=[c for c in courses if c.course_id not in assigned],
        today=local_date(utcnow(), where),
        zone=where,
    )


@blp.get("/courses/<int:course_id>")
@login_required
def course(course_id: int) -> str:
    item = catalog.get_course(course_id)
    mine = next(
        c for c in progress.progress_for(current_user.employee_id) if c.course_id == item.id
    )
    return render_template(
        "course.html",
        course=item,
        progress=mine,
        test_out=test_out_for(item, current_user.employee_id),
    )


@blp.post("/courses/<int:course_id>/enrol")
@login_required
def enrol(course_id: int) -> Response:
    progress.enrol(current_user.employee_id, course_id)
    flash("You are enrolled.", "info")
    return redirect(url_for("web.course", course_id=course_id))


@blp.get("/modules/<int:module_id>")
@login_required
def module(module_id: int) -> str:
    item = catalog.get_module(module_id)
    progress.module_opened(current_user.employee_id, item)
    # the overdue attempts closed first (never show a stuck attempt)
    attempts = quizzes.page_attempts(item.id, current_user.employee_id)
    data = module_view(item)
    quiz = data["quiz"]
    open_attempt = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    used = sum(1 for a in attempts if a.state == AttemptState.SUBMITTED)
    return render_template(
        "module.html",
        module=item,
        data=data,
        quiz=quiz,
        attempts=attempts,
        open_attempt=open_attempt,
        used=used,
    )


@blp.post("/quizzes/<int:quiz_id>/start")
@login_required
def start(quiz_id: int) -> Response:
    try:
        attempt = quizzes.start_attempt(quiz_id, current_user.employee_id)
    except Conflict as error:
        end_after_error(error)
        flash(error.message, "error")
        quiz = quizzes.get_quiz(quiz_id)
        if quiz.module_id is None:  # a course's test-out
            return redirect(url_for("web.course", course_id=quiz.course_id))
        return redirect(url_for("web.module", module_id=quiz.module_id))
    return redirect(url_for("web.attempt", attempt_id=attempt.id))


@blp.get("/profile")
@login_required
def profile() -> str:
    """My competence profile: attained level, target and gap per competence."""
    frameworks = [
        (f, competence_profile(current_user.employee_id, f)) for f in frameworks_with_profiles()
    ]
    return render_template(
        "profile.html", frameworks=frameworks, evidence=evidence_of(current_user.employee_id)
    )


@blp.get("/team")
@login_required
def team() -> str:
    """The manager's team page: the skill-gap summary of the whole subtree."""
    if not can_view_team(current_user):
        abort(403, description="Only managers have a team page: nobody reports to you.")
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdecimal() and raw.isascii() and len(raw) < 8 else 1
    me = current_user.employee_id
    view = team_view(me, page=page)
    zone = time_zone_of(getattr(current_user, "employee", None))
    for f in view["frameworks"]:
        # the gaps whose learning is already assigned or completed (a tester's finding 8)
        f["in_hand"] = learning_in_hand(me, f["framework"]["id"], zone) if f["summary"] else {}
    # changes not yet counted in the stored summaries (a tester's finding 3)
    since = pending_since(me)
    return render_template(
        "team.html",
        team=view,
        pending=since
        and {"since": since, "minutes": int((utcnow() - since).total_seconds() // 60)},
    )


@blp.get("/people/<employee_number>")
@login_required
def person(employee_number: str) -> str:
    """One person's competence profile and completion, for their managers and HR (404 for
    anyone else). No responses, grades or raw scores. HR also sees the person's record and
    account (``record``: learnhub.reports.person_record; None for anyone else)."""
    employee = visible_employee(employee_number)
    where = time_zone_of(employee)
    return render_template(
        "person.html",
        person=person_view(employee),
        record=person_record(employee) if current_user.has_role(Role.HR) else None,
        requirements=requirement_rows(employee.id, where),
        zone=where,
        today=local_date(utcnow(), where),
        may_assign=employee.id != current_user.employee_id
        and employee.active
        and org_services.is_in_subtree(current_user.employee_id, employee.id),
        # HR exempts people from requirements (learnhub.assignments.exemptions), never themself
        may_exempt=current_user.has_role(Role.HR)
        and employee.active
        and employee.id != current_user.employee_id,
        **person_evidence(employee),
    )


@blp.get("/hr")
@role_required(*HR_ONLY)
def hr() -> str:
    """HR's start page: a card per task, each linking to its page (exports: the Exports page
    with the report chosen, ``/exports?report=…``; no export form of its own)."""
    return render_template("hr.html")
