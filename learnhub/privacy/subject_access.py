"""Subject access export (GDPR article 15, right of access, and article 20, portability): HR
asks for everything LearnHub holds about one person; a Celery job writes it as a ZIP of JSON
and CSV files with a README.txt; HR downloads it until it expires; a beat task deletes it
then.

Life of a request (:class:`learnhub.privacy.models.SubjectAccessRequest`):

1. :func:`request_export` (HR's page, API or ``flask privacy export``): a row ``queued``, the
   audit event ``subject_access.requested``, and the job ``privacy.subject_access_export``
   queued after the commit;
2. :func:`produce` (the job): the ZIP under ``<instance>/subject-access/`` written to a
   temporary name and renamed into place, its SHA-256 and size stored, ``ready`` until
   ``LEARNHUB_SUBJECT_ACCESS_DAYS`` days later, audited ``subject_access.produced``.
   Idempotent by request id: a request already ready (its file present with the stored
   digest), failed or expired is left as it is, so a redelivered job writes nothing twice;
3. :func:`record_download`: each download audited ``subject_access.downloaded``;
4. :func:`purge_expired` (beat, daily): files past ``expires_at`` deleted, the request
   ``expired`` (the row stays: the record that the request was answered).

The ZIP: fixed member names (``profile.json``, ``attempts.csv`` …, see
:mod:`learnhub.privacy.sar_contents`) all with the production time as their date, so two
productions of the same data differ only by that time; CSV cells neutralised against formulas
(:func:`learnhub.core.spreadsheet.neutralise`), JSON in UTF-8 with ISO 8601 times.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import logging
import os
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from flask import Response, current_app
from sqlalchemy import select

from learnhub.core.audit import audit
from learnhub.core.errors import Conflict, DomainError, NotFound
from learnhub.core.models import utcnow
from learnhub.core.spreadsheet import neutralise
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.privacy.models import RequestStatus, SubjectAccessRequest
from learnhub.privacy.sar_contents import SECTIONS

logger = logging.getLogger(__name__)

#: the folder of the files, under the instance folder
FOLDER = "subject-access"


def folder() -> Path:
    """``<instance>/subject-access``, created when missing (owner-only permissions)."""
    path = Path(current_app.instance_path) / FOLDER
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def get_request(request_id: int) -> SubjectAccessRequest:
    """The request ``request_id``; NotFound otherwise."""
    row = db.session.get(SubjectAccessRequest, request_id)
    if row is None:
        raise NotFound(f"No subject access request {request_id}.")
    return row


def request_export(
    person: Employee, reason: str, *, actor_id: int | None, token_id: int | None = None
) -> SubjectAccessRequest:
    """Ask for ``person``'s export: a queued request, audited; the job runs after the commit.
    ``reason``: why (the request's reference, e.g. "email of 3 May, ticket 1234"), 1..500
    characters. Raises DomainError without a reason. Flushes."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise DomainError("Give the reason for the request in 1 to 500 characters.")
    row = SubjectAccessRequest(
        employee_id=person.id,
        requested_by_id=actor_id,
        requested_by_token_id=token_id,
        reason=reason,
        status=RequestStatus.QUEUED,
        requested_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit("subject_access.requested", target=f"employee:{person.id}", request=row.id, reason=reason)
    from learnhub.core.transactions import queue_after_commit
    from learnhub.privacy.tasks import subject_access_export

    queue_after_commit(subject_access_export, request_id=row.id)
    return row


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON: {type(value).__name__}")


def _json(data: Any) -> bytes:
    return (json.dumps(data, default=_jsonable, ensure_ascii=False, indent=2) + "\n").encode()


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        value = json.dumps(value, default=_jsonable, ensure_ascii=False, sort_keys=True)
    elif isinstance(value, datetime | date | Decimal | Enum):
        value = _jsonable(value)
    return neutralise(value)


def _csv(rows: list[dict]) -> bytes:
    """RFC 4180 CSV (CRLF, every field quoted) with a header of the first row's keys; every
    cell neutralised against formulas. UTF-8 with a BOM, so spreadsheets read accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    if rows:
        header = list(rows[0])
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(row.get(key)) for key in header])
    return ("\ufeff" + buffer.getvalue()).encode()


def readme(person: Employee, row: SubjectAccessRequest, at: datetime) -> str:
    """The README.txt: what each file holds, where it comes from, the retention rule."""
    years = current_app.config["LEARNHUB_RETENTION_YEARS"]
    lines = [
        f"LearnHub: the personal data held about employee {person.employee_number}",
        f"Produced {at.isoformat()} for subject access request {row.id} "
        "(GDPR article 15, right of access; article 20, data portability).",
        "",
        "Every file is UTF-8. JSON files hold the records as stored; CSV files (where given) "
        "hold the same rows for spreadsheets, every cell that could be read as a formula "
        "prefixed with an apostrophe. Times are ISO 8601 in UTC.",
        "Other people appear by employee number or internal id only, never by name, and "
        "never with their answers or scores (GDPR article 15(4)).",
        "",
        "Files:",
    ]
    for section in SECTIONS:
        names = f"{section.name}.json" + (f", {section.name}.csv" if section.csv else "")
        lines += [f"- {names}: {section.holds}.", f"  Source: LearnHub tables {section.source}."]
    lines += [
        "",
        "How long it is kept:",
        f"LearnHub keeps these records while the person works for "
        f"{current_app.config['LEARNHUB_ORGANISATION_NAME']} and for {years} years after they "
        "leave (LEARNHUB_RETENTION_YEARS); then the personal data is erased, unless a legal "
        "hold applies. The audit log keeps a record of the erasure without the name.",
        f"This export is deleted from LearnHub "
        f"{current_app.config['LEARNHUB_SUBJECT_ACCESS_DAYS']} days after it was produced.",
        "",
    ]
    return "\r\n".join(lines)


def _entry(name: str, at: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=at.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def write_zip(person: Employee, row: SubjectAccessRequest, at: datetime, path: Path) -> None:
    """Write ``person``'s export for ``row`` to ``path`` (every section, then README.txt)."""
    with zipfile.ZipFile(path, "w") as archive:
        for section in SECTIONS:
            data = section.collect(person)
            archive.writestr(_entry(f"{section.name}.json", at), _json(data))
            if section.csv and isinstance(data, list):
                archive.writestr(_entry(f"{section.name}.csv", at), _csv(data))
        archive.writestr(_entry("README.txt", at), readme(person, row, at).encode())


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            sha.update(chunk)
    return sha.hexdigest()


def file_path(row: SubjectAccessRequest) -> Path | None:
    """Where ``row``'s ZIP is, None when it has none (not produced, or deleted)."""
    return folder() / row.file_name if row.file_name else None


def produce(request_id: int, now: datetime | None = None) -> SubjectAccessRequest:
    """The job: write the ZIP of request ``request_id`` unless it is done already (module
    docstring). A failure to write (disk full) marks the request failed with the error and
    leaves no file. Flushes."""
    row = get_request(request_id)
    path = file_path(row)
    ready = row.status == RequestStatus.READY and path is not None and path.exists()
    if ready and path is not None and _digest(path) == row.sha256:
        return row  # a redelivered job: done already (a missing or changed file is rewritten)
    if row.status in (RequestStatus.FAILED, RequestStatus.EXPIRED):
        return row
    person = db.session.get(Employee, row.employee_id)
    if person is None:  # a foreign key guarantees it; never reached
        raise NotFound(f"No person {row.employee_id}.")
    at = (now or utcnow()).replace(microsecond=0)
    name = f"subject-access-{row.id}.zip"
    final = folder() / name
    partial = final.with_suffix(".zip.part")
    try:
        write_zip(person, row, at, partial)
        os.replace(partial, final)
    except OSError as error:
        partial.unlink(missing_ok=True)
        row.status, row.error = RequestStatus.FAILED, str(error)[:500]
        logger.exception("subject access request %d failed", row.id)
        db.session.flush()
        return row
    row.status, row.error = RequestStatus.READY, None
    row.file_name, row.sha256, row.size_bytes = name, _digest(final), final.stat().st_size
    row.produced_at = at
    row.expires_at = at + timedelta(days=int(current_app.config["LEARNHUB_SUBJECT_ACCESS_DAYS"]))
    audit(
        "subject_access.produced",
        target=f"employee:{person.id}",
        request=row.id,
        sha256=row.sha256,
        bytes=row.size_bytes,
    )
    db.session.flush()
    logger.info("subject access request %d produced (%d bytes)", row.id, row.size_bytes)
    return row


def file_response(row: SubjectAccessRequest, path: Path) -> Response:
    """The ZIP as a download: streamed in 64 KiB chunks (the file is opened inside the
    generator, so a client that goes away leaves no open file), ``no-store``, with its
    SHA-256 in ``Repr-Digest`` (RFC 9530)."""

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as handle:
            yield from iter(lambda: handle.read(1 << 16), b"")

    digest = base64.b64encode(bytes.fromhex(row.sha256 or "")).decode()
    return Response(
        chunks(),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{download_name(row)}"',
            "Content-Length": str(path.stat().st_size),
            "Cache-Control": "no-store",
            "Repr-Digest": f"sha-256=:{digest}:",
        },
    )


def download_name(row: SubjectAccessRequest) -> str:
    """The file name HR's browser saves: ``learnhub-subject-access-<request id>.zip``."""
    return f"learnhub-subject-access-{row.id}.zip"


def record_download(row: SubjectAccessRequest, now: datetime | None = None) -> Path:
    """Check that ``row``'s ZIP can be downloaded, audit the download and return its path.
    Raises Conflict (409) while it is queued, failed or expired. Flushes."""
    now = now or utcnow()
    path = file_path(row)
    if row.status == RequestStatus.READY and row.expires_at is not None and row.expires_at <= now:
        raise Conflict(f"Subject access request {row.id} has expired: ask again.")
    if row.status != RequestStatus.READY or path is None or not path.exists():
        raise Conflict(f"Subject access request {row.id} is {row.status.value}: no file.")
    row.downloads += 1
    row.last_downloaded_at = now
    audit(
        "subject_access.downloaded",
        target=f"employee:{row.employee_id}",
        request=row.id,
        sha256=row.sha256,
    )
    db.session.flush()
    return path


def purge_expired(now: datetime | None = None) -> int:
    """Delete the files of ready requests past ``expires_at`` and mark them expired (beat,
    daily); returns how many. Idempotent. Flushes."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(SubjectAccessRequest).where(
            SubjectAccessRequest.status == RequestStatus.READY,
            SubjectAccessRequest.expires_at <= now,
        )
    ).all()
    for row in rows:
        path = file_path(row)
        if path is not None:
            path.unlink(missing_ok=True)
        row.status, row.file_name = RequestStatus.EXPIRED, None
        audit("subject_access.expired", target=f"employee:{row.employee_id}", request=row.id)
    db.session.flush()
    return len(rows)


def discard_files_of(employee_id: int) -> int:
    """Delete the ready exports about ``employee_id`` now (their erasure: a copy of the data
    must not outlive it) and mark them expired; returns how many. Flushes."""
    rows = db.session.scalars(
        select(SubjectAccessRequest).where(
            SubjectAccessRequest.employee_id == employee_id,
            SubjectAccessRequest.status == RequestStatus.READY,
        )
    ).all()
    for row in rows:
        path = file_path(row)
        if path is not None:
            path.unlink(missing_ok=True)
        row.status, row.file_name = RequestStatus.EXPIRED, None
    db.session.flush()
    return len(rows)


def recent_requests(limit: int = 100) -> list[tuple[SubjectAccessRequest, Employee]]:
    """The latest requests with their people, newest first (HR's list page)."""
    rows = db.session.execute(
        select(SubjectAccessRequest, Employee)
        .join(Employee, Employee.id == SubjectAccessRequest.employee_id)
        .order_by(SubjectAccessRequest.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in rows]


def requests_of(employee_id: int) -> list[SubjectAccessRequest]:
    """The requests about one person, newest first (the person page's section)."""
    return list(
        db.session.scalars(
            select(SubjectAccessRequest)
            .where(SubjectAccessRequest.employee_id == employee_id)
            .order_by(SubjectAccessRequest.id.desc())
        )
    )
