"""Signals other features listen to (progress tracks attempts without quizzes importing it)."""

from blinker import Namespace

_signals = Namespace()

#: sent with ``attempt`` (an Attempt) when an attempt starts
attempt_started = _signals.signal("attempt-started")
#: sent with ``attempt`` (an Attempt, submitted and scored) inside the submitting transaction
attempt_submitted = _signals.signal("attempt-submitted")
