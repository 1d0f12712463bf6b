"""Server-rendered pages for the three journeys: learn, see the team's gaps, export."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
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
from learnhub.quizzes.models import Attempt, AttemptState
from learnhub.quizzes.presentation import attempt_view
from learnhub.quizzes.responses import from_display
from learnhub.quizzes.revisions import ChangedElsewhere
from learnhub.reports.gap_assigned import learning_in_hand
from learnhub.reports.people import person_view, visible_employee
from learnhub.reports.person_record import person_record
from learnhub.reports.team import team_view
from learnhub.skills.evidence_list import evidence_of
from learnhub.skills.services import competence_profile, frameworks_with_profiles
from learnhub.skills.summaries import pending_since
from learnhub.web import drafts, filters
from learnhub.web.evidence_views import person_evidence
from learnhub.web.forms import (
    REVISION_HEADER,
    answer_summary,
    responses_from_form,
    sent_revision,
    unanswered,
)

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


@blp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int) -> str | Response | tuple[str, int]:
    """The quiz form while in progress (save or submit), the result once submitted. Every
    save and submit carries the page's answer revision (``answers_revision``): one from a page
    older than the stored answers is refused, and the page is shown again with the answers
    stored now (learnhub.quizzes.revisions)."""
    item = quizzes.get_attempt(attempt_id, current_user)
    if request.method == "POST":
        view = attempt_view(item)
        answers = from_display(
            item, responses_from_form(request.form, view["questions"]), numbers_checked=False
        )
        revision = sent_revision(request.form)
        if request.form.get("action") == "autosave":  # the page's script (quiz-timer.js)
            if item.state == AttemptState.IN_PROGRESS:
                try:
                    quizzes.save_responses(item, answers, revision)
                except quizzes.TimeUp as error:  # closed; the page shows it at its next load
                    end_after_error(error)
                except Conflict as error:  # another page saved (or submitted): this one stops
                    end_after_error(error)
                    message = f"{error.message} Reload the page to see the answers saved now."
                    refused = jsonify(message=message)
                    refused.status_code = 409
                    return refused
            return Response(status=204, headers={REVISION_HEADER: str(item.answers_revision)})
        if request.form.get("action") == "save" and item.state == AttemptState.IN_PROGRESS:
            try:
                quizzes.save_responses(item, answers, revision)
            except quizzes.TimeUp as error:
                end_after_error(error)  # the closed attempt stays
                flash(error.message, "error")
                return redirect(url_for("web.attempt", attempt_id=item.id))
            except ChangedElsewhere as error:
                return _changed_elsewhere(item, error)
            flash("Your answers are saved. You can come back and finish later.", "info")
            return redirect(url_for("web.attempt", attempt_id=item.id))
        if request.form.get("action") == "submit" and item.state == AttemptState.IN_PROGRESS:
            missing = unanswered(view["questions"], answers)  # confirm before scoring them 0
            if missing and not request.form.get("confirmed"):
                try:
                    quizzes.save_responses(item, answers, revision)
                except quizzes.TimeUp as error:  # closed with what was saved: show the result
                    end_after_error(error)
                    flash(error.message, "error")
                    return redirect(url_for("web.attempt", attempt_id=item.id))
                except ChangedElsewhere as error:
                    return _changed_elsewhere(item, error)
                return render_template(
                    "attempt_confirm.html",
                    attempt=item,
                    missing=missing,
                    summary=answer_summary(view["questions"], answers),
                )
        # confirmed ("submit_saved"): the answers just saved, else those of this form
        confirmed = request.form.get("action") == "submit_saved"
        try:
            quizzes.submit_attempt(item, None if confirmed else answers, revision)
        except ChangedElsewhere as error:
            return _changed_elsewhere(item, error)
        return redirect(url_for("web.attempt", attempt_id=item.id))
    quizzes.close_if_overdue(item)
    return _attempt_page(item)


def _changed_elsewhere(item: Attempt, error: ChangedElsewhere) -> tuple[str, int]:
    """A save or submit from a page older than the stored answers: nothing of it is kept, and
    the page is shown again (409) with the answers stored now and the message (Moodle's
    "This quiz has been changed in another window or tab")."""
    end_after_error(error)
    flash(
        f"{error.message} The answers saved there are shown below: check them, then save or "
        "submit again.",
        "error",
    )
    return _attempt_page(item), 409


def _attempt_page(item: Attempt) -> str:
    """The attempt page: the quiz form in progress, the result once submitted."""
    view = drafts.restore(item, attempt_view(item))
    passed = view["result"] is not None and view["result"]["passed"]
    if item.quiz.course_id is not None:  # a course's test-out (diagnostic quiz)
        return render_template(
            "attempt.html",
            attempt=item,
            view=view,
            module=None,
            course=catalog.get_course(item.quiz.course_id),
        )
    module_item = catalog.get_module(item.quiz.module_id or 0)
    return render_template(
        "attempt.html",
        attempt=item,
        view=view,
        module=module_item,
        next_module=catalog.next_module(module_item) if passed else None,
    )


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
