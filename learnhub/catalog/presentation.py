"""What learners are shown of the catalogue, in the API and on pages: the published courses
with their modules, and one module with its lesson, outcomes and quiz.

A module has at most one quiz (DESIGN.md), but the quiz belongs to ``learnhub.quizzes``, which
sits above catalog: catalog never imports it. As with the quiz part of the content loader
(``learnhub.catalog.loader.register_module_part``), quizzes lends its part through a hook:
``register_module_quiz(ModuleQuiz(...))`` says how a module's current quiz is found and shown
(``learnhub.quizzes.presentation`` registers it; the app imports that module before it
registers the catalogue's blueprint, whose OpenAPI document shows the quiz's schema). Without a
registered part, modules show no quiz.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from marshmallow import Schema

from learnhub.catalog import services as catalog
from learnhub.catalog.models import Module
from learnhub.catalog.org_facts import fill_org_facts


@dataclass(frozen=True)
class ModuleQuiz:
    """How the catalogue finds and shows a module's quiz.

    ``schema``: dump schema of a module's quiz (its settings, never its questions);
    ``current(module_id)``: the module's current quiz, or None (its settings and the number
    of its questions are read; one statement); ``current_ids()``: ``{module
    id: current quiz id}`` for every module with a quiz (one query)."""

    schema: type[Schema]
    current: Callable[[int], Any | None]
    current_ids: Callable[[], dict[int, int]]


_NO_QUIZ = ModuleQuiz(Schema, lambda module_id: None, dict)
_parts: dict[str, ModuleQuiz] = {}


def register_module_quiz(part: ModuleQuiz) -> None:
    """Lend the catalogue a module's quiz (called by the quizzes feature)."""
    _parts["quiz"] = part


def module_quiz() -> ModuleQuiz:
    """The registered quiz part, or one that finds no quiz."""
    return _parts.get("quiz", _NO_QUIZ)


def course_list() -> list[dict]:
    """Published courses by title, each with its active modules and their current quiz ids
    (shape: ``learnhub.catalog.schemas.CourseSchema``)."""
    quizzes = module_quiz().current_ids()
    return [
        {
            "id": c.id,
            "slug": c.slug,
            "title": c.title,
            "summary": c.summary,
            "modules": [
                {
                    "id": m.id,
                    "slug": m.slug,
                    "title": m.title,
                    "position": m.position,
                    "minutes": m.minutes,
                    "quiz_id": quizzes.get(m.id),
                }
                for m in c.modules
                if m.active
            ],
        }
        for c in catalog.published_courses()
    ]


def module_view(module: Module) -> dict:
    """A module as a learner sees it (API and HTML): lesson HTML, outcomes with their
    competence codes, and its current quiz (settings only, never questions); shape:
    ``learnhub.catalog.schemas.ModuleSchema``."""
    quiz = module_quiz().current(module.id)
    return {
        "id": module.id,
        "course_id": module.course_id,
        "slug": module.slug,
        "title": module.title,
        "position": module.position,
        "minutes": module.minutes,
        "validity_months": module.validity_months,
        "body_html": fill_org_facts(module.body_html, current_app.config),
        "outcomes": [
            {
                "text": o.text,
                "competence": o.competence.code,
                "level": o.level_number,
                "learning_outcome": o.learning_outcome_code,
            }
            for o in module.outcomes
        ],
        "quiz": quiz,
        "quiz_id": quiz.id if quiz else None,
    }
