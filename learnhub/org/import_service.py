"""Every HR import, from the page, the API and the command line, through one place that
records it in the import history (:class:`learnhub.org.import_runs.HRImportRun`).

- :func:`plan_request` plans a file as asked (a saved profile, or a source with the preset
  recognised from the header or a mapping file); :func:`plan_import` and
  :func:`plan_with_profile` are called through their public signatures only.
- :func:`apply_and_record` applies a plan (:func:`apply_import`), writes the ``org_import``
  audit event and the run row, in the caller's transaction: the history row commits or rolls
  back with the import itself.
- :func:`record_dry_run` / :func:`record_refusal` write the run of a dry run or of a refused
  file, after the caller rolled the import's transaction back (which also ends the imports
  lock at once).
- The page's two steps: :func:`stage_preview` (plan, record the dry run, keep the bytes and
  what was shown) and :func:`confirm_preview` (check the token, the time, the bytes' SHA-256,
  plan again, compare the fingerprints, apply).

Services flush, never commit: the request, command or task commits once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import cast

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, TextClause, func, select, text, update
from sqlalchemy.engine import CursorResult

from learnhub.core.audit import AuditEvent, audit
from learnhub.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.core.transactions import after_commit
from learnhub.extensions import db
from learnhub.org import import_preview, import_staging
from learnhub.org.hr_import import ImportPlan, Progress, apply_import, plan_import
from learnhub.org.import_runs import HRImportRun, RunChannel, RunStatus
from learnhub.org.models import ImportMode
from learnhub.org.profiles import plan_with_profile

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportRequest:
    """What to import and how: the file's bytes and name; a saved ``profile`` (its mapping,
    source, mode, encoding) or a ``source`` (the preset recognised from the header, or
    ``mapping_file``); ``mode`` "full"/"delta" (None: the profile's, else delta);
    ``encoding`` of a CSV (None: the profile's, else detected); ``max_leavers``: percent of the
    source's people a full sync may make leavers."""

    data: bytes
    file_name: str
    profile: str | None = None
    source: str = "hr"
    mode: str | None = None
    encoding: str | None = None
    max_leavers: float = 20
    mapping_file: Path | None = field(default=None, compare=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def options(self) -> dict:
        """What the run row keeps to plan again exactly so."""
        return {"mode": self.mode, "encoding": self.encoding, "max_leavers": self.max_leavers}


@dataclass(frozen=True)
class Actor:
    """Who runs an import: an employee (a person signed in), an API token, or the command line
    (neither)."""

    channel: RunChannel
    employee_id: int | None = None
    api_token_id: int | None = None

    @classmethod
    def current(cls, channel: RunChannel) -> Actor:
        """The signed-in person or the request's API token (none outside a request)."""
        if has_request_context() and current_user and current_user.is_authenticated:
            return cls(
                channel,
                getattr(current_user, "employee_id", None),
                getattr(current_user, "api_token_id", None),
            )
        return cls(channel)


def plan_request(
    request: ImportRequest, *, wait: bool = True, progress: Progress | None = None
) -> ImportPlan:
    """Plan ``request`` (nothing changes). Raises as :func:`plan_import` does (ValidationFailed
    422 with every error by row, ImportRunning 409 when ``wait`` is false and another import
    runs), NotFound for an unknown profile."""
    if request.profile:
        return plan_with_profile(
            request.data,
            request.profile,
            mode=request.mode,
            filename=request.file_name,
            progress=progress,
            max_leavers_percent=request.max_leavers,
            encoding=request.encoding,
            wait=wait,
        )
    return plan_import(
        request.data,
        source=request.source,
        mode=request.mode or ImportMode.DELTA,
        mapping_file=request.mapping_file,
        filename=request.file_name,
        progress=progress,
        max_leavers_percent=request.max_leavers,
        encoding=request.encoding,
        wait=wait,
    )


def _new_run(request: ImportRequest, actor: Actor, status: RunStatus) -> HRImportRun:
    return HRImportRun(
        started_at=utcnow(),
        channel=actor.channel,
        employee_id=actor.employee_id,
        api_token_id=actor.api_token_id,
        file_name=request.file_name[:255],
        sha256=request.sha256,
        file_bytes=len(request.data),
        profile=request.profile,
        source=request.profile or request.source,
        mode=request.mode or ImportMode.DELTA,
        options=request.options,
        status=status,
        dry_run=status != RunStatus.APPLIED,
    )


def _fill(run: HRImportRun, plan: ImportPlan, summary: dict[str, int] | None = None) -> None:
    numbers = import_preview.counts(plan) | (summary or {})
    for name in ("rows", "added", "updated", "unchanged", "left"):
        setattr(run, name, numbers[name])
    run.units_added, run.units_moved = numbers["units_added"], numbers["units_moved"]
    run.warnings, run.errors = numbers["warnings"], 0
    run.source, run.mode, run.encoding = plan.source, ImportMode(plan.mode), plan.encoding


def apply_and_record(
    plan: ImportPlan,
    request: ImportRequest,
    actor: Actor,
    *,
    progress: Progress | None = None,
    run: HRImportRun | None = None,
) -> tuple[dict[str, int], HRImportRun]:
    """Apply ``plan`` and record it, in the caller's transaction: the run (``run``, a page's
    previewed one, else a new row) becomes ``applied`` with the counts; when anything changed,
    the ``org_import`` audit event names the run. Returns (the apply's summary, the run).
    Flushes."""
    before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    summary = apply_import(plan, progress=progress)
    if run is None:
        run = _new_run(request, actor, RunStatus.APPLIED)
        db.session.add(run)
    _fill(run, plan, summary)
    run.status, run.dry_run, run.finished_at = RunStatus.APPLIED, False, utcnow()
    run.fingerprint = import_preview.fingerprint(plan)
    db.session.flush()
    if plan.changes_anything:
        audit(
            "org_import",
            target=request.file_name,
            source=plan.source,
            mode=plan.mode,
            run_id=run.id,
            sha256=request.sha256,
            **summary,
        )
        db.session.flush()
    _note_audit_events(run, before)
    logger.info("HR import run %s applied: %s", run.id, summary)
    return summary, run


def _note_audit_events(run: HRImportRun, before: int) -> None:
    """Keep which audit events this transaction wrote since ``before`` (the largest id then):
    on PostgreSQL those whose row was written by this transaction (``xmin``), as events of
    other transactions may take ids in between; on SQLite the import holds the database's
    write lock, so the range is this transaction's alone."""
    query = select(func.min(AuditEvent.id), func.max(AuditEvent.id)).where(AuditEvent.id > before)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.where(text("xmin = pg_current_xact_id()::xid"))
        run.audit_xid = db.session.scalar(text("SELECT pg_current_xact_id()::text::bigint"))
    run.audit_first_id, run.audit_last_id = db.session.execute(query).one()
    db.session.flush()


def audit_events_of(run: HRImportRun, limit: int = 200) -> tuple[list[AuditEvent], int]:
    """The audit events ``run``'s apply wrote, oldest first (at most ``limit``), and how many
    there are."""
    if run.audit_first_id is None or run.audit_last_id is None:
        return [], 0
    where: list[ColumnElement[bool] | TextClause] = [
        AuditEvent.id.between(run.audit_first_id, run.audit_last_id)
    ]
    if run.audit_xid is not None and db.session.get_bind().dialect.name == "postgresql":
        xid = str(run.audit_xid % 2**32)  # xid8 -> the 32-bit xid a row's xmin holds
        where.append(text("xmin = CAST(:xid AS xid)").bindparams(xid=xid))
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*where)) or 0
    events = db.session.scalars(
        select(AuditEvent).where(*where).order_by(AuditEvent.id).limit(limit)
    )
    return list(events), total


def record_dry_run(plan: ImportPlan, request: ImportRequest, actor: Actor) -> HRImportRun:
    """Record a dry run of ``plan`` (call after rolling the plan's transaction back). Flushes."""
    run = _new_run(request, actor, RunStatus.DRY_RUN)
    _fill(run, plan)
    run.fingerprint = import_preview.fingerprint(plan)
    run.finished_at = utcnow()
    db.session.add(run)
    db.session.flush()
    return run


def record_refusal(error: DomainError, request: ImportRequest, actor: Actor) -> HRImportRun:
    """Record a file refused with ``error`` (call after rolling back). Flushes."""
    run = _new_run(request, actor, RunStatus.INVALID)
    run.errors = max(len(error.errors), 1)
    run.message = error.message[:500]
    run.finished_at = utcnow()
    db.session.add(run)
    db.session.flush()
    return run


class RefusalKept(ValidationFailed):
    """A refused file whose run was recorded: the commit point keeps that row (the import's
    own work was rolled back before it was written)."""

    keep_changes = True


def refusal_kept(error: ValidationFailed) -> RefusalKept:
    """``error`` again, as one whose recorded refusal the commit point keeps."""
    return RefusalKept(error.message, error.errors)


# --- the page's preview and confirmation --------------------------------------------------


def stage_preview(request: ImportRequest, actor: Actor) -> HRImportRun:
    """Plan ``request`` (refused at once when another import runs), roll the plan's
    transaction back, record the run (``dry_run``, or ``invalid`` with the errors) and keep
    the bytes and the preview in the instance folder under a new token (the run's
    ``preview_token``). Raises ImportRunning (409) and NotFound (no such profile)."""
    try:
        plan = plan_request(request, wait=False)
    except ValidationFailed as error:
        db.session.rollback()
        run = record_refusal(error, request, actor)
        preview = import_preview.describe_errors(error)
    else:
        preview = import_preview.describe(plan)
        db.session.rollback()  # the lock ends with the plan's transaction
        run = record_dry_run(plan, request, actor)
    token = import_staging.new_token()
    run.preview_token = token
    db.session.flush()
    preview |= {"file_name": request.file_name, "sha256": request.sha256, "run_id": run.id}
    import_staging.stage(token, request.data, preview)
    return run


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


def confirm_preview(token: str, actor: Actor) -> tuple[HRImportRun, bool]:
    """Apply the preview ``token`` exactly as it was shown, once. Returns (the applied run,
    whether this call applied it: False when an earlier submit of the same form did).

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
    options = run.options or {}
    request = ImportRequest(
        data=data,
        file_name=run.file_name,
        profile=run.profile,
        source=run.source,
        mode=options.get("mode"),
        encoding=options.get("encoding"),
        max_leavers=float(options.get("max_leavers", 20)),
    )
    try:
        plan = plan_request(request, wait=False)
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
    _summary, run = apply_and_record(plan, request, actor, run=run)
    after_commit(lambda: import_staging.discard(token, keep_preview=True))
    return run, True
