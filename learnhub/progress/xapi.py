"""xAPI statements for what learners do (xAPI 2.0 = IEEE 9274.1.1; also valid xAPI 1.0.3).

Rules followed (ADL conformance suite): ``result.score.scaled`` in [-1, 1], ``raw`` within
[``min``, ``max``], ``duration`` an ISO 8601 duration, ``timestamp`` ISO 8601 with an offset.
"""

from __future__ import annotations

import uuid
from fractions import Fraction

from flask import current_app, has_request_context, request

from learnhub.catalog.models import Module
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.progress.models import XapiStatement
from learnhub.quizzes.models import Attempt

VERB_PASSED = "http://adlnet.gov/expapi/verbs/passed"
VERB_FAILED = "http://adlnet.gov/expapi/verbs/failed"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def _base_url() -> str:
    if has_request_context():
        return request.host_url.rstrip("/")
    return current_app.config.get("LEARNHUB_BASE_URL", "http://localhost:5000")


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration such as ``PT1H0M0.1S`` for a number of seconds >= 0."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{round(secs, 2):g}S"


def record_attempt(attempt: Attempt, module: Module) -> XapiStatement:
    """Store a passed/failed statement for a submitted attempt and return it."""
    base = _base_url()
    employee = db.session.get(Employee, attempt.employee_id)
    # an attempt whose essays wait for a reviewer has no pass decision yet: "completed"
    verb, word = (VERB_PASSED, "passed") if attempt.passed else (VERB_FAILED, "failed")
    if attempt.passed is None:
        verb, word = VERB_COMPLETED, "completed"
    scaled = Fraction(attempt.score_exact) if attempt.score_exact else Fraction(0)
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "name": employee.full_name,
            "mbox": f"mailto:{employee.email}",
        },
        "verb": {"id": verb, "display": {"en": word}},
        "object": {
            "objectType": "Activity",
            "id": f"{base}/modules/{module.id}/quiz",
            "definition": {
                "name": {"en": module.title},
                "type": "http://adlnet.gov/expapi/activities/assessment",
            },
        },
        "result": {
            "score": {
                "scaled": round(float(scaled), 4),
                "raw": float(attempt.raw_points or 0),
                "min": 0,
                "max": float(attempt.max_points or 0),
            },
            "completion": True,
            "duration": iso_duration((attempt.submitted_at - attempt.started_at).total_seconds()),
        },
        "context": {
            "contextActivities": {
                "parent": [{"objectType": "Activity", "id": f"{base}/courses/{module.course_id}"}]
            }
        },
        "timestamp": attempt.submitted_at.isoformat().replace("+00:00", "Z"),
        "version": "1.0.3",
    }
    if attempt.passed is not None:
        statement["result"]["success"] = attempt.passed
    row = XapiStatement(
        id=statement["id"],
        employee_id=attempt.employee_id,
        verb=verb,
        object_id=statement["object"]["id"],
        timestamp=attempt.submitted_at,
        statement=statement,
    )
    db.session.add(row)
    return row
