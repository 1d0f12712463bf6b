"""Signals other features listen to (progress tracks attempts without quizzes importing it)."""

from blinker import Namespace

_signals = Namespace()

#: sent with ``attempt`` (an Attempt) when an attempt starts
attempt_started = _signals.signal("attempt-started")
#: sent with ``attempt`` (an Attempt, submitted and scored) inside the submitting transaction
attempt_submitted = _signals.signal("attempt-submitted")
#: sent with ``attempt`` (an Attempt) when a reviewer or a regrade changed its stored score or
#: pass decision, inside that transaction (progress recomputes the module's grade and status)
attempt_regraded = _signals.signal("attempt-regraded")
