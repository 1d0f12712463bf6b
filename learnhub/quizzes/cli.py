"""``flask quizzes ...``: question-bank import and export, key fixes, regrading, closing
overdue attempts. Each command commits once, or not at all on error."""

from __future__ import annotations

import json
from pathlib import Path

import click

from learnhub.core.errors import DomainError, ValidationFailed
from learnhub.core.transactions import CommandGroup
from learnhub.quizzes import banks, regrade

quizzes_cli = CommandGroup("quizzes", help="Question banks, regrading and attempts.")


def _fail(error: DomainError) -> None:
    raise click.ClickException(str(error))


@quizzes_cli.command("import")
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


@quizzes_cli.command("export")
@click.option("--bank", "bank_name", required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(bank_name: str, out: Path) -> None:
    """Write a question bank as GIFT."""
    try:
        text, notes = banks.export_bank(bank_name)
    except DomainError as error:
        _fail(error)
    out.write_text(text, encoding="utf-8")
    for note in notes:
        click.echo(f"note {note}")
    click.echo(f"wrote {out}")


@quizzes_cli.command("fix-question")
@click.argument("question_id", type=int)
@click.argument("spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def fix_command(question_id: int, spec_file: Path) -> None:
    """Replace a question's spec (a JSON file) to fix its key; then run `regrade`."""
    try:
        regrade.fix_question(question_id, json.loads(spec_file.read_text(encoding="utf-8")))
    except DomainError as error:
        _fail(error)
    click.echo(f"question {question_id} fixed; regrade the quizzes that use it")


@quizzes_cli.command("regrade")
@click.argument("quiz_id", type=int)
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
def regrade_command(quiz_id: int, dry_run: bool) -> None:
    """Rescore every submitted attempt of QUIZ_ID; evidence and progress follow."""
    try:
        report = regrade.regrade_quiz(quiz_id, dry_run=dry_run)
    except DomainError as error:
        _fail(error)
    for change in report["changed"]:
        evidence = f", evidence {change['evidence']}" if change["evidence"] else ""
        click.echo(
            f"attempt {change['attempt_id']}: {change['score_before']} -> "
            f"{change['score_after']}, passed {change['passed_before']} -> "
            f"{change['passed_after']}{evidence}"
        )
    prefix = "would change" if dry_run else "changed"
    click.echo(f"{report['attempts']} attempt(s) rescored; {prefix} {len(report['changed'])}.")


@quizzes_cli.command("close-overdue")
def close_overdue_command() -> None:
    """Submit every attempt past its time limit with what was saved (the beat task does this
    every minute)."""
    from learnhub.quizzes.tasks import close_overdue_attempts

    closed = close_overdue_attempts.run()  # in this command's transaction
    click.echo(f"closed {closed} overdue attempt(s)")
