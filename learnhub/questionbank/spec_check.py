"""Whether a question spec is whole and importable: the check a key fix
(``PUT /api/v1/questions/<id>``) runs before it replaces a stored spec.

It is the importers' own validation, not a second copy of their rules: the spec's shape is
checked against :class:`learnhub.questionbank.schemas.QuestionSpecSchema` (the contract the
importers produce, also the OpenAPI description), then the spec is written as Moodle XML and
read back by :func:`learnhub.questionbank.moodle_xml.parse_moodle_xml`, so every rule of the
Moodle XML import (a right answer exists, true/false has exactly True and False, a numeric
answer is a number, competence tags are well formed, ...) applies with its own words. Pure
Python: no Flask, no database.
"""

from __future__ import annotations

import logging

from marshmallow import ValidationError

from learnhub.core.errors import Issue
from learnhub.questionbank.moodle_xml import parse_moodle_xml
from learnhub.questionbank.moodle_xml.writer import export_moodle_xml
from learnhub.questionbank.schemas import QuestionSpecSchema

logger = logging.getLogger(__name__)


def spec_issues(spec: object, where: str = "spec") -> list[Issue]:
    """The problems of ``spec`` as a stored question, each located by its field path under
    ``where`` (``spec.choices.0.text``: "Missing data for required field."), or by the Moodle
    XML importer's message (``spec``: "neither answer has fraction 100: ..."). [] when it is
    whole and the importers would take it."""
    if not isinstance(spec, dict):
        return [Issue(where, "a question spec is a JSON object")]
    try:
        QuestionSpecSchema().load(spec)
    except ValidationError as exc:
        return _flatten(exc.messages, where)
    try:
        document, _notes = export_moodle_xml([{**spec, "category": None}])
    except ValueError as exc:
        return [Issue(where, str(exc).removeprefix("question 1 "))]
    parsed = parse_moodle_xml(document)
    return [Issue(where, issue.message) for issue in parsed.errors]


def _flatten(messages: object, where: str) -> list[Issue]:
    """marshmallow's nested messages as one Issue per field path (``spec.choices.0.text``)."""
    if isinstance(messages, dict):
        found = []
        for key, inner in messages.items():
            path = where if key == "_schema" else f"{where}.{key}"
            found.extend(_flatten(inner, path))
        return found
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [Issue(where, m) for m in messages]
    if isinstance(messages, list):
        return [i for m in messages for i in _flatten(m, where)]
    return [Issue(where, str(messages))]
