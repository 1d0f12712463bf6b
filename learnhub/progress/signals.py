"""Signals of progress that features above it listen to (assignments waives requirements)."""

from blinker import Namespace

_signals = Namespace()

#: sent with ``employee_id``, ``course_id``, ``module_ids`` (list) and ``at`` (the waiver's
#: time, also each module progress row's ``waived_at``) when a passed diagnostic quiz waived
#: modules for a learner, inside that transaction
modules_waived = _signals.signal("modules-waived")
#: the same keywords when a regrade took a diagnostic pass away and the waiver made ``at``
#: was withdrawn
modules_unwaived = _signals.signal("modules-unwaived")
