"""Writing a prepared export (learnhub.reports.jobs.catalogue) in its format: streamed into a
response, or into a file with its size and SHA-256 checksum (an export job).

The completions and required-learning CSVs go through their report's ``csv`` (written by
PostgreSQL when it can, the same bytes either way: learnhub.reports.completions.csv_bytes,
learnhub.reports.requirements_sql.csv_bytes); every other CSV, XLSX and JSON Lines file
through learnhub.reports.formats, which neutralises every formula-like cell.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from flask import current_app

from learnhub.reports.formats import (
    MEDIA_TYPES,
    ExportFormat,
    csv_text,
    jsonl_text,
    write_xlsx,
    xlsx_chunks,
)
from learnhub.reports.jobs.catalogue import Prepared
from learnhub.reports.sql_export import BOM, Tally

#: bytes read at a time to checksum a file
READ_CHUNK = 1024 * 1024
#: rows between two calls of a job's progress callback
TICK_ROWS = 5000


def export_dir() -> Path:
    """The folder export files are written to (created when missing):
    ``LEARNHUB_EXPORT_DIR``, else ``exports`` in the instance folder. An export job's file and
    the temporary files of a streamed XLSX download are written there."""
    folder = Path(
        current_app.config.get("LEARNHUB_EXPORT_DIR") or Path(current_app.instance_path) / "exports"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def media_type(fmt: ExportFormat) -> str:
    """The media type of a format."""
    return MEDIA_TYPES[fmt]


def _counted(rows: Iterable[list], tally: Tally, tick: Callable[[int], None]) -> Iterator[list]:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        return
    yield header
    for row in iterator:
        tally.rows += 1
        if tally.rows % TICK_ROWS == 0:
            tick(tally.rows)
        yield row


def body(prepared: Prepared, tally: Tally | None = None, tick=None) -> Iterator[bytes]:
    """The export's bytes in chunks (memory flat). ``tally`` counts the data rows; ``tick``
    (optional) is called with the count every few thousand rows (a job's progress)."""
    tally = tally if tally is not None else Tally()
    tick = tick or (lambda _rows: None)
    fmt = prepared.request.format
    if fmt == ExportFormat.CSV and prepared.csv is not None:
        if prepared.excel:
            yield BOM
        before = 0
        for chunk in prepared.csv(tally):
            if tally.rows - before >= TICK_ROWS:
                before = tally.rows
                tick(tally.rows)
            yield chunk
        return
    records = _counted(prepared.records(), tally, tick)
    if fmt == ExportFormat.XLSX:
        yield from xlsx_chunks(records, title=prepared.title, folder=export_dir())
    elif fmt == ExportFormat.JSONL:
        for text in jsonl_text(records):
            yield text.encode()
    else:
        if prepared.excel:
            yield BOM
        for text in csv_text(records):
            yield text.encode()


def write_file(
    prepared: Prepared, path: Path, tick: Callable[[int], None] | None = None
) -> tuple[int, int, str]:
    """Write the export to ``path`` (created or replaced). Returns ``(rows, size in bytes,
    SHA-256 hex)`` of the file as written; the checksum is computed by reading the file back,
    so it is the checksum of what is on disk (and of what a download sends)."""
    tally = Tally()
    tick = tick or (lambda _rows: None)
    with path.open("wb") as handle:
        if prepared.request.format == ExportFormat.XLSX:
            # straight into the file; the worksheets' own files sit beside it, named after it
            # (17-<token>.xlsx.sheet1.part), not in /tmp: a killed run's are swept with its .part
            records = _counted(prepared.records(), tally, tick)
            write_xlsx(records, handle, prepared.title, scratch=path)
        else:
            for chunk in body(prepared, tally, tick):
                handle.write(chunk)
    return tally.rows, path.stat().st_size, sha256_of(path)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
