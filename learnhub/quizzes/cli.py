"""``flask quizzes ...``: key fixes, regrading, closing overdue attempts, and the question-bank
import and export (``flask quizzes import|export``, defined in ``learnhub.questionbank.cli``).
Each command commits once, or not at all on error."""

from __future__ import annotations

import json
from pathlib import Path

import click

from learnhub.core.errors import DomainError
from learnhub.core.transactions import CommandGroup
from learnhub.questionbank.cli import export_command, import_command
from learnhub.quizzes import regrade

quizzes_cli = CommandGroup("quizzes", help="Question banks, regrading and attempts.")
# the bank's commands keep the names the README documents: flask quizzes import|export
quizzes_cli.add_command(import_command)
quizzes_cli.add_command(export_command)


def _fail(error: DomainError) -> None:
    raise click.ClickException(str(error))


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
