"""HR import in the browser (issue 13): upload an HR file, see the dry run as a preview,
confirm; the history of every import run (page, API, command line).

- ``/hr/imports``: the upload form and the history, newest first, paginated.
- ``/hr/imports/preview/<token>``: the preview of one upload (counts; the people added,
  updated with what changes, leaving; new and moved units; warnings; errors by row, the first
  ERRORS_SHOWN with the total and the full list as CSV), and its confirmation (POST). The
  token is the uploader's own; the file stays in the instance folder until it is applied or
  its time runs out (:mod:`learnhub.org.import_staging`); the confirmation checks its SHA-256
  and applies only a plan identical to the previewed one
  (:func:`learnhub.org.import_previews.confirm_preview`), once, however often it is sent.
- ``/hr/imports/runs/<id>``: one run's counts and the audit events its apply wrote.

The saved import profiles (``/hr/imports/profiles``) are on this blueprint too, in
:mod:`learnhub.web.hr_import_profile_views`; the checking and importing pages of a large file
in :mod:`learnhub.web.hr_import_job_views`.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from learnhub.auth import invitations
from learnhub.auth.models import ApiToken
from learnhub.auth.permissions import HR_ONLY, role_required
from learnhub.core.errors import Conflict, NotFound
from learnhub.core.spreadsheet import csv_chunks, neutralise
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.org import (
    import_apply_jobs,
    import_jobs,
    import_previews,
    import_service,
    import_staging,
)
from learnhub.org.hr_import.file_kind import is_no_hr_file
from learnhub.org.import_preview import ERRORS_SHOWN, LIST_MAX
from learnhub.org.import_runs import HRImportRun, RunChannel, RunStatus
from learnhub.org.models import Employee
from learnhub.org.profiles import list_profiles
from learnhub.web.assign_forms import choices
from learnhub.web.hr_import_forms import UploadForm
from learnhub.web.hr_import_job_views import WAITING, apply_page, checking_page, wants_job

blp = Blueprint("hrimport", __name__)


@blp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload over the limit (MAX_CONTENT_LENGTH, refused before it is read): LearnHub's
    page in plain words, the limit in MB and a link back to the import page (a fresh
    tester's finding: Werkzeug's text and "Back to my learning")."""
    end_after_error(error)
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    megabytes = f"{round(limit / 2**20, 2):g}"
    return render_template("hr_imports/too_large.html", megabytes=megabytes), 413


#: runs per page of the history
PAGE_SIZE = 20
STATUS_WORDS = {
    RunStatus.DRY_RUN: "Preview, not imported",
    RunStatus.APPLIED: "Applied",
    RunStatus.INVALID: "Refused (errors)",
    RunStatus.EXPIRED: "Preview expired",
    RunStatus.SUPERSEDED: "Preview replaced",
    "cancelled": "Cancelled",
    RunStatus.PLANNING: "Being checked",
    RunStatus.FAILED: "Check failed",
}
#: a run whose worker is at work, or stopped giving signs of life (F10: the history said
#: "Preview, not imported" for a confirmed run being imported)
JOB_WORDS = {
    ("check", False): "Checking…",
    ("check", True): "Stalled: the check stopped (open it to start again)",
    ("apply", False): "Importing…",
    ("apply", True): "Stalled: the import stopped (open it to start again)",
}
CHANNEL_WORDS = {RunChannel.PAGE: "page", RunChannel.API: "API", RunChannel.CLI: "command line"}


def _actor() -> import_service.Actor:
    return import_service.Actor.current(RunChannel.PAGE)


def _who(runs: list[HRImportRun]) -> dict[int, str]:
    """{run id: who ran it} ("Hana Rossi", "API token 'HR system'", "Command line")."""
    people = dict(
        db.session.execute(
            select(Employee.id, Employee).where(
                Employee.id.in_({r.employee_id for r in runs if r.employee_id})
            )
        ).all()
    )
    tokens = dict(
        db.session.execute(
            select(ApiToken.id, ApiToken.name).where(
                ApiToken.id.in_({r.api_token_id for r in runs if r.api_token_id})
            )
        ).all()
    )
    who = {}
    for run in runs:
        if run.employee_id:
            person = people.get(run.employee_id)
            who[run.id] = person.full_name if person else f"Employee {run.employee_id} (erased)"
        elif run.api_token_id:
            who[run.id] = f"API token “{tokens.get(run.api_token_id, run.api_token_id)}”"
        else:
            who[run.id] = "Command line"
    return who


def _profile_choices(form: UploadForm) -> None:
    form.profile.choices = choices(
        [("", "None: recognise the columns from the header")]
        + [(p.name, f"{p.name} ({p.mode})") for p in list_profiles()]
    )


def status_words(run: HRImportRun) -> str:
    """How the history says ``run``'s status: STATUS_WORDS, except while a worker checks it
    (``planning``) or imports a confirmed preview (``dry_run`` with an apply under way):
    JOB_WORDS, stalled or not (:func:`learnhub.org.import_jobs.progress_of`)."""
    job = None
    if run.status == RunStatus.PLANNING:
        job = "check"
    elif run.status == RunStatus.DRY_RUN and run.preview_token:
        entry = import_apply_jobs.applying(run.preview_token)
        if entry and "error" not in entry and "next" not in entry:
            job = "apply"
    if job is None:
        return STATUS_WORDS[run.shown_status]
    return JOB_WORDS[(job, bool(import_jobs.progress_of(run)["stalled"]))]


def _history(page: int) -> dict:
    total = db.session.scalar(select(func.count(HRImportRun.id))) or 0
    last = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), last)
    runs = list(
        db.session.scalars(
            select(HRImportRun)
            .order_by(HRImportRun.started_at.desc(), HRImportRun.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    return {
        "runs": runs,
        "who": _who(runs),
        "shown": {r.id: status_words(r) for r in runs},
        "page": page,
        "last": last,
        "total": total,
    }


@blp.route("/hr/imports", methods=["GET", "POST"])
@role_required(*HR_ONLY)
def index() -> str | Response | tuple[str, int]:
    """The upload form and the history; a valid upload is planned and shown as a preview."""
    if request.method == "GET":  # (a POST's plan rolls its transaction back)
        import_previews.expire_previews()
    form = UploadForm()
    _profile_choices(form)
    if request.method == "GET":
        # the source of this person's latest import, else most people's (the demo's is
        # "demo"): a file imported under another source would move everyone to it
        form.source.data = import_previews.default_source(_actor().employee_id) or "hr"
    status = 200
    if request.method == "POST" and form.validate():
        upload = form.file.data
        import_request = import_service.ImportRequest(
            data=upload.read(),
            file_name=(upload.filename or "upload")[:255],
            profile=form.profile.data or None,
            source=form.source.data or "hr",
            mode=form.mode.data or None,
            encoding=(form.encoding.data or "").strip() or None,
            max_leavers=float(form.max_leavers.data),
        )
        # a file that is surely no HR export is refused at once, never queued (F16)
        rows = (
            0
            if is_no_hr_file(import_request.data)
            else import_jobs.count_rows(import_request.data, import_request.file_name)
        )
        try:
            if rows > import_jobs.job_rows():  # a worker checks it (issue 13)
                run = import_jobs.start_planning(import_request, _actor(), rows)
            else:
                run = import_previews.stage_preview(import_request, _actor())
        # another import runs; the profile went; the staging folder is unusable (503)
        except (Conflict, NotFound, import_staging.StagingUnavailable) as error:
            end_after_error(error)
            form.file.errors = [*form.file.errors, error.message]
            status = error.status_code
        else:
            return redirect(url_for("hrimport.preview", token=run.preview_token))
    elif request.method == "POST":
        status = 422
    page = request.args.get("page", 1, type=int) or 1
    return render_template(
        "hr_imports/index.html",
        form=form,
        words=STATUS_WORDS,
        channels=CHANNEL_WORDS,
        **_history(page),
    ), status


def _waiting_run(token: str) -> HRImportRun | None:
    """The caller's run of ``token`` while its file is being checked (or that failed)."""
    try:
        run = import_previews.preview_run(token, _actor())
    except NotFound:
        return None
    return run if run.status in WAITING else None


def _preview_or_404(token: str) -> tuple[HRImportRun, dict]:
    try:
        run = import_previews.preview_run(token, _actor())
    except NotFound as error:
        abort(404, description=error.message)
    shown = import_staging.read_preview(token)
    if shown is None:
        abort(410, description="This preview is no longer kept: upload the file again.")
    return run, shown


@blp.post("/hr/imports/preview/<token>/cancel")
@role_required(*HR_ONLY)
def cancel(token: str) -> Response:
    """Cancel a preview, or a large file still being checked by a worker (or whose check
    failed): nothing is imported and the uploaded file is deleted now. A check that ended
    meanwhile is said on the import page (nothing cancelled); twice changes nothing."""
    form = FlaskForm()
    if form.validate():
        waiting = _waiting_run(token)
        try:
            if waiting is not None:
                import_jobs.cancel_planning(waiting)
            else:
                import_previews.cancel_preview(token, _actor())
        except Conflict as error:
            end_after_error(error)
            flash(error.message, "error")
            return redirect(url_for("hrimport.preview", token=token))
        flash("Cancelled: nothing was imported, and the uploaded file is deleted.", "info")
    return redirect(url_for("hrimport.index"))


@blp.route("/hr/imports/preview/<token>", methods=["GET", "POST"])
@role_required(*HR_ONLY)
def preview(token: str) -> str | Response | tuple[str, int]:
    """The dry run of one upload and, on POST, its confirmation; while a worker checks a
    large file, its "Checking your file" page."""
    waiting = _waiting_run(token)
    if waiting is not None:
        return checking_page(waiting, token, 409 if request.method == "POST" else 200)
    run, shown = _preview_or_404(token)
    if (answer := apply_page(run, token, shown)) is not None:
        return answer
    form = FlaskForm()
    status = 200
    if request.method == "POST" and form.validate():
        if wants_job(run) and run.status == RunStatus.DRY_RUN and not import_previews.expired(run):
            import_apply_jobs.start_applying(run)  # a worker applies it (issue 13)
            return redirect(url_for("hrimport.preview", token=token))
        try:
            applied, first = import_previews.confirm_preview(token, _actor())
        except import_previews.PreviewChanged as error:
            end_after_error(error)  # keeps the new preview
            flash(error.message, "error")
            return redirect(url_for("hrimport.preview", token=error.run.preview_token))
        except (Conflict, NotFound, import_previews.PreviewGone) as error:
            end_after_error(error)
            flash(error.message, "error")
            status = error.status_code
            run = db.session.get(HRImportRun, run.id) or run
        else:
            flash(
                "Imported: the organisation now matches the file."
                if first
                else "That was sent twice: the file was imported once.",
                "info",
            )
            return redirect(url_for("hrimport.run", run_id=applied.id))
    elif run.status == RunStatus.APPLIED:
        return redirect(url_for("hrimport.run", run_id=run.id))
    expired = run.status == RunStatus.EXPIRED or (
        run.status == RunStatus.DRY_RUN and import_previews.expired(run)
    )
    return render_template(
        "hr_imports/preview.html",
        run=run,
        shown=shown,
        form=form,
        token=token,
        expired=expired,
        words=STATUS_WORDS,
        list_max=LIST_MAX,
        errors_shown=ERRORS_SHOWN,
        minutes=import_staging.ttl_seconds() // 60,
    ), status


@blp.get("/hr/imports/preview/<token>/errors.csv")
@role_required(*HR_ONLY)
def errors_csv(token: str) -> Response:
    """Every error of a refused upload: row (or cell), message; cells neutralised."""
    run, shown = _preview_or_404(token)
    rows = [["where", "error"]] + [
        [neutralise(w), neutralise(m)] for w, m in shown.get("errors", [])
    ]
    name = f"hr-import-{run.id}-errors.csv"
    return Response(
        "".join(csv_chunks(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blp.get("/hr/imports/runs/<int:run_id>")
@role_required(*HR_ONLY)
def run(run_id: int) -> str:
    """One import run: who, when, the file, the counts; for an applied run its audit events."""
    found = db.session.get(HRImportRun, run_id)
    if found is None:
        abort(404, description="No such import run.")
    events, total = import_service.audit_events_of(found)
    mine = found.employee_id == current_user.employee_id and found.preview_token
    return render_template(
        "hr_imports/run.html",
        run=found,
        who=_who([found])[found.id],
        events=events,
        events_total=total,
        invites=invitations.of_run(found.id),
        shown=status_words(found),
        words=STATUS_WORDS,
        channels=CHANNEL_WORDS,
        preview_token=found.preview_token if mine and found.status != RunStatus.APPLIED else None,
    )
