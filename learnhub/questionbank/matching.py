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
    is not one of the same import (``new``: their ``id()``s; a file with one name twice in a
    category gets a warning, file_checks.duplicate_names, and an edited twin is refused,
    :func:`name_clash`; one id number twice in a category is refused before,
    file_checks.duplicate_idnumbers)."""
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


def name_clash(
    spec: dict, current: dict[str, Question], new: set[int] | frozenset[int] = frozenset()
) -> str | None:
    """Why ``spec``, which is no current question and updates none (:func:`same_question`
    found none), cannot be imported: two or more current questions of its category have its
    name, so it may be an edited one of them and adding it would keep a stale twin (tester's
    finding: a third question, the old one with the opposite key). None when no current
    question (but those of this import) has its name."""
    name = (spec.get("name") or "")[:255]
    named = [q for q in current.values() if name and q.name == name and id(q) not in new]
    if len(named) < 2:
        return None
    return (
        f"{len(named)} questions of this category in the bank are named {name!r}: LearnHub "
        "cannot tell which one this question updates. Give the questions id numbers "
        "([id:] in GIFT, <idnumber> in Moodle XML), or rename this one to add it"
    )


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


def with_bank_points(
    spec: dict,
    current: dict[str, Question],
    new: set[int] | frozenset[int],
    twins: dict[str, Question],
) -> dict:
    """``spec`` (read from GIFT) with the points of the current question it is: the same but
    for the points (``twins``: :func:`points_free_index` of ``current``), else the one it
    updates (:func:`same_question`); a new question keeps GIFT's 1. GIFT has no syntax for a
    question's points (default mark), so a GIFT file says nothing about them: re-importing a
    bank's GIFT export neither counts a 5-point essay as changed nor sets it to 1 point
    (tester's finding). Moodle XML carries points and sets them."""
    old = twins.get(points_free(spec)) or same_question(spec, current, new)
    if old is None or "points" not in old.spec:
        return spec
    return {**spec, "points": old.spec["points"]}


def points_free_index(current: dict[str, Question]) -> dict[str, Question]:
    """The questions of ``current`` by :func:`points_free` digest (built once per category)."""
    return {points_free(q.spec): q for q in current.values()}


def points_free(spec: dict) -> str:
    """A question's digest without its points (and source line)."""
    return spec_digest({k: v for k, v in spec.items() if k != "points"})
