"""The confirmation of a large HR import applied by a worker (issue 13): Confirm on the preview
of a file over ``LEARNHUB_HR_IMPORT_JOB_ROWS`` rows plans it again and applies it, which takes
as long as the planning did (or longer), so it runs as the Celery task ``org.apply_hr_import``
instead of in the request, with the same "Checking your file" page (here "Importing your file").

The task does exactly what the request did: :func:`learnhub.org.import_previews.confirm_preview`
(the claim from ``dry_run``, the SHA-256 of the kept bytes, the re-plan compared by fingerprint,
the apply and the run ``applied``, all in the task's ONE transaction). While it is queued or
running, the preview kept under the token holds an ``applying`` entry (phase, rows, time of the
last tick, attempt), and afterwards its outcome when it did not apply: ``error`` (refused: the
words the page shows) or ``next`` (the organisation changed: the token of the new preview).
The run keeps its ``dry_run`` status until the apply commits.

Idempotent like the planning job (:mod:`learnhub.org.import_jobs`): a message of an older
attempt, or for a run already applied, does nothing; ``confirm_preview`` itself applies once.
Stalls and Start again follow the planning job's rule.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from learnhub.core.errors import Conflict, DomainError, NotFound
from learnhub.core.models import utcnow
from learnhub.core.transactions import queue_after_commit
from learnhub.extensions import db
from learnhub.org import import_previews, import_staging
from learnhub.org.import_runs import HRImportRun, RunChannel, RunStatus
from learnhub.org.import_service import Actor

logger = logging.getLogger(__name__)


def applying(token: str) -> dict[str, Any] | None:
    """The ``applying`` entry of the preview kept under ``token`` (None: no apply asked)."""
    return (import_staging.read_preview(token) or {}).get("applying")


def _write(token: str, entry: dict[str, Any] | None) -> None:
    preview = import_staging.read_preview(token) or {}
    preview.pop("applying", None)
    if entry is not None:
        preview["applying"] = entry
    import_staging.write_preview(token, preview)


def start_applying(run: HRImportRun) -> HRImportRun:
    """Queue the apply of ``run``'s preview (a ``dry_run`` of the caller's, checked by the
    view) after the commit, unless one is already queued and alive (a second Confirm changes
    nothing). Flushes."""
    from learnhub.org import import_jobs

    token = run.preview_token or ""
    entry = applying(token)
    alive = entry and "error" not in entry and "next" not in entry
    if alive and not import_jobs.progress_of(run)["stalled"]:
        return run
    run.job_attempt += 1
    run.heartbeat_at = utcnow()
    _write(
        token,
        {
            "phase": "queued",
            "done": 0,
            "total": run.rows,
            "at": time.time(),
            "attempt": run.job_attempt,
        },
    )
    db.session.flush()
    from learnhub.org.tasks import apply_hr_import

    queue_after_commit(apply_hr_import, run_id=run.id, attempt=run.job_attempt)
    return run


def clear_outcome(token: str) -> None:
    """Forget a finished apply's outcome (shown once) so the preview offers Confirm again."""
    with contextlib.suppress(DomainError):
        _write(token, None)


def run_applying(run_id: int, attempt: int) -> str:
    """The task's work: confirm (plan again, compare, apply) run ``run_id``'s preview for
    ``attempt``, in the task's one transaction. Returns "applied", "superseded", "refused" or
    "dropped" (a message that is not the run's current apply). The caller (the task)
    commits."""
    run = db.session.get(HRImportRun, run_id)
    token = (run.preview_token if run is not None else None) or ""
    entry = applying(token) if token else None
    if (
        run is None
        or run.status != RunStatus.DRY_RUN
        or run.job_attempt != attempt
        or not entry
        or entry.get("attempt") != attempt
    ):
        return "dropped"
    actor = Actor(RunChannel(run.channel), run.employee_id, run.api_token_id)

    def tick(phase: str, done: int, of: int) -> None:
        with contextlib.suppress(DomainError):  # progress is a courtesy
            _write(
                token,
                {
                    "phase": phase,
                    "done": done,
                    "total": of or run.rows,
                    "at": time.time(),
                    "attempt": attempt,
                },
            )

    try:
        _applied, first = import_previews.confirm_preview(token, actor, progress=tick)
    except import_previews.PreviewChanged as error:
        # its new preview and the old run's "superseded" are kept (keep_changes)
        _write(token, {"next": error.run.preview_token, "attempt": attempt})
        return "superseded"
    except (Conflict, NotFound, import_previews.PreviewGone) as error:
        db.session.rollback()
        _write(token, {"error": error.message, "attempt": attempt})
        return "refused"
    except Exception:  # every failure is shown on the page
        db.session.rollback()
        logger.exception("HR import run %s: apply failed", run_id)
        _write(
            token,
            {
                "error": "The import stopped with an unexpected error. Nothing was imported.",
                "attempt": attempt,
            },
        )
        return "refused"
    return "applied" if first else "dropped"
