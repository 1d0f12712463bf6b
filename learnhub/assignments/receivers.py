"""Receivers of the organisation's signals: the rules follow joiners, movers and leavers."""

from __future__ import annotations

from learnhub.assignments import materialise


def on_people_changed(_sender: object, *, employee_ids=(), **_: object) -> None:
    """``people_changed`` (HR import, inside its transaction): apply every rule again to the
    people added or changed, so joiners and movers get their requirements now."""
    materialise.refresh_for_people(employee_ids)


def on_people_left(_sender: object, *, employee_ids=(), **_: object) -> None:
    """``people_left``: leavers drop out of every assignment (their requirements go; their
    completions stay in progress and evidence)."""
    materialise.refresh_for_people(employee_ids)
