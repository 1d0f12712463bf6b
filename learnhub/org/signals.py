"""Signals of the organisation, for features above org (skills recomputes team summaries)."""

from blinker import Namespace

_signals = Namespace()

#: sent with ``employee_ids`` (people added or changed) and ``manager_ids`` (their managers
#: before the change) inside the transaction that changed them
people_changed = _signals.signal("people-changed")

#: sent with ``run_id`` (the import run) inside the transaction of an applied HR import, after
#: its ``people_changed``: auth names the invitations it owes after the run
import_recorded = _signals.signal("import-recorded")

#: sent with ``employee_ids: list[int]`` (people just deactivated as leavers) inside the
#: transaction that deactivated them; auth revokes their sessions, links and API tokens
people_left = _signals.signal("people-left")

#: sent with ``codes: set[str]`` (the job codes of a planned HR import); a receiver returns a
#: list of warnings for the plan (skills: codes without a target profile)
job_codes_planned = _signals.signal("job-codes-planned")
