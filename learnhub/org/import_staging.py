"""Uploaded HR files waiting for their confirmation, kept server-side.

The ``/hr/imports`` preview keeps the bytes it planned in ``<folder>/<token>.data`` and what it
showed in ``<token>.json``, the folder being ``LEARNHUB_HR_IMPORT_STAGING_DIR`` (default
``<instance>/hr_imports``); the confirmation applies those bytes, never a second
upload, after checking their SHA-256 against the one recorded with the run. ``token`` is 32
random URL-safe characters (192 bits); only names of that shape are ever turned into paths. The
files go when the import is applied, refused or superseded, and at the latest
``LEARNHUB_HR_IMPORT_PREVIEW_MINUTES`` (60) after the upload (:func:`sweep`, run by the pages).

Every web worker of one installation must see the same folder (one machine, or a shared
volume): a confirmation may reach another worker than its upload. A folder that is missing and
cannot be made, or that the server cannot write, is :class:`StagingUnavailable` (503 with the
folder and the setting named) when a preview is kept, never a traceback; reading and sweeping
treat it as "nothing staged" (logged).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

from learnhub.core.errors import DomainError

logger = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
#: minutes a preview may wait for its confirmation (config LEARNHUB_HR_IMPORT_PREVIEW_MINUTES)
DEFAULT_MINUTES = 60


#: the setting naming the folder
SETTING = "LEARNHUB_HR_IMPORT_STAGING_DIR"


class StagingUnavailable(DomainError):
    """The folder for files waiting for confirmation cannot be made or written (HTTP 503: the
    installation's to fix, not the uploader's)."""

    status_code = 503


def folder_path() -> Path:
    """Where staged files go: ``LEARNHUB_HR_IMPORT_STAGING_DIR``, else ``<instance>/hr_imports``."""
    configured = current_app.config.get(SETTING)
    return Path(configured) if configured else Path(current_app.instance_path) / "hr_imports"


def folder() -> Path:
    """The staging folder, made if missing (mode 0700: the files hold personal data). Raises
    StagingUnavailable when it cannot be made or the server cannot write in it."""
    path = folder_path()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise _unavailable(path, error.strerror or str(error)) from error
    if not os.access(path, os.W_OK | os.X_OK):
        raise _unavailable(path, "the server may not write in it")
    return path


def _unavailable(path: Path, why: str) -> StagingUnavailable:
    logger.error("HR import staging folder %s unusable: %s", path, why)
    return StagingUnavailable(
        f"The uploaded file cannot be kept for its confirmation: the folder {path} "
        f"({SETTING}) cannot be used ({why}). Nothing was imported. Ask the administrator of "
        "LearnHub to create it, writable by the server, or to set the setting to such a folder."
    )


def ttl_seconds() -> int:
    return 60 * int(current_app.config.get("LEARNHUB_HR_IMPORT_PREVIEW_MINUTES", DEFAULT_MINUTES))


def valid_token(token: str) -> bool:
    return bool(TOKEN_RE.match(token or ""))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _paths(token: str) -> tuple[Path, Path]:
    if not valid_token(token):
        raise ValueError("not a staging token")
    base = folder()
    return base / f"{token}.data", base / f"{token}.json"


def stage(token: str, data: bytes, preview: dict) -> None:
    """Keep ``data`` and the ``preview`` (JSON values) under ``token``; files readable by the
    server's user only."""
    data_path, preview_path = _paths(token)
    try:
        for path, content in ((data_path, data), (preview_path, json.dumps(preview).encode())):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as stream:
                stream.write(content)
    except OSError as error:  # a full disk, a folder made read-only since
        data_path.unlink(missing_ok=True)
        raise _unavailable(data_path.parent, error.strerror or str(error)) from error


def write_preview(token: str, preview: dict) -> None:
    """Replace the preview kept under ``token`` (JSON values) at once: written to a temporary
    file and renamed over it, so a page reading it while a worker writes never sees half of
    it (a planning job's progress, :mod:`learnhub.org.import_jobs`). Raises
    StagingUnavailable as :func:`stage` does."""
    preview_path = _paths(token)[1]
    part = preview_path.with_name(f"{preview_path.name}.{os.getpid()}.part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(json.dumps(preview).encode())
        os.replace(part, preview_path)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise _unavailable(preview_path.parent, error.strerror or str(error)) from error


def read_data(token: str) -> bytes | None:
    """The staged bytes, None when they are gone (applied, expired, never staged)."""
    try:
        return _paths(token)[0].read_bytes()
    except (FileNotFoundError, ValueError, StagingUnavailable):
        return None
    except OSError as error:
        logger.error("HR import staged file %s unreadable: %s", token, error)
        return None


def kept(token: str) -> bool:
    """Whether the bytes staged under ``token`` are still kept (not applied, cancelled or
    expired); a stat, not a read."""
    try:
        return _paths(token)[0].exists()
    except (ValueError, StagingUnavailable, OSError):
        return False


def read_preview(token: str) -> dict | None:
    try:
        return json.loads(_paths(token)[1].read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, StagingUnavailable):
        return None
    except OSError as error:
        logger.error("HR import preview %s unreadable: %s", token, error)
        return None


def discard(token: str, *, keep_preview: bool = False) -> None:
    """Delete the staged bytes (and the preview, unless ``keep_preview``)."""
    if not valid_token(token):
        return
    try:
        data_path, preview_path = _paths(token)
        data_path.unlink(missing_ok=True)
        if not keep_preview:
            preview_path.unlink(missing_ok=True)
    except (StagingUnavailable, OSError) as error:
        logger.error("HR import staged file %s not deleted: %s", token, error)


def sweep(now: float | None = None) -> list[str]:
    """Delete staged files older than the time a preview may wait; returns their tokens (the
    caller marks their runs expired)."""
    limit = (now or time.time()) - ttl_seconds()
    gone: list[str] = []
    try:
        paths = list(folder().iterdir())
    except (StagingUnavailable, OSError):
        return gone  # logged; the upload that needs the folder says so
    for path in paths:
        token = path.name.split(".", 1)[0]
        if valid_token(token) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            if path.suffix == ".data":
                gone.append(token)
    if gone:
        logger.info("HR import previews expired: %d", len(gone))
    return gone
