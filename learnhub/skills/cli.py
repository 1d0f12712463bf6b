"""``flask skills import-framework FILE`` and ``flask skills recompute``."""

from __future__ import annotations

from pathlib import Path

import click

from learnhub.core.errors import ValidationFailed
from learnhub.core.transactions import CommandGroup

skills_cli = CommandGroup("skills", help="Competence frameworks and team summaries.")


@skills_cli.command("import-framework")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", default="digcomp-3.0", show_default=True)
@click.option("--name", default="DigComp 3.0", show_default=True)
@click.option("--version", "version_", default="3.0", show_default=True)
def import_framework_cmd(file: Path, slug: str, name: str, version_: str) -> None:
    """Import a DigComp-style JSON-LD framework (validated first, one transaction)."""
    from learnhub.skills.framework_import import import_framework

    try:
        result = import_framework(file.read_bytes(), slug=slug, name=name, version=version_)
    except ValidationFailed as error:
        raise click.ClickException(f"{file}: {error}") from error
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result["counts"].items())
    state = "imported" if result["changed"] else "unchanged"
    click.echo(f"{slug} {state}: {counts}")


@skills_cli.command("recompute")
def recompute() -> None:
    """Recompute every team skill-gap summary now (what the nightly beat task does)."""
    from learnhub.skills.services import request_recompute

    # a recompute request for everyone, committed with this command: a worker drains it
    # (in-process without a broker), and it survives a worker or Redis failure until one does
    request_recompute(everyone=True)
    click.echo("Team summaries recompute queued (run in-process when no broker is set).")
