"""xAPI words LearnHub uses: ADL verbs, activity types, and the activity ids of its content.

Activity ids are IRIs built from ``LEARNHUB_BASE_URL`` and content slugs, never from the
request's host or database ids, so one module has one id however LearnHub was reached and
after a database is rebuilt from ``content/`` (xAPI 2.0 / 1.0.3 "Activity id": an IRI that
MUST stay the same for the same activity)::

    {base}/xapi/activities/courses/{course slug}
    {base}/xapi/activities/courses/{course slug}/modules/{module slug}
    {base}/xapi/activities/courses/{course slug}/modules/{module slug}/quiz/v{version}
    …/quiz/v{version}/questions/{position}                   (a question of that quiz version)
    {base}/xapi/activities/question-banks/{bank}/questions/{content sha-256, 16 hex digits}
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from flask import current_app

#: ADL verbs (http://adlnet.gov/expapi/verbs/, the xAPI 1.0.3 / 2.0 ADL vocabulary)
ADL = "http://adlnet.gov/expapi/verbs/"
VERB_LAUNCHED = ADL + "launched"
VERB_EXPERIENCED = ADL + "experienced"
VERB_ATTEMPTED = ADL + "attempted"
VERB_ANSWERED = ADL + "answered"
VERB_PASSED = ADL + "passed"
VERB_FAILED = ADL + "failed"
VERB_COMPLETED = ADL + "completed"
VERB_VOIDED = ADL + "voided"
VERB_REGISTERED = ADL + "registered"
#: "waived" as the ADL vocabulary defines it (minted for cmi5, in the w3id.org/xapi/adl
#: namespace, not under adlnet.gov): "the learning activity requirements were met by means
#: other than completing the activity" -- what a passed test-out does to a module
VERB_WAIVED = "https://w3id.org/xapi/adl/verbs/waived"
#: "was assigned" of the AcrossX profile (published on ADL's xAPI profile server): the ADL
#: vocabulary has no "assigned", and its "registered" means enrolled (ralph's LMS profile uses
#: it for that), which an assignment is not; the actor stays the learner, as in every other
#: statement LearnHub makes
VERB_ASSIGNED = "https://w3id.org/xapi/acrossx/verbs/was-assigned"

#: cmi5 9.5.5.2 "reason": the result extension the LMS MUST set in every "waived" statement,
#: with one of cmi5's words: "Tested Out" (an assessment passed), "Administrative" (an
#: administrator's decision, e.g. HR's exemption: never HR's own words)
WAIVED_REASON = "https://w3id.org/xapi/cmi5/result/extensions/reason"
TESTED_OUT = "Tested Out"
ADMINISTRATIVE = "Administrative"

VERB_WORDS = {
    VERB_LAUNCHED: "launched",
    VERB_EXPERIENCED: "experienced",
    VERB_ATTEMPTED: "attempted",
    VERB_ANSWERED: "answered",
    VERB_PASSED: "passed",
    VERB_FAILED: "failed",
    VERB_COMPLETED: "completed",
    VERB_VOIDED: "voided",
    VERB_REGISTERED: "registered",
    VERB_WAIVED: "waived",
    VERB_ASSIGNED: "was assigned",
}

#: activity types (ADL activity vocabulary)
ACTIVITY = "http://adlnet.gov/expapi/activities/"
TYPE_COURSE = ACTIVITY + "course"
TYPE_MODULE = ACTIVITY + "module"
TYPE_ASSESSMENT = ACTIVITY + "assessment"
TYPE_INTERACTION = ACTIVITY + "cmi.interaction"

#: characters kept in an id's slug part (RFC 3986 unreserved); others become one "-"
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")


def verb(verb_id: str) -> dict:
    """The statement's ``verb`` object: ``{"id": IRI, "display": {"en": word}}``."""
    return {"id": verb_id, "display": {"en": VERB_WORDS[verb_id]}}


def base_url() -> str:
    """``LEARNHUB_BASE_URL`` without a trailing slash (the same in web, worker and CLI)."""
    return str(current_app.config["LEARNHUB_BASE_URL"]).rstrip("/")


def _root() -> str:
    return f"{base_url()}/xapi/activities"


def _part(text: str) -> str:
    return quote(_SLUG_UNSAFE.sub("-", text.strip()).strip("-") or "-", safe="")


def course_activity(course_slug: str) -> str:
    """The course's activity id."""
    return f"{_root()}/courses/{_part(course_slug)}"


def module_activity(course_slug: str, module_slug: str) -> str:
    """The module's activity id (module slugs are unique within their course)."""
    return f"{course_activity(course_slug)}/modules/{_part(module_slug)}"


def quiz_activity(course_slug: str, module_slug: str, version: int) -> str:
    """The activity id of one version of a module's quiz (a changed quiz is a new version)."""
    return f"{module_activity(course_slug, module_slug)}/quiz/v{int(version)}"


def question_activity(quiz_id_iri: str, position: int) -> str:
    """A question owned by a quiz version, by its position in that version (fixed: a key fix
    replaces a question's spec in place and keeps its position)."""
    return f"{quiz_id_iri}/questions/{int(position)}"


def bank_question_activity(bank_name: str, content_sha256: str) -> str:
    """A question drawn from a bank: its bank and content digest (a bank question that a
    re-import changes is retired and replaced, so the digest names one content)."""
    return f"{_root()}/question-banks/{_part(bank_name)}/questions/{content_sha256[:16]}"


def registration(attempt_key: str) -> str:
    """A stable registration UUID for one attempt (``attempt_key`` e.g. ``"attempt:12"``):
    uuid5 of an IRI under the base URL, so every statement of the attempt shares it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url()}/xapi/{attempt_key}"))
