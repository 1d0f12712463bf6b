"""Question-bank imports in two steps, as the import page does them: upload and dry run, then
confirm. The uploaded bytes are kept server-side (:class:`StagedImport`) with their SHA-256,
so the confirmation applies exactly the file whose report was shown, whichever web process
answers it; a second confirmation of the same upload imports nothing.

Flushes, never commits. Rules: only the uploader sees or confirms an upload (anyone else: not
found); an upload is kept :data:`KEEP_HOURS` hours (older rows are deleted at the next upload,
applied or not).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete

from learnhub.core.errors import Conflict, NotFound
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.questionbank import services as banks
from learnhub.questionbank.models import StagedImport

#: how long an upload waits for its confirmation (and a confirmed one keeps its report)
KEEP_HOURS = 24


def stage(
    owner: str, bank: str, filename: str, data: bytes, fmt: str, *, skip_invalid: bool
) -> StagedImport:
    """Keep ``data`` for ``owner`` under a new random token (43 URL-safe characters) with its
    SHA-256 (hex). ``fmt``: "gift" | "moodle_xml". Deletes uploads older than KEEP_HOURS."""
    db.session.execute(
        delete(StagedImport).where(StagedImport.created_at < utcnow() - timedelta(hours=KEEP_HOURS))
    )
    row = StagedImport(
        token=secrets.token_urlsafe(32),
        owner=owner,
        bank=bank.strip(),
        filename=filename[:255],
        fmt=fmt,
        skip_invalid=skip_invalid,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        data=data,
    )
    db.session.add(row)
    db.session.flush()
    return row


def staged(owner: str, token: str) -> StagedImport:
    """The upload ``token`` of ``owner``. Raises NotFound for anyone else's, an unknown or an
    expired one (an applied one is found: its report is shown)."""
    row = db.session.get(StagedImport, token)
    if row is None or row.owner != owner:
        raise NotFound("No such upload: choose the file again.")
    if row.applied_at is None and row.created_at < utcnow() - timedelta(hours=KEEP_HOURS):
        raise NotFound(f"This upload is older than {KEEP_HOURS} hours: choose the file again.")
    return row


def dry_run(row: StagedImport) -> banks.ImportReport:
    """The import report of the staged file against the bank as it is now (nothing kept).
    Raises ValidationFailed as :func:`banks.import_questions` does, Conflict when the stored
    bytes no longer match their SHA-256."""
    return banks.import_questions(
        row.bank,
        row.filename,
        _checked(row),
        dry_run=True,
        skip_invalid=row.skip_invalid,
        fmt=row.fmt,
    )


def apply(row: StagedImport) -> banks.ImportReport:
    """Import the staged file for real (audited as every bank import), keep its report on the
    row and empty the bytes. Raises Conflict when it was applied already or its bytes do not
    match their SHA-256, ValidationFailed (nothing changed) when the bank changed since the
    dry run so that the file no longer imports."""
    if row.applied_at is not None:
        raise Conflict("This file was imported already.")
    report = banks.import_questions(
        row.bank, row.filename, _checked(row), skip_invalid=row.skip_invalid, fmt=row.fmt
    )
    row.applied_at = utcnow()
    row.report = report.as_dict()
    row.data = b""
    db.session.flush()
    return report


def _checked(row: StagedImport) -> bytes:
    if hashlib.sha256(row.data).hexdigest() != row.sha256:
        raise Conflict("The stored upload does not match its checksum: choose the file again.")
    return row.data
