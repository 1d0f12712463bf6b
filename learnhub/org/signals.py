"""Signals of the organisation, for features above org (skills recomputes team summaries)."""

from blinker import Namespace

_signals = Namespace()

#: sent with ``employee_ids`` (people added or changed) and ``manager_ids`` (their managers
#: before the change) inside the transaction that changed them
people_changed = _signals.signal("people-changed")
