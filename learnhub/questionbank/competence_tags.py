"""Competence tags: the competence and proficiency level one question proves.

A question names its competence with an ordinary Moodle tag, so the tag survives a round trip
through Moodle and any tool that reads GIFT or Moodle XML:

- GIFT: a comment above the question, ``// [tag:digcomp:4.1:intermediate]`` (Moodle's
  qformat_gift reads ``[tag:...]`` and ``[id:...]`` from the comments of a question's block:
  ``extract_idnumber_and_tags_from_comment``);
- Moodle XML: ``<tags><tag><text>digcomp:4.1:2</text></tag></tags>``.

The form is ``<framework>:<competence code>:<level>``: the framework by its slug
(``digcomp-3.0``) or its family, the slug before the first ``-`` (``digcomp``); the code as the
framework writes it (``4.1``); the level by name (any case) or number in the framework's scale.
A tag whose first part is a word and whose second starts with a digit is read as a competence
tag (``topic:phishing`` stays an ordinary tag); one that is malformed is an error of the
question, with its line, never a silently ignored tag.

Parsing (:func:`read_competence_tags`) is pure and done by the GIFT and Moodle XML readers,
which put ``"competences"`` in the spec (only when there are some, so an untagged question's
digest never changes). Resolving against a loaded framework (:func:`resolve_competences`) is
done where questions are stored (content load: the course's framework; bank import: any loaded
framework) and turns them into ``[{"framework": slug, "competence": code, "level": number}]``.
A question's tags are part of its content: a changed tag changes the question's digest and so
its quiz version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the parsers stay free of the database; resolving needs it
    from learnhub.skills.profiles import FrameworkIndex

#: a tag that means to name a competence: ``word:digit...`` (the rest is checked strictly)
_CANDIDATE = re.compile(r"^([A-Za-z][\w.-]*):(\d.*)$")
_STRICT = re.compile(r"^(\d+(?:\.\d+)*):([^:]+)$")


def read_competence_tags(tags: list[str]) -> tuple[list[dict], list[str]]:
    """Split a question's tags into competence tags and problems.

    Returns (competences, errors): competences as ``[{"framework": str, "competence": str,
    "level": str}]`` in tag order (level as written: "intermediate" or "2"), errors as
    messages. A competence named twice is an error (a question proves one level of it).
    """
    found: list[dict] = []
    errors: list[str] = []
    for tag in tags:
        candidate = _CANDIDATE.match(tag.strip())
        if candidate is None:
            continue
        strict = _STRICT.match(candidate[2].strip())
        if strict is None:
            errors.append(
                f"competence tag {tag!r} is not <framework>:<competence>:<level> "
                "(for example digcomp:4.1:intermediate)"
            )
            continue
        framework, code, level = candidate[1].lower(), strict[1], strict[2].strip()
        if any(c["framework"] == framework and c["competence"] == code for c in found):
            errors.append(f"competence {code} is tagged twice; a question proves one level of it")
            continue
        found.append({"framework": framework, "competence": code, "level": level})
    return found, errors


def framework_matches(name: str, slug: str) -> bool:
    """Does the tag's framework ``name`` mean the framework ``slug`` (its slug or family)?"""
    name = name.lower()
    return name == slug.lower() or name == slug.lower().split("-", 1)[0]


def resolve_competences(
    competences: list[dict], index_of: Callable[[str], FrameworkIndex | str]
) -> tuple[list[dict], list[str]]:
    """Check parsed competence tags against loaded frameworks.

    ``index_of(name)`` returns the FrameworkIndex the tag's framework name means, or a message
    saying why there is none. Returns (resolved, errors): resolved as ``[{"framework": slug,
    "competence": code, "level": number}]``; errors name the unknown framework, competence or
    level (with the valid levels)."""
    resolved: list[dict] = []
    errors: list[str] = []
    for tag in competences:
        index = index_of(tag["framework"])
        if isinstance(index, str):
            errors.append(index)
            continue
        code, raw = str(tag["competence"]), tag["level"]
        level = index.level(int(raw) if str(raw).isdigit() else raw)
        if code not in index.competences:
            errors.append(f"competence tag names unknown competence {code!r} of {index.slug}")
        elif level is None:
            errors.append(
                f"competence tag {code}: unknown level {raw!r} in {index.slug} "
                f"(levels: {index.level_names()}, or their numbers)"
            )
        else:
            resolved.append({"framework": index.slug, "competence": code, "level": level})
    return resolved, errors


def course_framework_resolver(index: FrameworkIndex) -> Callable[[str], FrameworkIndex | str]:
    """The resolver for a course's questions: only the course's own framework may be named."""

    def index_of(name: str) -> FrameworkIndex | str:
        if framework_matches(name, index.slug):
            return index
        return f"competence tag names framework {name!r}; this course uses {index.slug}"

    return index_of


def loaded_framework_resolver(slugs: list[str]) -> Callable[[str], FrameworkIndex | str]:
    """The resolver for a bank import: any loaded framework (``slugs``), by slug or family;
    a family shared by two loaded frameworks must be written as the full slug."""
    from learnhub.skills.profiles import FrameworkIndex

    cache: dict[str, FrameworkIndex | None] = {}

    def index_of(name: str) -> FrameworkIndex | str:
        matches = [s for s in slugs if framework_matches(name, s)]
        exact = [s for s in matches if s.lower() == name.lower()]
        if exact:
            matches = exact
        if not matches:
            return f"competence tag names framework {name!r}, which is not loaded"
        if len(matches) > 1:
            return f"competence tag framework {name!r} is ambiguous; write one of {matches}"
        if matches[0] not in cache:
            cache[matches[0]] = FrameworkIndex.from_db(matches[0])
        found = cache[matches[0]]
        return found if found is not None else f"framework {matches[0]!r} is not loaded"

    return index_of
