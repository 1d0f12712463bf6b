"""Which current question of a category an imported one is (tester's finding 5): the same
content (its digest), the same id number, else the same name; and a question without a name
that comes back from Moodle XML with one made from its text."""

from __future__ import annotations

import hashlib
import json

from learnhub.questionbank.models import Question


def same_question(
    spec: dict, current: dict[str, Question], new: set[int] | frozenset[int] = frozenset()
) -> Question | None:
    """The current question of the category that ``spec`` updates: the one with its id number,
    else (neither with another id number) the one with its name, when only one has it and it
    is not one of the same import (``new``: their ``id()``s; a file may hold two questions of
    one name, as Moodle allows)."""
    if spec.get("idnumber"):
        found = next((q for q in current.values() if q.idnumber == spec["idnumber"]), None)
        if found is not None:
            return found
    name = (spec.get("name") or "")[:255]
    if not name:
        return None
    named = [
        q
        for q in current.values()
        if q.name == name and id(q) not in new and (not q.idnumber or not spec.get("idnumber"))
    ]
    return named[0] if len(named) == 1 else None


def nameless_twin(spec: dict, current: dict[str, Question]) -> Question | None:
    """A current question without a name that is ``spec`` but for the name: a question that
    went out without one (GIFT allows it) comes back from Moodle XML with a name made from its
    text, and is the same question."""
    if not spec.get("name"):
        return None
    body = _without_name(spec)
    return next((q for q in current.values() if not q.name and _without_name(q.spec) == body), None)


def _without_name(spec: dict) -> str:
    return spec_digest({k: v for k, v in spec.items() if k != "name"})


def spec_digest(spec: dict) -> str:
    """A question's identity for re-imports: its spec without the source line."""
    body = {k: v for k, v in spec.items() if k != "line"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
