"""Reading question banks (split from :mod:`learnhub.questionbank.services`, which imports):
a bank by name and its summary, its export as GIFT or Moodle XML, and the current questions
of a draw rule's category that quizzes draw from. Reads only.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, or_, select, true

from learnhub.core.errors import NotFound
from learnhub.extensions import db
from learnhub.questionbank.gift import export_gift
from learnhub.questionbank.models import Question, QuestionBank, QuestionCategory, QuestionType
from learnhub.questionbank.moodle_xml.writer import export_moodle_xml


def get_bank(name: str) -> QuestionBank:
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == name))
    if bank is None:
        raise NotFound(f"No question bank named {name!r}.")
    return bank


def bank_summary(bank: QuestionBank) -> dict:
    """``{"name", "categories": [{"path", "questions"}]}``: current questions per category."""
    counts = dict(
        db.session.execute(
            select(Question.category_id, func.count(Question.id))
            .where(Question.bank_id == bank.id, Question.retired_at.is_(None))
            .group_by(Question.category_id)
        ).all()
    )
    return {
        "name": bank.name,
        "categories": [{"path": c.path, "questions": counts.get(c.id, 0)} for c in bank.categories],
    }


def _current_questions(bank: QuestionBank) -> list[tuple[str, Question]]:
    """(category path, question) of the bank's current questions, by category then position."""
    rows = db.session.execute(
        select(QuestionCategory.path, Question)
        .join(Question, Question.category_id == QuestionCategory.id)
        .where(Question.bank_id == bank.id, Question.retired_at.is_(None))
        .order_by(QuestionCategory.path, Question.position)
    ).all()
    return [(path, question) for path, question in rows]


#: the comment that opens every GIFT export (GIFT reads `//` lines as comments)
GIFT_POINTS_NOTE = (
    "// GIFT carries no question points (default mark): Moodle reads every question here as "
    "1 point.\n"
    "// Re-importing this file into a LearnHub bank keeps the points of the questions already "
    "there.\n"
    "// To keep points when moving questions elsewhere, export the bank as Moodle XML.\n"
)


def export_bank(name: str) -> tuple[str, list[str]]:
    """The bank's current questions as GIFT text, category by category (the top first), with
    ``$CATEGORY: $course$/top/<path>`` lines Moodle reads back; and notes on what GIFT cannot
    carry (points other than 1). Raises NotFound for an unknown bank, ValueError for a
    question GIFT cannot express (see export_gift).

    Points (tester's finding: a 5-point essay went out as GIFT and came back at 1 without a
    word): the text opens with :data:`GIFT_POINTS_NOTE`, and each question whose points are
    not 1 is named in the header, "// points not carried: <name>: 5 points; …" (also
    the notes), so whoever opens the file sees it; a LearnHub re-import keeps the bank's
    points (matching.with_bank_points). Moodle XML (:func:`export_bank_xml`) carries them."""
    bank = get_bank(name)
    specs, notes = [], []
    for path, question in _current_questions(bank):
        spec = {**question.spec, "category": f"$course$/top/{path}" if path else None}
        specs.append(spec)
        points = Decimal(spec.get("points", "1"))
        if points != 1 and spec["type"] != QuestionType.DESCRIPTION:
            label = " ".join(str(spec.get("name") or f"question {question.id}").split())
            notes.append(f"{label}: {points.normalize():f} points; GIFT has none (1 in Moodle)")
    header = GIFT_POINTS_NOTE + "".join(f"// points not carried: {n}\n" for n in notes)
    return f"{header}\n{export_gift(specs)}", notes


def export_bank_xml(name: str) -> tuple[bytes, list[str]]:
    """The bank's current questions as a Moodle XML document (UTF-8 bytes), category by
    category (the top first), and notes on what was written differently (a numeric range as
    midpoint and tolerance; see export_moodle_xml). Marks, tags, id numbers and every feedback
    travel with the questions. Raises NotFound for an unknown bank, ValueError for a question
    XML cannot hold (a control character)."""
    bank = get_bank(name)
    specs = [
        {k: v for k, v in {**question.spec, "category": path or None}.items() if k != "line"}
        for path, question in _current_questions(bank)
    ]
    return export_moodle_xml(specs)


def bank_questions(rule: dict) -> list[Question]:
    """Current questions of a draw rule's bank category (and its subcategories when asked), by
    id, descriptions excepted (they score nothing). ``rule``: ``{"bank": name, "category":
    path or None, "subcategories": bool, ...}`` (a quiz's draw rule, already normalised). An
    unknown bank or category has none."""
    path = rule.get("category") or ""
    in_category = QuestionCategory.path == path
    if rule.get("subcategories"):
        below = QuestionCategory.path.startswith(f"{path}/", autoescape=True)
        in_category = or_(in_category, below) if path else true()
    return list(
        db.session.scalars(
            select(Question)
            .join(QuestionCategory, Question.category_id == QuestionCategory.id)
            .join(QuestionBank, Question.bank_id == QuestionBank.id)
            .where(
                QuestionBank.name == rule["bank"],
                in_category,
                Question.retired_at.is_(None),
                Question.qtype != QuestionType.DESCRIPTION,
            )
            .order_by(Question.id)
        )
    )
