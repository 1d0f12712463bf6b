"""Moodle GIFT import and export for LearnHub question-spec dicts.

`parse_gift(text)` reads a GIFT file into question-spec dicts with line-numbered errors and
warnings; `export_gift(questions)` writes them back. Pure Python: no Flask, no database.
"""

from learnhub.questionbank.gift.common import MOODLE_FRACTIONS, GiftIssue, GiftResult
from learnhub.questionbank.gift.export import export_gift
from learnhub.questionbank.gift.parser import parse_gift

__all__ = ["MOODLE_FRACTIONS", "GiftIssue", "GiftResult", "export_gift", "parse_gift"]
