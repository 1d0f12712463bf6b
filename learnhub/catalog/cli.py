"""``flask content load``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from learnhub.core.errors import ValidationFailed
from learnhub.core.transactions import CommandGroup

content_cli = CommandGroup("content", help="Load courses, frameworks and target profiles.")


@content_cli.command("load")
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Content folder (default: LEARNHUB_CONTENT_DIR or ./content).",
)
def load(directory: Path | None) -> None:
    """Validate everything, then load it in one transaction; loading twice changes nothing.
    When targets or courses changed, a recompute request for every team summary is recorded in
    that transaction (a worker drains it after the commit)."""
    from learnhub.catalog.loader import load_content
    from learnhub.skills.services import request_recompute

    folder = directory or Path(current_app.config["LEARNHUB_CONTENT_DIR"])
    try:
        report = load_content(folder)
    except ValidationFailed as error:
        raise click.ClickException(str(error)) from error
    if report.profiles_changed or report.courses_changed:
        # recorded with the change (DESIGN.md "recompute request"); its commit wakes a worker
        request_recompute(everyone=True)
    for slug, changed in report.frameworks.items():
        click.echo(f"framework {slug}: {'loaded' if changed else 'unchanged'}")
    click.echo(f"target profiles changed: {len(report.profiles_changed)}")
    click.echo(
        f"courses changed: {len(report.courses_changed)}, "
        f"unchanged: {len(report.courses_unchanged)}"
    )
    if not report.changed:
        click.echo("Nothing changed.")
