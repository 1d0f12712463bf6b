"""The question bank: named banks of questions in categories, filled and read back as Moodle
GIFT or Moodle XML, as L&D teams keep them in Moodle.

Where things are:

- ``models.py``: ``QuestionBank``, ``QuestionCategory`` and ``Question``.
- ``gift/`` (GIFT read and write) and ``moodle_xml/`` (Moodle XML read): files to
  question-spec dicts and back; pure Python. ``numbers.py``: the bounds both readers put on
  the numbers a question may hold.
- ``services.py``: import a file into a bank (validated whole, one transaction), export a
  bank as GIFT, bank summaries, the current questions of a category.
- ``api.py`` + ``schemas.py``: ``/api/v1/question-banks…`` (HR, content admins).
- ``cli.py``: ``flask quizzes import`` and ``flask quizzes export`` (the commands keep the
  names the README documents; the quizzes command group lists them).

This package sits below ``quizzes`` (import-linter layers in pyproject.toml): quizzes draws
questions from banks and parses a module's GIFT file with ``gift``; nothing here imports
quizzes.

Why ``Question`` is the bank's model, not the quiz's: a bank import creates questions (with
their category, id number, content hash and retirement, which only bank questions use), and
the spec every question holds is what ``gift`` and ``moodle_xml`` produce. A quiz version's
own questions (from its module's GIFT file) are the same rows with ``quiz_id`` set instead of
``bank_id`` (a check constraint keeps exactly one); ``Question.quiz_id`` names the
``quizzes`` table by its name only, and ``Quiz.questions`` is the relationship on the quiz's
side. Had the model stayed in quizzes, the bank import would have to import upwards. As in
Moodle, where questions belong to the question bank and a quiz refers to them.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Make the bank's tables known and serve ``/api/v1/question-banks…``. Its commands join
    ``flask quizzes`` (see :mod:`learnhub.quizzes.cli`)."""
    import learnhub.questionbank.models  # noqa: F401  (its tables join the metadata)
    from learnhub.extensions import api
    from learnhub.questionbank.api import blp

    api.register_blueprint(blp, url_prefix="/api/v1")
