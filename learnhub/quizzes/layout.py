"""What one attempt shows, fixed when it starts: the questions (the quiz's own plus those drawn
at random from question-bank categories) in their order, and each question's options in theirs.

The layout is stored on the attempt (``Attempt.layout``), so resuming, scoring and reviewing
always see the same questions in the same order, and the next attempt can draw other ones:
``{"questions": [question id, ...], "drawn": [question id, ...],
"choices": {"<question id>": [choice or pair index, ...]}}``.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from functools import cache

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm.util import identity_key

from learnhub.core.errors import Conflict
from learnhub.extensions import db
from learnhub.questionbank.models import Question, QuestionBank, QuestionType
from learnhub.questionbank.moodle_xml import category_path
from learnhub.questionbank.reading import bank_questions
from learnhub.quizzes.models import Attempt, Quiz

logger = logging.getLogger(__name__)


def build_layout(quiz: Quiz, employee_id: int, rng: random.Random) -> dict:
    """The layout of a new attempt by ``employee_id`` at ``quiz``.

    Fixed questions come first in quiz order, then the drawn ones; with ``shuffle_questions``
    the whole list is shuffled (descriptions too, as Moodle's shuffle does). With
    ``shuffle_answers`` the choices and matching items of every question but true/false are
    shuffled. Raises Conflict when a bank category holds fewer questions than a rule draws.
    """
    drawn = draw_questions(quiz, employee_id, rng)
    questions = [*quiz.questions, *drawn]
    order = [q.id for q in questions]
    if quiz.shuffle_questions:
        rng.shuffle(order)
    layout: dict = {"questions": order, "drawn": [q.id for q in drawn], "choices": {}}
    for question in questions:
        items = question.spec.get("choices") or question.spec.get("pairs")
        if items:
            indexes = list(range(len(items)))
            if quiz.shuffle_answers and question.qtype != QuestionType.TRUE_FALSE:
                rng.shuffle(indexes)
            layout["choices"][str(question.id)] = indexes
    return layout


def questions_per_attempt(quiz: Quiz, draw_rules: list[dict] | None = None) -> int:
    """How many questions (descriptions excepted: they are never scored) an attempt at
    ``quiz`` shows: its own plus those its draw rules draw (``draw_rules``, when given, in
    place of the quiz's). 0 means the quiz cannot be attempted (Moodle refuses to start a quiz
    without questions)."""
    rules = quiz.draw_rules if draw_rules is None else draw_rules
    own = sum(1 for q in quiz.questions if q.qtype != QuestionType.DESCRIPTION)
    return own + sum(int(rule["count"]) for rule in rules or [])


def draw_questions(quiz: Quiz, employee_id: int, rng: random.Random) -> list[Question]:
    """Questions drawn for one attempt by the quiz's draw rules, never one twice.

    Each rule ``{"bank", "category", "count", "subcategories"}`` draws ``count`` questions from
    the current (not retired) questions of the category, descriptions excepted. LearnHub rule
    (a second attempt is not the first one again): questions the employee has not been
    shown in earlier attempts at this module's quiz come first, then the least shown ones,
    ties broken at random. Raises Conflict when a category is too small.
    """
    if not quiz.draw_rules:
        return []
    shown = _shown_before(quiz, employee_id)
    picked: list[Question] = []
    for rule in quiz.draw_rules:
        taken = {q.id for q in picked}
        candidates = [q for q in bank_questions(rule) if q.id not in taken]
        count = int(rule["count"])
        if len(candidates) < count:
            where = rule.get("category") or "(top)"
            raise Conflict(
                f"The quiz draws {count} question(s) from {rule['bank']!r} / {where}, "
                f"which holds {len(candidates)} it can use; ask a content admin to add some."
            )
        rng.shuffle(candidates)
        candidates.sort(key=lambda q: shown[q.id])  # stable: random order within a count
        picked.extend(candidates[:count])
    return picked


def normalise_rules(rules: list[dict]) -> list[dict]:
    """Draw rules with their category written as a bank path ("top/" and context dropped)."""
    return [
        {
            "bank": str(rule["bank"]).strip(),
            "category": category_path(rule.get("category") or "") or None,
            "count": int(rule["count"]),
            "subcategories": bool(rule.get("subcategories", False)),
        }
        for rule in rules
    ]


def _shown_before(quiz: Quiz, employee_id: int) -> Counter:
    """How often each drawn question was shown to the employee at this module's quizzes (all
    versions; a diagnostic: its course's test-out)."""
    layouts = db.session.scalars(
        select(Attempt.layout)
        .join(Quiz, Attempt.quiz_id == Quiz.id)
        .where(quiz.same_place(), Attempt.employee_id == employee_id)
    )
    return Counter(qid for layout in layouts for qid in (layout or {}).get("drawn", []))


def attempt_questions(attempt: Attempt) -> list[Question]:
    """The attempt's questions in its display order. An attempt stored without a layout shows
    the quiz's own questions. Questions the session holds already (the quiz's own when they
    are loaded, or any loaded earlier in the request and not expired since) are taken from its
    identity map, as a SELECT would return those very objects anyway; the others are read in
    one query, with their bank's name (:func:`bank_names`; none when all are held: a submit
    reads its questions once, not once per step)."""
    order = (attempt.layout or {}).get("questions")
    if not order or "questions" not in inspect(attempt.quiz).unloaded:
        own = {q.id: q for q in attempt.quiz.questions}
    else:  # not loaded (a submit): the layout names them, so they come in the one query
        own = {}
    order = order or list(own)
    missing = [qid for qid in order if qid not in own]
    for qid in missing:
        held = db.session.identity_map.get(identity_key(Question, qid))
        if held is not None and not inspect(held).expired:
            own[qid] = held
    missing = [qid for qid in missing if qid not in own]
    if missing:
        rows = db.session.execute(_questions_statement(), {"ids": missing}).all()
        loaded = [row.Question for row in rows]
        # the identity map holds objects weakly: keep these for the session's life (a request)
        db.session.info.setdefault(_HELD, {}).update((q.id, q) for q in loaded)
        db.session.info.setdefault(_BANK_NAMES, {}).update(
            (row.Question.bank_id, row.name) for row in rows if row.name is not None
        )
        own.update((q.id, q) for q in loaded)
    return [own[qid] for qid in order if qid in own]


def bank_names() -> dict[int, str]:
    """{bank id: name} of the banks of the questions :func:`attempt_questions` read in this
    session (the xAPI activity ids of bank questions are named after their bank)."""
    return db.session.info.get(_BANK_NAMES, {})


@cache
def _questions_statement() -> Select:
    """Questions by id (``ids``, a list) with their bank's name (NULL for a quiz's own)."""
    return (
        select(Question, QuestionBank.name)
        .outerjoin(QuestionBank, QuestionBank.id == Question.bank_id)
        .where(Question.id.in_(bindparam("ids", expanding=True)))
    )


#: ``Session.info`` key of the questions a session read by id, {id: Question}
_HELD = "learnhub.quizzes.drawn_questions"
#: ``Session.info`` key of their banks' names, {bank id: name}
_BANK_NAMES = "learnhub.quizzes.bank_names"
