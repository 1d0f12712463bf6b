"""The ``/hr/imports`` page's two steps, on top of :mod:`learnhub.org.import_service`:
:func:`stage_preview` plans an upload, records the dry run and keeps the bytes and what was
shown (:mod:`learnhub.org.import_staging`); :func:`confirm_preview` checks the token, the time
and the bytes' SHA-256, plans again, compares the fingerprints
(:func:`learnhub.org.import_preview.fingerprint`) and applies, once.

Services flush, never commit: the request commits once.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult

from learnhub.core.audit import audit
from learnhub.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.core.transactions import after_commit
from learnhub.extensions import db
from learnhub.org import import_preview, import_staging
from learnhub.org.hr_import import Progress
from learnhub.org.import_runs import CANCELLED_MESSAGE, HRImportRun, RunStatus
from learnhub.org.import_service import (
    Actor,
    ImportRequest,
    apply_and_record,
    plan_request,
    record_dry_run,
    record_refusal,
)
from learnhub.org.models import Employee


def stage_preview(request: ImportRequest, actor: Actor) -> HRImportRun:
    """Plan ``request`` (refused at once when another import runs), roll the plan's
    transaction back, record the run (``dry_run``, or ``invalid`` with the errors) and keep
    the bytes and the preview in the instance folder under a new token (the run's
    ``preview_token``). Raises ImportRunning (409) and NotFound (no such profile)."""
    try:
        plan = plan_request(request, wait=False, actor=actor)
    except ValidationFailed as error:
        db.session.rollback()
        run = record_refusal(error, request, actor)
        preview = import_preview.describe_errors(error)
    else:
        preview = import_preview.describe(plan)
        seen = import_preview.fingerprint(plan)
        db.session.rollback()  # the lock ends with the plan's transaction
        run = record_dry_run(plan, request, actor, seen)
    token = import_staging.new_token()
    run.preview_token = token
    db.session.flush()
    preview |= {"file_name": request.file_name, "sha256": request.sha256, "run_id": run.id}
    import_staging.stage(token, request.data, preview)
    return run


def default_source(employee_id: int | None) -> str | None:
    """The Source the upload form offers: that of the latest import applied by this person
    (``employee_id``), else the source most active people come from; None when nobody is
    active. Never a fixed "hr": with several sources, re-importing a file under the wrong one
    moves every person of it (a fresh tester's finding: 120 "moves from source demo"
    warnings for an unchanged file)."""
    if employee_id is not None:
        latest = db.session.scalar(
            select(HRImportRun.source)
            .where(HRImportRun.employee_id == employee_id, HRImportRun.status == RunStatus.APPLIED)
            .order_by(HRImportRun.started_at.desc(), HRImportRun.id.desc())
            .limit(1)
        )
        if latest:
            return latest
    return db.session.scalar(
        select(Employee.source)
        .where(Employee.active.is_(True))
        .group_by(Employee.source)
        .order_by(func.count().desc(), Employee.source)
        .limit(1)
    )


class PreviewGone(DomainError):
    """The preview's time ran out: its file was deleted (HTTP 410)."""

    status_code = 410


class PreviewChanged(Conflict):
    """The organisation changed since the preview: nothing was imported; ``run`` is the new
    preview of the same file (HTTP 409)."""

    keep_changes = True

    def __init__(self, run: HRImportRun) -> None:
        super().__init__(
            "The organisation changed since the preview: nothing was imported. Check what the "
            "import would do now and confirm again."
        )
        self.run = run


def preview_run(token: str, actor: Actor) -> HRImportRun:
    """The run of the preview ``token``, the actor's own; NotFound otherwise (also for a
    token of the wrong shape: nothing is looked up)."""
    run = None
    if import_staging.valid_token(token):
        run = db.session.scalar(select(HRImportRun).where(HRImportRun.preview_token == token))
    if run is None or run.employee_id != actor.employee_id:
        raise NotFound("No such import preview: upload the file again.")
    return run


def expired(run: HRImportRun) -> bool:
    return utcnow() - run.started_at > timedelta(seconds=import_staging.ttl_seconds())


def expire_previews() -> int:
    """Mark the previews whose time ran out ``expired`` and delete their files (and any staged
    file past its time). Returns how many runs it marked. Flushes."""
    limit = utcnow() - timedelta(seconds=import_staging.ttl_seconds())
    stale = list(
        db.session.scalars(
            select(HRImportRun).where(
                HRImportRun.status == RunStatus.DRY_RUN,
                HRImportRun.preview_token.is_not(None),
                HRImportRun.started_at < limit,
            )
        )
    )
    for run in stale:
        import_staging.discard(run.preview_token or "", keep_preview=True)
        run.status = RunStatus.EXPIRED
    import_staging.sweep()
    db.session.flush()
    return len(stale)


def cancel_preview(token: str, actor: Actor) -> HRImportRun:
    """Cancel the actor's preview ``token``: its uploaded file (personal data) is deleted at
    once instead of waiting for its time to run out, and the run reads expired (with the
    message CANCELLED_MESSAGE: the history says "Cancelled"), so it can no longer be confirmed
    (a fresh tester's finding: "Cancel" was a link that kept the file). Cancelling what is
    already applied, refused or expired changes nothing. Audited ``org_import_cancelled``
    (as :func:`learnhub.org.import_jobs.cancel_planning`). NotFound as
    :func:`preview_run`. Conflict (409) while a worker is importing the confirmed preview
    (its apply queued and not stalled, or the run's row locked by the apply's transaction):
    its file must stay until the apply ends (the lead's review of the Cancel of a file being
    checked, issue 13). Flushes."""
    from learnhub.org import import_apply_jobs, import_jobs

    run = preview_run(token, actor)
    if run.status != RunStatus.DRY_RUN:
        return run
    entry = import_apply_jobs.applying(token)
    queued = entry and "error" not in entry and "next" not in entry
    held = db.session.scalar(
        select(HRImportRun.id)
        .where(HRImportRun.id == run.id, HRImportRun.status == RunStatus.DRY_RUN)
        .with_for_update(skip_locked=True)
    )
    db.session.refresh(run)
    if (queued and not import_jobs.progress_of(run)["stalled"]) or (
        held is None and run.status == RunStatus.DRY_RUN
    ):
        raise Conflict(
            "This file is being imported now, so it can no longer be cancelled: "
            "see the import history."
        )
    if run.status == RunStatus.DRY_RUN:
        import_staging.discard(token, keep_preview=True)
        mark_cancelled(run, "dry_run")
    return run


def mark_cancelled(run: HRImportRun, was: str) -> None:
    """Mark ``run`` cancelled (``expired`` with CANCELLED_MESSAGE: the history says
    "Cancelled"; ``finished_at`` now) and audit ``org_import_cancelled`` with the status it
    ``was`` in (``dry_run``: a preview; ``planning``: a file being checked). Deleting the kept
    file is the caller's. Flushes."""
    run.status, run.message, run.finished_at = RunStatus.EXPIRED, CANCELLED_MESSAGE, utcnow()
    audit(
        "org_import_cancelled",
        target=run.file_name,
        run_id=run.id,
        sha256=run.sha256,
        rows=run.rows,
        status=was,
    )
    db.session.flush()


def confirm_preview(
    token: str, actor: Actor, progress: Progress | None = None
) -> tuple[HRImportRun, bool]:
    """Apply the preview ``token`` exactly as it was shown, once. Returns (the applied run,
    whether this call applied it: False when an earlier submit of the same form did).
    ``progress`` hears the plan and the apply (a worker's, :mod:`learnhub.org.import_apply_jobs`).

    The run is claimed first (a conditional UPDATE from ``dry_run``: of two submits of one
    form the second waits for the first's commit, then finds nothing to claim and gets the
    applied run back). Refused: an unknown or another person's token (NotFound), a refused or
    superseded preview (Conflict), a preview older than its time (PreviewGone, 410; its file
    is deleted), staged bytes whose SHA-256 is not the run's (Conflict: nothing applied, the
    file is deleted), another import running (ImportRunning, 409), a new plan whose
    fingerprint differs from the preview's or that is now refused (PreviewChanged, 409, with
    the new preview of the same bytes)."""
    run = preview_run(token, actor)
    if run.status == RunStatus.APPLIED:
        return run, False
    if run.status == RunStatus.INVALID:
        raise Conflict("This file was refused with errors: correct it and upload it again.")
    if run.status == RunStatus.SUPERSEDED:
        raise Conflict("A newer preview of this file replaced this one: confirm that one.")
    if run.shown_status == "cancelled":
        raise PreviewGone(
            "This preview was cancelled and its file was deleted; nothing was imported. "
            "Upload the file again."
        )
    if run.status == RunStatus.EXPIRED or expired(run):
        raise PreviewGone(
            "This preview is older than "
            f"{import_staging.ttl_seconds() // 60} minutes and its file was deleted; nothing "
            "was imported. Upload the file again."
        )
    claimed = cast(
        CursorResult,
        db.session.execute(
            update(HRImportRun)
            .where(HRImportRun.id == run.id, HRImportRun.status == RunStatus.DRY_RUN)
            .values(status=RunStatus.APPLIED)
            .execution_options(synchronize_session=False)
        ),
    )
    if not claimed.rowcount:
        db.session.rollback()
        done = db.session.get(HRImportRun, run.id, populate_existing=True)
        if done is None or done.status != RunStatus.APPLIED:
            raise Conflict("This preview can no longer be confirmed: upload the file again.")
        return done, False
    data = import_staging.read_data(token)
    if data is None or hashlib.sha256(data).hexdigest() != run.sha256:
        import_staging.discard(token, keep_preview=True)
        raise Conflict(
            "The uploaded file kept for this preview is missing or not the file that was "
            "previewed (its SHA-256 differs); nothing was imported. Upload the file again."
        )
    request = request_of(run, data)
    try:
        plan = plan_request(request, wait=False, actor=actor, progress=progress)
        same = import_preview.fingerprint(plan) == run.fingerprint
    except ValidationFailed:
        same = False
    if not same:
        db.session.rollback()  # the claim and the lock go; the new preview plans afresh
        newer = stage_preview(request, actor)
        stale = db.session.get(HRImportRun, run.id, populate_existing=True)
        assert stale is not None
        stale.status = RunStatus.SUPERSEDED
        db.session.flush()
        import_staging.discard(token, keep_preview=True)
        raise PreviewChanged(newer)
    db.session.refresh(run)
    _summary, run = apply_and_record(plan, request, actor, run=run, progress=progress)
    after_commit(lambda: import_staging.discard(token, keep_preview=True))
    return run, True


def request_of(run: HRImportRun, data: bytes) -> ImportRequest:
    """The :class:`ImportRequest` a kept run stands for: its file's bytes ``data`` with the
    profile, source, mode, encoding and leaver limit chosen when it was uploaded (run.options)."""
    options = run.options or {}
    return ImportRequest(
        data=data,
        file_name=run.file_name,
        profile=run.profile,
        source=run.source,
        mode=options.get("mode"),
        encoding=options.get("encoding"),
        max_leavers=float(options.get("max_leavers", 20)),
    )
