"""Moodle XML question-bank import (defusedxml) into LearnHub question-spec dicts.

`parse_moodle_xml(data)` reads a Moodle XML export (bytes, encoding from its declaration) and
returns an XmlResult: the questions it could read whole, and every problem tied to the question
by its number in the file, its name and its source line. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from learnhub.questionbank.competence_tags import read_competence_tags
from learnhub.questionbank.moodle_xml.reader import (
    Question,
    XmlIssue,
    XmlResult,
    category_path,
    load,
    trim,
)
from learnhub.questionbank.moodle_xml.types import READERS

__all__ = ["XmlIssue", "XmlResult", "category_path", "parse_moodle_xml"]

logger = logging.getLogger(__name__)


def parse_moodle_xml(data: bytes) -> XmlResult:
    """Parse a Moodle XML file into question-spec dicts (the question-spec contract).

    Reads the core types: multichoice (single and multiple), truefalse, shortanswer, numerical
    (absolute tolerance, units ignored), matching, essay, description, and category (sets the
    "category" of the questions after it, kept as LearnHub's path, e.g. "Security/Phishing");
    a cloze (multianswer) question with one gap becomes a missing-word question. Anything else
    (a plugin or calculated type, a question without a type, a cloze with several gaps, a
    question without text or right answer) is an error naming the question, which is then
    left out whole. Each spec has "line", the line of its <question> tag. Never raises.
    """
    result = XmlResult()
    root, lines, problem = load(data)
    if problem is not None:
        result.errors.append(problem)
        return result
    category: str | None = None
    for number, element in enumerate(root.findall("question"), start=1):
        line = lines[number - 1] if number <= len(lines) else None
        q = Question(element, number, line)
        q.read_name()
        qtype = trim(element.get("type"))
        spec = None
        if not qtype:
            q.error('the question has no type (type="...")')
        elif qtype == "category":
            path = q.raw_text(element.find("category"), "category")
            if path:
                category = category_path(path)
            else:
                q.error("the category has no path")
        elif qtype not in READERS:
            q.error(f"type {qtype!r} cannot be imported: LearnHub has no such question type")
        else:
            spec = _question(q, qtype, category)
        issues = [replace(i, name=q.name) for i in (*q.errors, *q.warnings)]
        result.errors.extend(i for i in issues[: len(q.errors)])
        result.warnings.extend(issues[len(q.errors) :])
        if spec is not None and not q.failed:
            result.questions.append(spec)
    logger.debug(
        "Moodle XML parsed: %d questions, %d errors, %d warnings",
        len(result.questions),
        len(result.errors),
        len(result.warnings),
    )
    return result


def _question(q: Question, qtype: str, category: str | None) -> dict:
    stem = q.text(q.el.find("questiontext"), "question text", "html")
    if not stem or not stem["text"]:
        q.error("the question has no text")
        stem = {"format": (stem or {}).get("format", "html"), "text": ""}
    else:
        q.default_name(stem)
    fmt = stem["format"]
    spec = {
        "type": qtype,
        "name": q.name,
        "idnumber": q.child_text("idnumber") or None,
        "tags": q.tags(),
        "category": category,
        "stem": stem,
        "embedded": False,
        "general_feedback": q.feedback(q.el.find("generalfeedback"), "general feedback", fmt),
        "points": q.points(),
        "line": q.line or 0,
    }
    competences, problems = read_competence_tags(spec["tags"])
    for problem in problems:
        q.error(problem)
    if competences:  # only then: an untagged question keeps its digest
        spec["competences"] = competences
        if qtype == "description":
            q.error("a description is never scored, so it cannot prove a competence")
    if not q.failed:
        READERS[qtype](q, spec, fmt)
        q.ignored()
    spec["name"] = q.name
    return spec
