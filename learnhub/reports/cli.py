"""``flask reports export-completions --out FILE``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

import click

from learnhub.core.transactions import CommandGroup
from learnhub.reports.completion_filters import COMPLETION_STATUSES
from learnhub.reports.formats import FORMATS
from learnhub.reports.requirements import STATUSES

reports_cli = CommandGroup("reports", help="Exports for HR.")


def _out_format(out: Path, format_: str | None) -> str:
    suffix = out.suffix.lower().lstrip(".")
    return format_ or (suffix if suffix in FORMATS else "csv")


def export_options(statuses: Sequence[str], rows: str) -> Callable[[Callable], Callable]:
    """The options every export command shares, in this order: ``--out``, ``--format``,
    ``--excel``, ``--course``, ``--org-unit``, ``--no-sub-units`` and ``--status`` (one of
    ``statuses``, repeatable; its help names the export's ``rows``, e.g. "modules")."""
    options = [
        click.option(
            "--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True
        ),
        click.option(
            "--format",
            "format_",
            type=click.Choice(FORMATS),
            help="Default: the --out file's extension when it is one of these, else csv.",
        ),
        click.option(
            "--excel", is_flag=True, help="CSV for Excel: a UTF-8 byte order mark first (CSV only)."
        ),
        click.option("--course", help="Only this course (its slug)."),
        click.option("--org-unit", "org_unit", help="Only the people of this org unit (its code)."),
        click.option(
            "--no-sub-units",
            is_flag=True,
            help="With --org-unit: the unit only, not the units below it.",
        ),
        click.option(
            "--status",
            "statuses",
            multiple=True,
            type=click.Choice(statuses),
            help=f"Only {rows} of this status (repeat for several).",
        ),
    ]

    def decorate(command: Callable) -> Callable:
        for option in reversed(options):  # click lists options in decorator order, top first
            command = option(command)
        return command

    return decorate


@reports_cli.command("export-completions")
@export_options(COMPLETION_STATUSES, rows="modules")
@click.option(
    "--completed-from",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Only modules completed on or after this day (UTC, YYYY-MM-DD).",
)
@click.option(
    "--completed-to",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Only modules completed on or before this day (UTC, YYYY-MM-DD).",
)
def export_completions(
    out: Path,
    format_: str | None,
    excel: bool,
    course: str | None,
    org_unit: str | None,
    no_sub_units: bool,
    statuses: tuple[str, ...],
    completed_from: datetime | None,
    completed_to: datetime | None,
) -> None:
    """Write the completions export, everyone (same file as GET /api/v1/exports/completions
    for HR); audited."""
    from learnhub.core.audit import audit
    from learnhub.core.errors import ValidationFailed
    from learnhub.reports.completion_filters import resolve_completion_filters
    from learnhub.reports.completions import completion_records, csv_bytes
    from learnhub.reports.formats import ExportFormat, jsonl_text, write_xlsx
    from learnhub.reports.sql_export import Tally

    chosen = ExportFormat(_out_format(out, format_))
    if excel and chosen != ExportFormat.CSV:
        raise click.UsageError("--excel: the byte order mark is for CSV only")
    try:
        filters = resolve_completion_filters(
            course=course,
            org_unit=org_unit,
            include_sub_units=not no_sub_units,
            statuses=statuses,
            completed_from=completed_from.date() if completed_from else None,
            completed_to=completed_to.date() if completed_to else None,
        )
    except ValidationFailed as error:
        raise click.UsageError("; ".join(str(i) for i in error.errors)) from error
    tally = Tally()

    def counted() -> Iterator[list]:
        for n, record in enumerate(completion_records(filters)):
            tally.rows = n  # the header is record 0
            yield record

    if chosen == ExportFormat.XLSX:
        with out.open("wb") as binary:
            write_xlsx(counted(), binary, title="Completions")
    elif chosen == ExportFormat.JSONL:
        with out.open("w", encoding="utf-8", newline="") as text:
            for chunk in jsonl_text(counted()):
                text.write(chunk)
    else:
        with out.open("wb") as binary:
            for data in csv_bytes(filters, tally, excel=excel):
                binary.write(data)
    audit(
        "export_completions",
        target=str(out),
        format=chosen.value,
        excel=excel,
        via="cli",
        **filters.as_audit(),
    )
    click.echo(f"{out}: {tally.rows} rows")


@reports_cli.command("export-requirements")
@export_options(STATUSES, rows="requirements")
@click.option(
    "--include-unassigned",
    is_flag=True,
    help="Add the people nobody assigned anything (of --course, if given): one row each, "
    "status not_assigned.",
)
def export_requirements(
    out: Path,
    format_: str | None,
    excel: bool,
    course: str | None,
    org_unit: str | None,
    no_sub_units: bool,
    statuses: tuple[str, ...],
    include_unassigned: bool,
) -> None:
    """Write the required-learning export: one row per requirement of every assigned person,
    started or not (same file as GET /api/v1/exports/requirements)."""
    from learnhub.core.audit import audit
    from learnhub.core.errors import ValidationFailed
    from learnhub.core.models import utcnow
    from learnhub.reports.formats import ExportFormat, jsonl_text, write_xlsx
    from learnhub.reports.requirements import requirement_records, resolve_filters
    from learnhub.reports.requirements_sql import csv_bytes
    from learnhub.reports.sql_export import Tally

    chosen = ExportFormat(_out_format(out, format_))
    if excel and chosen != ExportFormat.CSV:
        raise click.UsageError("--excel: the byte order mark is for CSV only")
    try:
        filters = resolve_filters(
            course=course,
            org_unit=org_unit,
            include_sub_units=not no_sub_units,
            statuses=statuses,
            include_unassigned=include_unassigned,
        )
    except ValidationFailed as error:
        raise click.UsageError("; ".join(str(i) for i in error.errors)) from error
    rows = 0

    def counted() -> Iterator[list]:
        nonlocal rows
        for n, record in enumerate(requirement_records(filters, utcnow())):
            rows = n  # the header is record 0
            yield record

    if chosen == ExportFormat.XLSX:
        with out.open("wb") as binary:
            write_xlsx(counted(), binary, title="Required learning")
    elif chosen == ExportFormat.JSONL:
        with out.open("w", encoding="utf-8", newline="") as text:
            for chunk in jsonl_text(counted()):
                text.write(chunk)
    else:
        tally = Tally()
        with out.open("wb") as binary:
            for data in csv_bytes(filters, utcnow(), tally, excel=excel):
                binary.write(data)
        rows = tally.rows
    audit(
        "export_requirements",
        target=str(out),
        format=chosen.value,
        excel=excel,
        via="cli",
        **filters.as_audit(),
    )
    click.echo(f"{out}: {rows} rows")
