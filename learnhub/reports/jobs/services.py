"""Export jobs: asked for (:func:`create_job`), written by a worker (:func:`run_job`), found by
who may see them (:func:`visible_job`), and deleted when they expire (:func:`delete_expired`).

Choices where the issue is silent:

- **Where the files live**: ``LEARNHUB_EXPORT_DIR`` (default ``<instance>/exports``); web and
  workers must share it (one machine, or a shared volume). A job's file is named by its id and
  run token (``17-<token>.csv``), never by anything the user typed.
- **Idempotent, keyed by the job id** (DESIGN.md): a finished or failed job is left as it is;
  a job found running again (the worker died and the task came back, ``acks_late``) is taken
  over by the new run, which writes its own file from the start; the older run, if it is still
  alive, finds the job no longer its own and drops its file.
- **Stalls** (a worker killed, none running): learnhub.reports.jobs.stalls.
- **Progress**: on PostgreSQL the rows written (and a heartbeat) are stored every 5,000 rows
  (:data:`learnhub.reports.jobs.writing.TICK_ROWS`) through a connection
  of their own (the export's own transaction holds the reading cursor); on SQLite (the
  embedded default, small organisations) progress jumps from 0 to done.
- **Who sees a job**: the person who asked for it, in the browser or through an API token of
  theirs (a token acts for its owner; a command-line token sees its own jobs only), and HR
  (an HR person's token too). Anyone else gets a 404, as for a job that does not exist.
- **Expiry**: ``LEARNHUB_EXPORT_JOB_HOURS`` (default 168: a week) after it finished; the beat task
  deletes the file, and a download asked after expiry deletes it too and answers 410.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import ColumnElement, case, func, or_, select, update

from learnhub.auth.models import ApiToken, Role
from learnhub.auth.permissions import User, granted_roles_of
from learnhub.core.audit import audit
from learnhub.core.errors import NotFound
from learnhub.core.models import utcnow
from learnhub.core.transactions import queue_after_commit, unit_of_work
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.reports.jobs.catalogue import TITLES, ExportRequest, Prepared, Report, prepare
from learnhub.reports.jobs.models import ExportJob, JobStatus
from learnhub.reports.jobs.writing import export_dir, write_file

logger = logging.getLogger(__name__)


def threshold() -> int:
    """Rows above which an export becomes a job (``LEARNHUB_EXPORT_JOB_THRESHOLD``)."""
    return int(current_app.config.get("LEARNHUB_EXPORT_JOB_THRESHOLD", 50_000))


def download_name(job: ExportJob) -> str:
    """The file name a download gets: ``learnhub-<report>-job<id>-<finished UTC>.<format>``."""
    at = job.finished_at or job.created_at
    return f"learnhub-{job.report.replace('_', '-')}-job{job.id}-{at:%Y%m%dT%H%M%SZ}.{job.format}"


def create_job(
    request: ExportRequest, prepared: Prepared, user: User, rows_estimated: int | None = None
) -> ExportJob:
    """Record a queued export job for ``request`` (already prepared: its filters are valid),
    with a row estimate (``rows_estimated``, else a COUNT now), audited as
    ``export_job_requested``; the worker is queued after the commit. Flushes; the caller
    commits."""
    job = ExportJob(
        requested_by_id=user.employee_id,
        requested_by_token_id=getattr(user, "api_token_id", None),
        report=request.report.value,
        format=request.format.value,
        excel=prepared.excel,
        filters=request.as_json(),
        manager_scope_id=request.manager_id,
        status=JobStatus.QUEUED,
        rows_estimated=prepared.count() if rows_estimated is None else rows_estimated,
        created_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    audit(
        "export_job_requested",
        target=f"export-job:{job.id}",
        report=job.report,
        format=job.format,
        excel=job.excel,
        rows_estimated=job.rows_estimated,
        **prepared.audit,
    )
    from learnhub.reports.jobs.tasks import run_export

    queue_after_commit(run_export, job_id=job.id, retry=0)
    return job


def _owner_of(user: User) -> int | None:
    """The employee ``user`` acts for: a person themself, an API token its owner (None for a
    token made on the command line, which acts for nobody but itself)."""
    token_id = getattr(user, "api_token_id", None)
    if token_id is None:
        return user.employee_id
    return db.session.scalar(select(ApiToken.owner_id).where(ApiToken.id == token_id))


def _asked_by(person: int) -> ColumnElement[bool]:
    """SQL: the job was asked for by ``person``, in the browser or through a token they own."""
    owned = select(ApiToken.id).where(ApiToken.owner_id == person)
    return or_(ExportJob.requested_by_id == person, ExportJob.requested_by_token_id.in_(owned))


def _mine(user: User) -> ColumnElement[bool] | None:
    """SQL: the job is ``user``'s own (see :func:`jobs_of`); None when nothing can be."""
    token_id = getattr(user, "api_token_id", None)
    mine = [] if token_id is None else [ExportJob.requested_by_token_id == token_id]
    person = _owner_of(user)
    if person is not None:
        mine.append(_asked_by(person))
    return or_(*mine) if mine else None


def jobs_of(user: User, limit: int = 20) -> list[ExportJob]:
    """The caller's own jobs, newest first (at most ``limit``): a person's whichever way they
    asked (the page, or an API token of theirs: it acts for its owner; tester report E7); a
    token's, those of its owner (a command-line token: its own only)."""
    mine = _mine(user)
    if mine is None:
        return []
    query = select(ExportJob).where(mine)
    query = query.order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def _same_request(job: ExportJob, request: ExportRequest) -> bool:
    asked = ExportRequest.from_json(
        job.report, job.format, job.excel, job.manager_scope_id, job.filters
    )
    return replace(asked, statuses=tuple(sorted(asked.statuses))) == replace(
        request, statuses=tuple(sorted(request.statuses))
    )


def identical_job(request: ExportRequest, user: User) -> ExportJob | None:
    """The caller's own job (:func:`jobs_of`) still queued or running, not stalled, that asks
    for exactly ``request`` (report, filters, format, CSV for Excel, scope), newest first;
    None when there is none. A resubmitted form or a second tab then shows that job instead of
    writing the same file twice (tester report E8: two identical 62 MB jobs). Locks the
    requester's row on PostgreSQL, so two such requests at once make one job."""
    from learnhub.reports.jobs.stalls import stall_seconds  # stalls builds on this module

    mine = _mine(user)
    if mine is None:
        return None
    person = _owner_of(user)
    if person is not None:  # two tabs at once: the second waits for the first's commit
        db.session.execute(select(Employee.id).where(Employee.id == person).with_for_update())
    now, seconds = utcnow(), stall_seconds()
    waiting = db.session.scalars(
        select(ExportJob)
        .where(
            mine,
            ExportJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            ExportJob.report == request.report.value,
            ExportJob.format == request.format.value,
        )
        .order_by(ExportJob.id.desc())
    )
    for job in waiting:
        if not job.stalled(now, seconds) and _same_request(job, request):
            return job
    return None


def may_see(user: User, job: ExportJob) -> bool:
    """The requester and HR see a job; nobody else. The requester is the person whichever way
    they asked (page, or an API token of theirs), and a token acts for its owner: an HR
    person's token sees what they see (README: "the requester or HR may download")."""
    token_id = getattr(user, "api_token_id", None)
    if token_id is not None and job.requested_by_token_id == token_id:
        return True
    person = _owner_of(user)
    if person is None:
        return False
    if job.requested_by_id == person:
        return True
    if token_id is None and user.has_role(Role.HR):
        return True
    if token_id is not None and Role.HR.value in granted_roles_of(person):
        return True
    if job.requested_by_token_id is None:
        return False
    owner = db.session.scalar(
        select(ApiToken.owner_id).where(ApiToken.id == job.requested_by_token_id)
    )
    return owner == person


def visible_job(user: User, job_id: int) -> ExportJob:
    """The job ``job_id`` if ``user`` may see it; NotFound (404) otherwise, whether or not it
    exists."""
    job = db.session.get(ExportJob, job_id)
    if job is None or not may_see(user, job):
        raise NotFound("No export job of yours has this number.")
    return job


def file_path(job: ExportJob) -> Path | None:
    """The path of a finished job's file (None when it has none)."""
    return export_dir() / job.file_name if job.file_name else None


def delete_file(job: ExportJob, now: datetime) -> None:
    """Delete an expired job's file (if still there) and record when. Flushes."""
    path = file_path(job)
    if path is not None:
        path.unlink(missing_ok=True)
    if job.file_deleted_at is None:
        job.file_deleted_at = now
    db.session.flush()


def delete_expired(now: datetime | None = None) -> int:
    """Delete the files of every finished job past its expiry; returns how many. Idempotent
    (a job whose file is gone is skipped). Flushes; the task commits."""
    now = now or utcnow()
    due = db.session.scalars(
        select(ExportJob).where(
            ExportJob.status == JobStatus.DONE,
            ExportJob.expires_at <= now,
            ExportJob.file_deleted_at.is_(None),
        )
    ).all()
    for job in due:
        delete_file(job, now)
        audit("export_job_expired", target=f"export-job:{job.id}", report=job.report)
    return len(due)


def discard_parts(job_id: int, keep: str = "", only: str | None = None) -> int:
    """Delete the ``.part`` files of job ``job_id`` (``<id>-<run token>.<format>.part``) left
    by earlier runs: every one but run ``keep``'s, or (``only``) just run ``only``'s; how
    many. A run still writing one keeps its open file (POSIX) and stops at its next tick, as
    the job is no longer its own. Without this a killed run's file stayed until the beat
    sweep (tester report, issue 13)."""
    deleted = 0
    for part in export_dir().glob(f"{job_id}-*.part"):
        token = part.name.partition("-")[2].split(".", 1)[0]
        if token == keep or (only is not None and token != only):
            continue
        part.unlink(missing_ok=True)
        deleted += 1
    return deleted


class Superseded(Exception):
    """The job is no longer this run's: cancelled, or queued again and taken over."""


def _store_progress(job_id: int, token: str, rows: int) -> None:
    """Record ``rows`` written and a heartbeat, raising the estimate when ``rows`` passes it
    (the organisation grew since the COUNT: progress never shows more than 100 %).
    Superseded when the job is no longer this run's, so the run stops at once."""
    if db.engine.dialect.name != "postgresql":
        return  # SQLite: one writer at a time; the job's transaction holds the database
    with db.engine.begin() as connection:
        result = connection.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.run_token == token)
            .values(
                rows_done=rows,
                heartbeat_at=utcnow(),
                rows_estimated=case(
                    (func.coalesce(ExportJob.rows_estimated, 0) < rows, rows),
                    else_=ExportJob.rows_estimated,
                ),
            )
        )
    if result.rowcount == 0:
        raise Superseded(f"export job {job_id} is no longer run {token}")


def _claim(job_id: int, retry: int | None) -> tuple[ExportJob | None, str]:
    token = secrets.token_hex(8)
    with unit_of_work():
        job = db.session.get(ExportJob, job_id, with_for_update=True)
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job, ""
        if retry is not None and retry < job.retries:
            return job, ""  # queued before a Retry: the newer message runs it
        now = utcnow()
        job.status = JobStatus.RUNNING
        job.run_token = token
        job.rows_done = 0
        job.started_at = job.heartbeat_at = now
        job.attempts += 1
    # the job is this run's now: an earlier run's partial file (a killed worker's, or one
    # retried) goes, without waiting for the beat sweep
    discard_parts(job_id, keep=token)
    return job, token


def _recount(job_id: int, token: str, prepared: Prepared) -> None:
    """A restarted run counts again: the organisation may have changed since the request."""
    rows = prepared.count()
    with unit_of_work():
        db.session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.run_token == token)
            .values(rows_estimated=rows, heartbeat_at=utcnow())
        )


def run_job(job_id: int, retry: int | None = None) -> str:
    """Write export job ``job_id``'s file and record it done (rows, size, SHA-256, expiry), or
    failed with the reason; returns the status. Idempotent by job id (module docstring):
    ``retry`` is the job's ``retries`` when the task was queued, and a message older than the
    last Retry is dropped. A restarted run (``attempts`` > 1) writes from zero and counts the
    estimate again. Commits its own steps: the claim, then the result."""
    job, token = _claim(job_id, retry)
    if job is None:
        logger.warning("export job %s does not exist", job_id)
        return "missing"
    if not token:
        return str(job.status)
    request = ExportRequest.from_json(
        job.report, job.format, job.excel, job.manager_scope_id, job.filters
    )
    restarted = job.attempts > 1
    folder = export_dir()
    name = f"{job_id}-{token}.{job.format}"
    part = folder / f"{name}.part"
    try:
        prepared = prepare(request, utcnow())
        if restarted:
            _recount(job_id, token, prepared)
        rows, size, digest = write_file(prepared, part, lambda n: _store_progress(job_id, token, n))
        db.session.rollback()  # the reading transaction ends; the result is written below
    except Superseded:
        db.session.rollback()
        part.unlink(missing_ok=True)
        return "superseded"
    except Exception as error:
        db.session.rollback()
        part.unlink(missing_ok=True)
        logger.exception("export job %s failed", job_id)
        with unit_of_work():
            failed = db.session.get(ExportJob, job_id, with_for_update=True)
            if failed is not None and failed.run_token == token:
                failed.status = JobStatus.FAILED
                failed.error = str(error)[:2000] or type(error).__name__
                failed.finished_at = utcnow()
        return JobStatus.FAILED.value
    with unit_of_work():
        done = db.session.get(ExportJob, job_id, with_for_update=True)
        if done is None or done.run_token != token:  # cancelled, or another run took it over
            part.unlink(missing_ok=True)
            return "superseded"
        part.replace(folder / name)
        now = utcnow()
        hours = int(current_app.config.get("LEARNHUB_EXPORT_JOB_HOURS", 168))
        done.status = JobStatus.DONE
        done.rows_done, done.size_bytes, done.sha256 = rows, size, digest
        done.rows_estimated = max(done.rows_estimated or 0, rows)
        done.file_name = name
        done.finished_at = done.heartbeat_at = now
        done.expires_at = now + timedelta(hours=hours)
        audit(
            "export_job_done",
            target=f"export-job:{job_id}",
            report=done.report,
            rows=rows,
            size_bytes=size,
            sha256=digest,
            attempts=done.attempts,
        )
    return JobStatus.DONE.value


def describe(job: ExportJob) -> str:
    """The report's title, as the pages name it."""
    return TITLES[Report(job.report)]
