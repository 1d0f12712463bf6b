"""``flask org import FILE`` and ``flask org profile save|list``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from learnhub.core.errors import DomainError, ValidationFailed
from learnhub.core.transactions import CommandGroup
from learnhub.extensions import db
from learnhub.org.models import IMPORT_MODES, ImportMode

org_cli = CommandGroup("org", help="The organisation: HR imports and import profiles.")
profile_cli = CommandGroup("profile", help="Saved column mappings and sync modes per HR source.")
org_cli.add_command(profile_cli)

#: files with at least this many rows get a progress bar
PROGRESS_ROWS = 1000
#: people listed per kind of change in the dry-run report (the rest are counted)
LIST_MAX = 20


@org_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", "profile", help="Saved import profile (mapping, source and mode).")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON file {field: column header}; default: a preset recognised from the header.",
)
@click.option(
    "--source",
    default="hr",
    show_default=True,
    help="Which HR source these people come from (without --profile).",
)
@click.option(
    "--mode",
    type=click.Choice(IMPORT_MODES),
    help="full: people of the source missing from the file become leavers; delta: only the "
    "rows present. Default: the profile's mode, else delta.",
)
@click.option(
    "--encoding",
    help="The CSV's encoding (utf-8, utf-16, windows-1252, iso-8859-2 …); default: the "
    "profile's, else detected.",
)
@click.option("--dry-run", is_flag=True, help="Validate and say what would change; change nothing.")
@click.option(
    "--max-leavers",
    type=click.FloatRange(0, 100),
    default=20,
    show_default=True,
    help="A full sync making more than this percent of the source's people leavers is refused "
    "(a truncated file); 100 allows any.",
)
def import_(
    file: Path,
    profile: str | None,
    mapping: Path | None,
    source: str,
    mode: str | None,
    encoding: str | None,
    dry_run: bool,
    max_leavers: float,
) -> None:
    """Import employees, org units, job roles and reporting lines from an HR export (CSV or
    XLSX), validated whole first, applied in one transaction."""
    from learnhub.org.hr_import.mapping import MissingColumns
    from learnhub.org.import_runs import RunChannel
    from learnhub.org.import_service import (
        Actor,
        ImportRequest,
        apply_and_record,
        plan_request,
        record_dry_run,
        record_refusal,
    )

    if profile and mapping:
        raise click.UsageError("--profile already has a mapping; give one or the other.")
    request = ImportRequest(
        data=file.read_bytes(),
        file_name=file.name,
        profile=profile,
        source=source,
        mode=mode,
        encoding=encoding,
        max_leavers=max_leavers,
        mapping_file=mapping,
    )
    actor = Actor(RunChannel.CLI)
    with _Progress(_estimate_rows(request.data)) as progress:
        try:
            plan = plan_request(request, progress=progress)
        except ValidationFailed as error:
            db.session.rollback()  # the refusal is recorded in the history, and kept
            record_refusal(error, request, actor)
            if isinstance(error, MissingColumns) and profile is None and mapping is None:
                raise _Refused(
                    f"{file}: {error}\nChoose an import profile: --profile NAME, or --mapping "
                    "FILE (a JSON column mapping)."
                ) from error
            raise _Refused(f"{file}: {error}") from error
        except DomainError as error:
            raise click.ClickException(f"{file}: {error}") from error
        if not dry_run:
            apply_and_record(plan, request, actor, progress=progress)
    summary = plan.summary()
    click.echo(
        f"{file}: {summary['rows']} rows, {plan.mode} sync of source {plan.source}; "
        f"added {summary['added']}, updated {summary['updated']}, "
        f"unchanged {summary['unchanged']}, left {summary['left']}"
    )
    if dry_run:
        _report(plan)
        click.echo("Dry run: nothing changed.")
        db.session.rollback()  # before the command's commit point
        record_dry_run(plan, request, actor)


class _Refused(click.ClickException):
    """A refused file: the command fails, and the commit point keeps its recorded run."""

    keep_changes = True


def _report(plan) -> None:
    for label, items in (
        ("added", plan.added),
        ("updated", plan.updated),
        ("left", sorted(plan.left)),
        ("org units added", plan.units_added),
        ("org units moved", plan.units_moved),
    ):
        if items:
            shown = ", ".join(items[:LIST_MAX])
            more = f" … and {len(items) - LIST_MAX} more" if len(items) > LIST_MAX else ""
            click.echo(f"{label} ({len(items)}): {shown}{more}")
    for warning in plan.warnings:
        click.echo(f"warning: {warning}")
    click.echo("errors: none")


def _estimate_rows(data: bytes) -> int:
    """Rows of a CSV by its line ends; XLSX (compressed) by its size, ~40 bytes a row."""
    if data.startswith(b"PK\x03\x04"):
        return len(data) // 40
    return data.count(b"\n")


class _Progress:
    """A click progress bar per stage (reading, checking, applying) for large files; a
    callable ``(stage, done, total)`` for :func:`plan_import` and :func:`apply_import`."""

    LABELS = {"read": "Reading ", "check": "Checking", "apply": "Applying"}

    def __init__(self, estimate: int) -> None:
        self.enabled = estimate >= PROGRESS_ROWS
        self.estimate = estimate
        self.stage: str | None = None
        self.bar = None
        self.done = 0

    def __enter__(self) -> _Progress | None:
        return self if self.enabled else None

    def __exit__(self, *exc: object) -> None:
        self._close()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self._close()
            self.stage, self.done = stage, 0
            length = total or self.estimate
            self.bar = click.progressbar(length=max(length, 1), label=self.LABELS[stage])
            self.bar.__enter__()
        step = done - self.done
        if step > 0:
            self.bar.update(step)
            self.done = done

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@profile_cli.command("save")
@click.argument("name")
@click.option("--preset", help="Columns of a built-in preset: oracle-hr or learnhub.")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON file {"employee_number": "Staff No", …}.',
)
@click.option(
    "--mode", type=click.Choice(IMPORT_MODES), default=ImportMode.DELTA.value, show_default=True
)
@click.option("--description", default="", help="What this source is.")
@click.option("--encoding", help="The encoding of the source's CSV files; default: detected.")
def save(
    name: str,
    preset: str | None,
    mapping: Path | None,
    mode: str,
    description: str,
    encoding: str | None,
) -> None:
    """Create or replace the import profile NAME (its name is the people's source)."""
    from learnhub.org.profiles import save_profile

    try:
        profile = save_profile(
            name,
            mode=mode,
            preset=preset,
            mapping_file=mapping,
            description=description,
            encoding=encoding,
        )
    except (DomainError, ValidationFailed) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"import profile {profile.name} ({profile.mode}): {json.dumps(profile.mapping)}")


@profile_cli.command("list")
def list_() -> None:
    """The saved import profiles."""
    from learnhub.org.profiles import list_profiles

    for profile in list_profiles():
        click.echo(f"{profile.name}\t{profile.mode}\t{json.dumps(profile.mapping)}")
