"""Uploaded HR files waiting for their confirmation, kept server-side.

The ``/hr/imports`` preview keeps the bytes it planned in ``<instance>/hr_imports/<token>.data``
and what it showed in ``<token>.json``; the confirmation applies those bytes, never a second
upload, after checking their SHA-256 against the one recorded with the run. ``token`` is 32
random URL-safe characters (192 bits); only names of that shape are ever turned into paths. The
files go when the import is applied, refused or superseded, and at the latest
``LEARNHUB_HR_IMPORT_PREVIEW_MINUTES`` (60) after the upload (:func:`sweep`, run by the pages).

Every web worker of one installation must see the same instance folder (one machine, or a
shared volume), as for the SQLite file and the signing keys kept there.
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

logger = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
#: minutes a preview may wait for its confirmation (config LEARNHUB_HR_IMPORT_PREVIEW_MINUTES)
DEFAULT_MINUTES = 60


def folder() -> Path:
    path = Path(current_app.instance_path) / "hr_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


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
    for path, content in ((data_path, data), (preview_path, json.dumps(preview).encode())):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)


def read_data(token: str) -> bytes | None:
    """The staged bytes, None when they are gone (applied, expired, never staged)."""
    try:
        return _paths(token)[0].read_bytes()
    except (FileNotFoundError, ValueError):
        return None


def read_preview(token: str) -> dict | None:
    try:
        return json.loads(_paths(token)[1].read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def discard(token: str, *, keep_preview: bool = False) -> None:
    """Delete the staged bytes (and the preview, unless ``keep_preview``)."""
    if not valid_token(token):
        return
    data_path, preview_path = _paths(token)
    data_path.unlink(missing_ok=True)
    if not keep_preview:
        preview_path.unlink(missing_ok=True)


def sweep(now: float | None = None) -> list[str]:
    """Delete staged files older than the time a preview may wait; returns their tokens (the
    caller marks their runs expired)."""
    limit = (now or time.time()) - ttl_seconds()
    gone = []
    for path in folder().iterdir():
        token = path.name.split(".", 1)[0]
        if valid_token(token) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            if path.suffix == ".data":
                gone.append(token)
    if gone:
        logger.info("HR import previews expired: %d", len(gone))
    return gone
