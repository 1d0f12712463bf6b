"""Quiz settings changed through the API (content admins): time limit, shuffling, review
policy, feedback after a failed attempt, essay grading and random draws from question banks.
Audited; flushes, never commits.

Settings from content files make a new quiz version (learnhub.quizzes.content_loader); these
apply to the current version from the next attempt on (a started attempt keeps its layout and
deadline). Pass mark, attempt limit and grading method change only with the content, as they
change what past attempts mean.
"""

from __future__ import annotations

from learnhub.core.audit import audit
from learnhub.core.errors import DomainError, Issue, ValidationFailed
from learnhub.extensions import db
from learnhub.questionbank.reading import bank_questions
from learnhub.quizzes.layout import normalise_rules, questions_per_attempt
from learnhub.quizzes.models import Quiz
from learnhub.quizzes.services import get_quiz

SETTINGS = (
    "time_limit_seconds",
    "shuffle_questions",
    "shuffle_answers",
    "review_policy",
    "feedback_after_fail",
    "essays_graded",
    "draw_rules",
)

#: why draw rules that leave a quiz without questions are refused
NO_QUESTIONS_LEFT = (
    "the quiz has no questions of its own, so without a draw rule an attempt would show none: "
    "keep at least one rule"
)


def check_rules(rules: list[dict]) -> list[Issue]:
    """Each rule's bank category must hold at least ``count`` usable questions (together, as a
    question is never drawn twice)."""
    issues, taken = [], set()
    for n, rule in enumerate(rules, start=1):
        usable = [q.id for q in bank_questions(rule) if q.id not in taken]
        if len(usable) < rule["count"]:
            where = rule["category"] or "(top)"
            issues.append(
                Issue(
                    f"draw_rules[{n}]",
                    f"{rule['bank']!r} / {where} holds {len(usable)} question(s) it can use, "
                    f"fewer than the {rule['count']} drawn",
                )
            )
        taken.update(usable[: rule["count"]])
    return issues


def update_quiz_settings(quiz_id: int, changes: dict) -> Quiz:
    """Apply ``changes`` (a subset of SETTINGS) to the quiz. Raises NotFound, DomainError for
    an old version, ValidationFailed for draw rules the banks cannot fill or that leave the
    quiz with no question (nothing changed)."""
    quiz = get_quiz(quiz_id)
    if not quiz.is_current:
        raise DomainError("Only the current version of a quiz can be changed.")
    if "draw_rules" in changes:
        changes = {**changes, "draw_rules": normalise_rules(changes["draw_rules"])}
        issues = check_rules(changes["draw_rules"])
        if not issues and not questions_per_attempt(quiz, changes["draw_rules"]):
            # Moodle: a quiz without questions cannot be attempted; an attempt at it could only
            # fail and count against the attempt limit (a tester's finding)
            issues.append(Issue("draw_rules", NO_QUESTIONS_LEFT))
        if issues:
            raise ValidationFailed("The draw rules cannot be filled; nothing changed.", issues)
    before = {key: getattr(quiz, key) for key in changes}
    for key, value in changes.items():
        setattr(quiz, key, value)
    audit("quizzes.settings", target=f"quiz:{quiz.id}", before=before, after=changes)
    db.session.flush()
    return quiz
