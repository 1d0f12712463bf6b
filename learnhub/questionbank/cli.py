"""The question bank's commands: import a GIFT or Moodle XML file into a bank, export a bank as
GIFT or Moodle XML. The quizzes command group lists them (``flask quizzes import|export``, as
the README documents). Each command commits once, or not at all on error."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from learnhub.core.audit import audit
from learnhub.core.errors import DomainError, ValidationFailed
from learnhub.core.transactions import unit_of_work
from learnhub.questionbank import reading
from learnhub.questionbank import services as banks


def _fail(error: DomainError) -> None:
    raise click.ClickException(str(error))


@click.command("import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bank_name", required=True, help="Question bank to import into.")
@click.option("--dry-run", is_flag=True, help="Check and report; import nothing.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid questions and list the others (Moodle's 'stop on error: no').",
)
def import_command(file: Path, bank_name: str, dry_run: bool, skip_invalid: bool) -> None:
    """Import a GIFT (.gift/.txt) or Moodle XML (.xml) FILE into a question bank."""
    try:
        with unit_of_work():  # these commands join the quizzes group, each its own transaction
            report = banks.import_questions(
                bank_name, file.name, file.read_bytes(), dry_run=dry_run, skip_invalid=skip_invalid
            )
    except ValidationFailed as error:
        _fail(error)
    verb = "would add" if dry_run else "added"
    click.echo(
        f"{report.format}: {report.questions} question(s) read; {verb} {report.added}, "
        f"replaced {report.replaced}, unchanged {report.unchanged} in bank {report.bank!r}."
    )
    for issue in report.skipped:
        click.echo(f"skipped {issue}")
    for issue in report.warnings:
        click.echo(f"warning {issue}")
    for note in report.moodle_rejects:
        click.echo(
            f"note {note['where']} ({note['name']}): weight(s) {', '.join(note['weights'])}% "
            "would be refused by Moodle; LearnHub scores them as written"
        )


@click.command("export")
@with_appcontext
@click.option("--bank", "bank_name", required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["gift", "xml"]),
    default=None,
    help="gift or xml (Moodle XML); by default from the --out extension (.xml), else gift.",
)
def export_command(bank_name: str, out: Path, fmt: str | None) -> None:
    """Write a question bank as GIFT or Moodle XML."""
    fmt = fmt or ("xml" if out.suffix.lower() == ".xml" else "gift")
    try:
        with unit_of_work():
            if fmt == "xml":
                data, notes = reading.export_bank_xml(bank_name)
            else:
                text, notes = reading.export_bank(bank_name)
                data = text.encode("utf-8")
            # every export audited (DESIGN.md), as the API's exports are
            audit(
                "quizzes.bank_export",
                target=f"bank:{bank_name}",
                format="moodle_xml" if fmt == "xml" else "gift",
                via="cli",
            )
    except (DomainError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    out.write_bytes(data)
    for note in notes:
        click.echo(f"note {note}")
    click.echo(f"wrote {out}")
