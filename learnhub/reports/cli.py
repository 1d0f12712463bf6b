"""``flask reports export-completions --out FILE``."""

from __future__ import annotations

from pathlib import Path

import click

from learnhub.core.transactions import CommandGroup

reports_cli = CommandGroup("reports", help="Exports for HR.")


@reports_cli.command("export-completions")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_completions(out: Path) -> None:
    """Write the completions CSV (same file as GET /api/v1/exports/completions.csv)."""
    from learnhub.core.audit import audit
    from learnhub.reports.completions import stream_csv

    rows = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        for chunk in stream_csv():
            handle.write(chunk)
            rows += chunk.count("\r\n")
    audit("export_completions", target=str(out), format="csv", via="cli")
    click.echo(f"{out}: {rows - 1} rows")
