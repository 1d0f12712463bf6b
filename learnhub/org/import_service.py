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
- The page's two steps are in :mod:`learnhub.org.import_previews`.

Services flush, never commit: the request, command or task commits once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, TextClause, func, select, text

from learnhub.core.audit import AuditEvent, audit
from learnhub.core.errors import DomainError, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org import import_preview
from learnhub.org.hr_import import ImportPlan, Progress, apply_import, plan_import
from learnhub.org.import_guards import check_hr_not_leaving
from learnhub.org.import_runs import ISSUES_KEPT, HRImportRun, RunChannel, RunStatus
from learnhub.org.models import ImportMode
from learnhub.org.profiles import plan_with_profile
from learnhub.org.signals import import_recorded

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
    request: ImportRequest,
    *,
    wait: bool = True,
    progress: Progress | None = None,
    actor: Actor | None = None,
) -> ImportPlan:
    """Plan ``request`` (nothing changes). Raises as :func:`plan_import` does (ValidationFailed
    422 with every error by row, ImportRunning 409 when ``wait`` is false and another import
    runs), NotFound for an unknown profile; ValidationFailed too for a full sync that would
    make the person importing (``actor``, default the signed-in person) or every HR account a
    leaver (:func:`learnhub.org.import_guards.check_hr_not_leaving`)."""
    plan = _plan(request, wait=wait, progress=progress)
    importer = (actor or Actor.current(RunChannel.API)).employee_id
    check_hr_not_leaving(plan, importer)
    return plan


def _plan(request: ImportRequest, *, wait: bool, progress: Progress | None) -> ImportPlan:
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
    # of the organisation before the apply (a confirmed preview's is the same by then)
    seen = (run.fingerprint if run is not None else None) or import_preview.fingerprint(plan)
    summary = apply_import(plan, progress=progress)
    if run is None:
        run = _new_run(request, actor, RunStatus.APPLIED)
        db.session.add(run)
    _fill(run, plan, summary)
    run.status, run.dry_run, run.finished_at = RunStatus.APPLIED, False, utcnow()
    run.fingerprint = seen
    db.session.flush()
    import_recorded.send(None, run_id=run.id)
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


def record_dry_run(
    plan: ImportPlan,
    request: ImportRequest,
    actor: Actor,
    fingerprint: str | None = None,
    *,
    run: HRImportRun | None = None,
) -> HRImportRun:
    """Record a dry run of ``plan`` (call after rolling the plan's transaction back) with
    ``fingerprint`` (default: :func:`import_preview.fingerprint` of the organisation now; a
    preview passes the one taken in the plan's transaction, so a change committed in between
    is not taken as seen), in ``run`` (a planning job's row) or a new row. Flushes."""
    if run is None:
        run = _new_run(request, actor, RunStatus.DRY_RUN)
    run.status, run.dry_run = RunStatus.DRY_RUN, True
    _fill(run, plan)
    run.fingerprint = fingerprint or import_preview.fingerprint(plan)
    run.finished_at = utcnow()
    db.session.add(run)
    db.session.flush()
    return run


def record_planning(request: ImportRequest, actor: Actor, rows: int) -> HRImportRun:
    """Record a file to be planned by a worker (:mod:`learnhub.org.import_jobs`): a run
    ``planning`` with ``rows`` (the cheap count) as its rows so far. Flushes."""
    run = _new_run(request, actor, RunStatus.PLANNING)
    run.rows = rows
    run.heartbeat_at = run.started_at
    db.session.add(run)
    db.session.flush()
    return run


def record_refusal(
    error: DomainError,
    request: ImportRequest,
    actor: Actor,
    *,
    run: HRImportRun | None = None,
    status: RunStatus = RunStatus.INVALID,
) -> HRImportRun:
    """Record a file refused with ``error`` (call after rolling back), in ``run`` (a planning
    job's row) or a new row, as ``status`` (``failed``: a job that could not plan). Flushes."""
    if run is None:
        run = _new_run(request, actor, status)
    run.status, run.dry_run = status, True
    run.errors = max(len(error.errors), 1)
    run.message = error.message[:500]
    run.issues = [[i.where[:200], i.message[:500]] for i in error.errors[:ISSUES_KEPT]] or [
        ["file", error.message[:500]]
    ]
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
