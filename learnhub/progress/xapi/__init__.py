"""xAPI: the statements LearnHub makes of what learners do, their corrections, forwarding to
the organisation's LRS and the HR export.

- :mod:`.vocab`: verbs, activity types and the stable activity ids (``LEARNHUB_BASE_URL`` and
  content slugs);
- :mod:`.interactions`: questions as cmi.interaction activities, answers as responses;
- :mod:`.statements`: which event makes which statement;
- :mod:`.store`: storing, the outbox row, voiding and replacing;
- :mod:`.forwarding`: sending the outbox to ``LEARNHUB_LRS_URL`` (at least once, batched,
  with backoff);
- :mod:`.export`: the JSON Lines export (HR), :mod:`.api` and :mod:`.cli` around it.
"""

from learnhub.progress.xapi.statements import (
    iso_duration,
    record_attempt_started,
    record_course_completed,
    record_module_completed,
    record_module_experienced,
    record_module_waived,
    record_regraded,
    record_submitted,
    void_completion,
    void_waiver,
)
from learnhub.progress.xapi.vocab import (
    VERB_ANSWERED,
    VERB_ASSIGNED,
    VERB_ATTEMPTED,
    VERB_COMPLETED,
    VERB_EXPERIENCED,
    VERB_FAILED,
    VERB_PASSED,
    VERB_VOIDED,
    VERB_WAIVED,
)

__all__ = [
    "VERB_ANSWERED",
    "VERB_ASSIGNED",
    "VERB_ATTEMPTED",
    "VERB_COMPLETED",
    "VERB_EXPERIENCED",
    "VERB_FAILED",
    "VERB_PASSED",
    "VERB_VOIDED",
    "VERB_WAIVED",
    "iso_duration",
    "record_attempt_started",
    "record_course_completed",
    "record_module_completed",
    "record_module_experienced",
    "record_module_waived",
    "record_regraded",
    "record_submitted",
    "void_completion",
    "void_waiver",
]
