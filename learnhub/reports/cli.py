"""``flask reports export-completions --out FILE``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from learnhub.core.transactions import CommandGroup
from learnhub.reports.formats import FORMATS
from learnhub.reports.requirements import STATUSES

reports_cli = CommandGroup("reports", help="Exports for HR.")


@reports_cli.command("export-completions")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_completions(out: Path) -> None:
    """Write the completions CSV (same file as GET /api/v1/exports/completions.csv)."""
    from learnhub.core.audit import audit
    from learnhub.reports.completions import csv_bytes
    from learnhub.reports.copy_sql import Tally

    tally = Tally()
    with out.open("wb") as handle:
        for chunk in csv_bytes(tally=tally):
            handle.write(chunk)
    audit("export_completions", target=str(out), format="csv", via="cli")
    click.echo(f"{out}: {tally.rows} rows")


@reports_cli.command("export-requirements")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--format",
    "format_",
    type=click.Choice(FORMATS),
    help="Default: the --out file's extension when it is one of these, else csv.",
)
@click.option("--course", help="Only this course (its slug).")
@click.option("--org-unit", "org_unit", help="Only the people of this org unit (its code).")
@click.option(
    "--no-sub-units", is_flag=True, help="With --org-unit: the unit only, not the units below it."
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUSES),
    help="Only requirements of this status (repeat for several).",
)
@click.option(
    "--include-unassigned",
    is_flag=True,
    help="Add the people nobody assigned anything (of --course, if given): one row each, "
    "status not_assigned.",
)
def export_requirements(
    out: Path,
    format_: str | None,
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
    from learnhub.reports.formats import ExportFormat, csv_text, jsonl_text, write_xlsx
    from learnhub.reports.requirements import requirement_records, resolve_filters

    suffix = out.suffix.lower().lstrip(".")
    chosen = ExportFormat(format_ or (suffix if suffix in FORMATS else "csv"))
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
    else:
        write = csv_text if chosen == ExportFormat.CSV else jsonl_text
        with out.open("w", encoding="utf-8", newline="") as text:
            for chunk in write(counted()):
                text.write(chunk)
    audit(
        "export_requirements",
        target=str(out),
        format=chosen.value,
        via="cli",
        **filters.as_audit(),
    )
    click.echo(f"{out}: {rows} rows")
