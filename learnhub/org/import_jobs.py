"""Large HR imports planned by a worker (issue 13: "limit by work … run large imports as jobs").

A file whose rows (counted cheaply, :func:`count_rows`) exceed ``LEARNHUB_HR_IMPORT_JOB_ROWS``
(default 20,000) is not planned inside the web request (a 45,000-row XLSX took 46 s on the row
path; gunicorn kills a worker after 30): :func:`start_planning` keeps the file under a preview
token (:mod:`learnhub.org.import_staging`), records a run ``planning`` and queues the Celery
task ``org.plan_hr_import`` after the commit. The task (:func:`run_planning`) plans the file
exactly as the page does (:func:`learnhub.org.import_service.plan_request`), and the run
becomes the same ``dry_run`` preview (or ``invalid`` with its errors) a small file gets at once;
Confirm applies it as today. An API import (not a dry run) is planned *and applied* by the task,
in its one transaction (:func:`learnhub.org.import_service.apply_and_record`).

- **Progress**: the task writes its phase and rows (``read``/``check``/``apply``, every
  5,000 rows: :data:`learnhub.org.hr_import.plan.PROGRESS_EVERY`) into the preview file kept
  under the token, never into the database: the plan's transaction holds the imports lock
  (on SQLite the database's write lock), and it rolls back.
- **Idempotent** (``acks_late``): the task is given the run id and the attempt it was queued
  for; it does nothing unless the run is still ``planning`` at that attempt, and it ends the
  planning with a conditional UPDATE from ``planning``: a redelivered or duplicate message
  never records, nor applies, twice.
- **Stalls** (the export jobs' rule, :mod:`learnhub.reports.jobs.stalls`): no sign of life
  (queued, a progress tick) for ``LEARNHUB_HR_IMPORT_JOB_STALL_SECONDS`` (default 300) and the
  page says so and offers Start again (:func:`restart`: attempt + 1, queued again).
- **Cancel** (:func:`cancel_planning`): while the file is being checked (or its check
  failed) its person (or token) cancels it: the run reads cancelled (``expired`` with
  CANCELLED_MESSAGE, as a cancelled preview), the kept file is deleted at once, audited
  ``org_import_cancelled``. The task that wakes later (or is mid-plan: its next progress tick
  finds the file gone) ends without writing anything, as its claim from ``planning`` fails.
- **Failure**: an error the task did not expect marks the run ``failed`` with its message;
  the page shows it and offers Start again. Nothing was imported.

Without a broker (the embedded default) the task runs in-process after the commit: the
request then waits for the plan as before, and the page shows the finished preview.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from learnhub.core.errors import Conflict, DomainError, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.core.transactions import after_commit, queue_after_commit
from learnhub.extensions import db
from learnhub.org import import_preview, import_previews, import_staging
from learnhub.org.hr_import.tables import ZIP_MAGIC, Limits
from learnhub.org.hr_import.workbook_checks import scan_workbook
from learnhub.org.import_runs import HRImportRun, RunChannel, RunStatus
from learnhub.org.import_service import (
    Actor,
    ImportRequest,
    apply_and_record,
    plan_request,
    record_dry_run,
    record_planning,
    record_refusal,
)

logger = logging.getLogger(__name__)

#: the words of each phase on the page
PHASES = {
    "queued": "Waiting for a worker",
    "read": "Reading the rows",
    "check": "Checking the rows",
    "apply": "Importing",
}


def job_rows() -> int:
    """Rows above which a file is planned by a worker (``LEARNHUB_HR_IMPORT_JOB_ROWS``)."""
    return int(current_app.config.get("LEARNHUB_HR_IMPORT_JOB_ROWS", 20_000))


def stall_seconds() -> int:
    """Seconds without a sign of life after which a planning job is stalled
    (``LEARNHUB_HR_IMPORT_JOB_STALL_SECONDS``, default 300)."""
    return int(current_app.config.get("LEARNHUB_HR_IMPORT_JOB_STALL_SECONDS", 300))


def count_rows(data: bytes, file_name: str = "") -> int:
    """The person rows of an HR file, counted without reading it as a table (milliseconds at
    100,000 rows), to decide whether it is planned by a worker: a CSV's line breaks minus the
    header (a cell over several lines or a blank line counts once more: an upper bound); an
    XLSX's ``<row>`` elements of its largest worksheet minus the header, streamed from the ZIP
    (its stated sizes are not trusted) by the reader the import's checks use
    (:func:`learnhub.org.hr_import.workbook_checks.scan_workbook`). 0 for a workbook that
    cannot be opened or passes the import's limits (unpacked bytes, shared strings; the count
    stops there): the plan refuses it with its reason, quickly."""
    if data.startswith(ZIP_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(data)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    return max(lines - 1, 0)


def _xlsx_rows(data: bytes) -> int:
    try:  # within the import's limits: a workbook past them is refused at once by the plan
        counts = scan_workbook(data, Limits.from_config())
    except ValidationFailed:
        return 0
    return max(counts.rows - 1, 0)


def start_planning(
    request: ImportRequest, actor: Actor, rows: int, *, apply: bool = False
) -> HRImportRun:
    """Keep ``request``'s bytes under a new preview token, record its run ``planning`` (the
    run's ``rows``: the cheap count) and queue ``org.plan_hr_import`` after the commit.
    Options the task needs are the run's (``options``; ``apply``: an API import that is not a
    dry run, applied by the task). Raises StagingUnavailable (503). Flushes."""
    run = record_planning(request, actor, rows)
    if apply:
        run.options = {**(run.options or {}), "apply": True}
    token = import_staging.new_token()
    run.preview_token = token
    run.job_attempt = 1
    db.session.flush()
    import_staging.stage(token, request.data, _progress_doc("queued", 0, rows))
    _queue(run)
    return run


def _queue(run: HRImportRun) -> None:
    from learnhub.org.tasks import plan_hr_import

    queue_after_commit(plan_hr_import, run_id=run.id, attempt=run.job_attempt)


def _progress_doc(phase: str, done: int, total: int) -> dict[str, Any]:
    return {"planning": {"phase": phase, "done": done, "total": total, "at": time.time()}}


def progress_of(run: HRImportRun) -> dict[str, Any]:
    """Where the planning of ``run`` stands: ``phase`` (a key of PHASES), ``words`` (the
    phase as the page says it), ``done`` and ``total`` rows (``total`` the cheap count; 0 when
    unknown), ``last_sign`` (aware UTC datetime: the last tick, else when it was queued) and
    ``stalled`` (no sign of life for :func:`stall_seconds`). Of a ``dry_run`` whose apply a
    worker was asked for (:mod:`learnhub.org.import_apply_jobs`), the apply's."""
    doc = import_staging.read_preview(run.preview_token or "") or {}
    # a confirmed preview being applied by a worker (learnhub.org.import_apply_jobs)
    apply = doc.get("applying") if run.status == RunStatus.DRY_RUN else None
    kept = apply or doc.get("planning") or {}
    waiting = run.status == RunStatus.PLANNING or bool(
        apply and "error" not in apply and "next" not in apply
    )
    phase = kept.get("phase", "queued")
    total = max(int(kept.get("total") or 0), run.rows or 0)
    signs = [run.heartbeat_at or run.started_at]
    if kept.get("at"):
        signs.append(datetime.fromtimestamp(float(kept["at"]), tz=utcnow().tzinfo))
    last = max(signs)
    stalled = waiting and utcnow() - last > timedelta(seconds=stall_seconds())
    return {
        "phase": phase,
        "words": PHASES.get(phase, phase),
        "done": min(int(kept.get("done") or 0), total) if total else int(kept.get("done") or 0),
        "total": total,
        "last_sign": last,
        "stalled": stalled,
    }


def restart(run: HRImportRun) -> HRImportRun:
    """Queue the planning of ``run`` again (Start again): allowed for a stalled or failed
    planning job while its file is kept; the attempt goes up by one, so a message of the
    earlier attempt (a worker that comes back) is dropped. Raises Conflict when the run is
    not such a job or its file is gone. Flushes; the task is queued after the commit."""
    if run.status == RunStatus.PLANNING and not progress_of(run)["stalled"]:
        return run  # still alive: a second Start again changes nothing
    if run.status not in (RunStatus.PLANNING, RunStatus.FAILED) or run.preview_token is None:
        raise Conflict("This import is no longer waiting to be checked: upload the file again.")
    if import_staging.read_data(run.preview_token) is None:
        raise Conflict(
            "The uploaded file is no longer kept (its time ran out); nothing was imported. "
            "Upload the file again."
        )
    run.status, run.message, run.finished_at = RunStatus.PLANNING, None, None
    run.job_attempt += 1
    run.heartbeat_at = utcnow()
    import_staging.write_preview(run.preview_token, _progress_doc("queued", 0, run.rows))
    db.session.flush()
    _queue(run)
    return run


class PlanningCancelled(Exception):
    """The run was cancelled while its task planned it: the task stops at its next tick."""


def cancel_planning(run: HRImportRun) -> bool:
    """Cancel ``run`` while its file is being checked (``planning``) or its check failed: it
    reads cancelled (``expired`` with CANCELLED_MESSAGE; Start again no longer applies), its
    kept file is deleted after the commit, audited ``org_import_cancelled`` (the audit names
    the person or token).
    True when cancelled; False when it already was (idempotent). Conflict (409) for a run
    whose check has ended (a preview, a refusal, an import) or that a worker is importing
    now (its row is locked). Flushes; the caller commits."""
    if run.shown_status == "cancelled":
        return False
    # a worker applying an API import holds the run's row until its commit: do not wait
    held = db.session.scalar(
        select(HRImportRun.id)
        .where(HRImportRun.id == run.id, HRImportRun.status.in_(_CANCELLABLE))
        .with_for_update(skip_locked=True)
    )
    db.session.refresh(run)
    if held is None or run.status not in _CANCELLABLE:
        raise Conflict(
            "The check of this file has already ended, so it was not cancelled: "
            "see the import history."
        )
    token = run.preview_token or ""
    import_previews.mark_cancelled(run, "planning")
    after_commit(lambda: import_staging.discard(token))
    return True


#: the statuses a planning job may be cancelled in
_CANCELLABLE = (RunStatus.PLANNING, RunStatus.FAILED)


def _claim(run_id: int, attempt: int, status: RunStatus) -> bool:
    """Move the run from ``planning`` at ``attempt`` to ``status``; False when another
    delivery (or a Start again) got there first."""
    claimed = cast(
        CursorResult,
        db.session.execute(
            update(HRImportRun)
            .where(
                HRImportRun.id == run_id,
                HRImportRun.status == RunStatus.PLANNING,
                HRImportRun.job_attempt == attempt,
            )
            .values(status=status)
            .execution_options(synchronize_session=False)
        ),
    )
    return bool(claimed.rowcount)


def run_planning(run_id: int, attempt: int) -> str:
    """The task's work: plan run ``run_id`` queued at ``attempt`` and record it (``dry_run``
    with its preview, ``invalid`` with its errors, or, for an API import to apply,
    ``applied`` in this one transaction); a message that is not the run's current planning
    is dropped. An unexpected error marks the run ``failed`` with the error's words (and is
    logged). Returns the run's status (or "dropped"). The caller (the task) commits."""
    run = db.session.get(HRImportRun, run_id)
    if run is None or run.status != RunStatus.PLANNING or run.job_attempt != attempt:
        return "dropped"
    token = run.preview_token or ""
    data = import_staging.read_data(token)
    actor = Actor(RunChannel(run.channel), run.employee_id, run.api_token_id)
    if data is None:
        return _fail(run_id, attempt, "The uploaded file is no longer kept; upload it again.")
    request = import_previews.request_of(run, data)
    apply = bool((run.options or {}).get("apply"))
    total = run.rows

    def tick(phase: str, done: int, of: int) -> None:
        if not import_staging.kept(token):
            raise PlanningCancelled(f"HR import run {run_id} was cancelled")
        with contextlib.suppress(DomainError):  # progress is a courtesy: the plan goes on
            import_staging.write_preview(token, _progress_doc(phase, done, of or total))

    try:
        tick("read", 0, total)
        plan = plan_request(request, wait=True, progress=tick, actor=actor)
        if apply:
            if not _claim(run_id, attempt, RunStatus.APPLIED):
                db.session.rollback()
                return "dropped"
            db.session.refresh(run)
            tick("apply", 0, total)
            apply_and_record(plan, request, actor, progress=tick, run=run)
            after_commit(lambda: import_staging.discard(token))
            return str(RunStatus.APPLIED)
        preview = import_preview.describe(plan)
        seen = import_preview.fingerprint(plan)
    except PlanningCancelled:
        db.session.rollback()
        logger.info("HR import run %s: cancelled while being checked", run_id)
        return "dropped"
    except ValidationFailed as error:
        db.session.rollback()  # the lock ends with the plan's transaction
        if not _claim(run_id, attempt, RunStatus.INVALID):
            return "dropped"
        run = _fresh(run_id)
        record_refusal(error, request, actor, run=run)
        preview = import_preview.describe_errors(error)
    except Exception as error:  # every failure is shown on the page
        db.session.rollback()
        logger.exception("HR import run %s: planning failed", run_id)
        words = getattr(error, "message", None) or "The check stopped with an unexpected error"
        return _fail(run_id, attempt, f"{words.rstrip('.')}. Nothing was imported.")
    else:
        db.session.rollback()
        if not _claim(run_id, attempt, RunStatus.DRY_RUN):
            return "dropped"
        run = _fresh(run_id)
        record_dry_run(plan, request, actor, seen, run=run)
    preview |= {"file_name": run.file_name, "sha256": run.sha256, "run_id": run.id}
    import_staging.write_preview(token, preview)
    return str(run.status)


def _fresh(run_id: int) -> HRImportRun:
    run = db.session.get(HRImportRun, run_id, populate_existing=True)
    assert run is not None
    return run


def _fail(run_id: int, attempt: int, message: str) -> str:
    if not _claim(run_id, attempt, RunStatus.FAILED):
        return "dropped"
    run = _fresh(run_id)
    run.message = message[:500]
    run.finished_at = utcnow()
    db.session.flush()
    return str(RunStatus.FAILED)
