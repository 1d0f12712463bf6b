"""A question as an xAPI interaction activity, and a learner's answer as its ``result.response``
(xAPI 1.0.3 / 2.0 "Interaction Activities", the cmi.interaction types).

| LearnHub question type        | interactionType | response format                            |
| ----------------------------- | --------------- | ------------------------------------------ |
| single_choice, multiple_choice| choice          | choice ids joined by ``[,]`` (``c0[,]c2``) |
| true_false                    | true-false      | ``true`` or ``false``                      |
| short_answer                  | fill-in         | the text typed                             |
| numeric                       | numeric         | the number typed                           |
| matching                      | matching        | ``s0[.]t1[,]s1[.]t0`` (source.target)      |
| essay                         | long-fill-in    | the text written                           |

Answer keys stay out: no ``correctResponsesPattern`` is ever written. Statements go to the
organisation's LRS, but they are also what a person receives of their own record (a subject
access export), and a learner who may still retake a quiz must not find its key there (DESIGN.md
"answer keys never reach ... a learner"). ``result.success`` per question says whether the
answer earned full marks, which is what an LRS report needs.
"""

from __future__ import annotations

from collections.abc import Mapping

from learnhub.questionbank.models import QuestionType

#: characters of a question's text kept in an activity's description
TEXT_LIMIT = 1000

INTERACTION_TYPES = {
    QuestionType.SINGLE_CHOICE: "choice",
    QuestionType.MULTIPLE_CHOICE: "choice",
    QuestionType.TRUE_FALSE: "true-false",
    QuestionType.SHORT_ANSWER: "fill-in",
    QuestionType.NUMERIC: "numeric",
    QuestionType.MATCHING: "matching",
    QuestionType.ESSAY: "long-fill-in",
}


def _text(value: object) -> str:
    if isinstance(value, Mapping):
        value = value.get("text", "")
    return str(value or "").strip()[:TEXT_LIMIT] or "-"


def _targets(spec: dict) -> list[str]:
    """The distinct right-hand texts of a matching question, in spec order."""
    seen: list[str] = []
    for pair in spec.get("pairs") or []:
        right = _text(pair.get("right"))
        if right not in seen:
            seen.append(right)
    return seen


def definition(qtype: str, spec: dict, name: str | None) -> dict:
    """The interaction activity's ``definition`` for a question spec (no answer key)."""
    kind = INTERACTION_TYPES[QuestionType(qtype)]
    body: dict = {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "name": {"en": (name or _text(spec.get("stem")))[:200]},
        "description": {"en": _text(spec.get("stem"))},
        "interactionType": kind,
    }
    if kind == "choice":
        body["choices"] = [
            {"id": f"c{i}", "description": {"en": _text(choice.get("text"))}}
            for i, choice in enumerate(spec.get("choices") or [])
        ]
    elif kind == "matching":
        pairs = spec.get("pairs") or []
        body["source"] = [
            {"id": f"s{i}", "description": {"en": _text(p.get("left"))}}
            for i, p in enumerate(pairs)
            if p.get("left") is not None
        ]
        body["target"] = [
            {"id": f"t{i}", "description": {"en": text}} for i, text in enumerate(_targets(spec))
        ]
    return body


def response_text(qtype: str, spec: dict, answer: Mapping | None) -> str | None:
    """The learner's answer in the interaction type's response format; None when there was no
    answer (a malformed stored answer gives what can be read of it, never an error)."""
    answer = answer if isinstance(answer, Mapping) else {}
    kind = INTERACTION_TYPES[QuestionType(qtype)]
    choices = spec.get("choices") or []
    if kind == "true-false":
        chosen = answer.get("choice")
        if not isinstance(chosen, int) or not 0 <= chosen < len(choices):
            return None
        return "true" if _text(choices[chosen].get("text")).lower() == "true" else "false"
    if kind == "choice":
        raw = answer.get("choices") if qtype == QuestionType.MULTIPLE_CHOICE else None
        if qtype == QuestionType.SINGLE_CHOICE:
            raw = [answer.get("choice")]
        picked = sorted({i for i in raw or [] if isinstance(i, int) and 0 <= i < len(choices)})
        return "[,]".join(f"c{i}" for i in picked) if picked else None
    if kind == "matching":
        matches = answer.get("matches")
        if not isinstance(matches, Mapping):
            return None
        targets = _targets(spec)
        parts = []
        for key, text in sorted(matches.items(), key=lambda item: str(item[0])):
            if isinstance(text, str) and text.strip() in targets:
                parts.append(f"s{key}[.]t{targets.index(text.strip())}")
        return "[,]".join(parts) if parts else None
    value = answer.get("value" if kind == "numeric" else "text")
    if value is None or str(value).strip() == "":
        return None
    return str(value).strip()
