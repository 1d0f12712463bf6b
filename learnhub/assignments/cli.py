"""``flask assignments …``: the command group of required learning. Each command lives with
its feature (reminders: :mod:`learnhub.assignments.cli_reminders`) and registers on this
group."""

from __future__ import annotations

from learnhub.core.transactions import CommandGroup

assignments_cli = CommandGroup("assignments", help="Required learning: assignments, reminders.")
