"""The "Checking your file" page of an HR import planned by a worker (issue 13;
:mod:`learnhub.org.import_jobs`).

``/hr/imports/preview/<token>`` shows it (:func:`checking_page`) while the run is ``planning``
or ``failed``, then the preview as for any file. Its progress (phase, rows checked of the
count) is a live region that ``hr_import_job.js`` refreshes from
``/hr/imports/preview/<token>/progress`` (JSON), every 3 s slowing to 30 s, reloading the page
when the check has ended; without JavaScript its "Check now" link does the same. A stalled
(no sign of life for LEARNHUB_HR_IMPORT_JOB_STALL_SECONDS) or failed check offers Start again
(``POST …/restart``). While the file is being checked (or after its check failed) the page
offers Cancel (``POST …/cancel`` of :mod:`learnhub.web.hr_import_views`, which then calls
:func:`learnhub.org.import_jobs.cancel_planning`): the kept file is deleted at once.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from learnhub.auth.permissions import HR_ONLY, role_required
from learnhub.core.errors import Conflict, NotFound
from learnhub.core.transactions import end_after_error
from learnhub.org import import_apply_jobs, import_jobs, import_previews
from learnhub.org.import_runs import HRImportRun, RunChannel, RunStatus
from learnhub.org.import_service import Actor

blp = Blueprint("hrimportjob", __name__)

#: the statuses of a run whose preview is not ready: the checking page is shown instead
WAITING = (RunStatus.PLANNING, RunStatus.FAILED)


def _run_or_404(token: str) -> HRImportRun:
    try:
        return import_previews.preview_run(token, Actor.current(RunChannel.PAGE))
    except NotFound as error:
        abort(404, description=error.message)


def checking_page(
    run: HRImportRun, token: str, status: int = 200, *, applying: bool = False
) -> tuple[str, int]:
    """The page of ``run`` while a worker checks its file (or after that failed), or, with
    ``applying``, imports its confirmed preview."""
    progress = import_jobs.progress_of(run)
    return render_template(
        "hr_imports/checking.html",
        run=run,
        token=token,
        progress=progress,
        applying=applying,
        stall_minutes=max(1, import_jobs.stall_seconds() // 60),
        form=FlaskForm(),
    ), status


def _alive(entry: dict | None) -> bool:
    return bool(entry) and "error" not in entry and "next" not in entry  # type: ignore[operator]


def wants_job(run: HRImportRun) -> bool:
    """Whether Confirm on ``run``'s preview is applied by a worker: a large file's."""
    return run.rows > import_jobs.job_rows()


def apply_page(run: HRImportRun, token: str, shown: dict) -> Response | tuple[str, int] | None:
    """What the preview page answers while (or after) a worker applies its confirmation:
    the "Importing your file" page while it runs; after a refusal, its words (once) above
    the preview again (None: the preview); after the organisation changed, the new preview.
    None when no apply was asked."""
    entry = shown.get("applying") if run.status == RunStatus.DRY_RUN else None
    if not entry and run.status != RunStatus.SUPERSEDED:
        return None
    if entry and _alive(entry):
        return checking_page(run, token, applying=True)
    entry = entry or shown.get("applying") or {}
    if entry.get("next"):
        flash(
            "The organisation changed since the preview: nothing was imported. Check what the "
            "import would do now and confirm again.",
            "error",
        )
        return redirect(url_for("hrimport.preview", token=entry["next"]))
    if entry.get("error"):
        flash(entry["error"], "error")
        import_apply_jobs.clear_outcome(token)
    return None


@blp.get("/hr/imports/preview/<token>/progress")
@role_required(*HR_ONLY)
def progress(token: str) -> Response:
    """Where the check (or the apply) stands, as JSON: ``status`` (the run's, or "applying"
    while a worker applies its confirmed preview), ``phase``, ``words``, ``done`` and
    ``total`` rows, ``stalled``."""
    run = _run_or_404(token)
    entry = import_apply_jobs.applying(token) if run.status == RunStatus.DRY_RUN else None
    state = "applying" if _alive(entry) else str(run.status)
    shown = import_jobs.progress_of(run) if run.status in WAITING or _alive(entry) else {}
    return jsonify(
        status=state,
        phase=shown.get("phase"),
        words=shown.get("words"),
        done=shown.get("done"),
        total=shown.get("total"),
        stalled=bool(shown.get("stalled")),
    )


@blp.post("/hr/imports/preview/<token>/restart")
@role_required(*HR_ONLY)
def restart(token: str) -> Response:
    """Start the check of a stalled or failed planning, or the import of a stalled apply,
    again (the same kept file); the message says which (F18: "being checked" on an import)."""
    run = _run_or_404(token)
    form = FlaskForm()
    if form.validate():
        said = "Started again: your file is being checked."
        try:
            if run.status == RunStatus.DRY_RUN and _alive(import_apply_jobs.applying(token)):
                import_apply_jobs.start_applying(run)  # a stalled apply (alive: unchanged)
                said = "Started again: your file is being imported."
            else:
                import_jobs.restart(run)
        except Conflict as error:
            end_after_error(error)
            flash(error.message, "error")
            return redirect(url_for("hrimport.index"))
        flash(said, "info")
    return redirect(url_for("hrimport.preview", token=token))
