"""A person's module progress as stored, one statement: the subject access export's
``module_progress`` section (:mod:`learnhub.privacy.sar_learning`) and the learner's record of
learning (:mod:`learnhub.reports.learning_record`) read the same SELECT, so the two never tell
a person different things about their modules."""

from __future__ import annotations

from sqlalchemy import Select, select

from learnhub.catalog.models import Course, Module
from learnhub.progress.models import ModuleProgress


def module_progress_query(employee_id: int) -> Select:
    """SELECT of every module progress row of ``employee_id`` with its module and course, in
    course slug, module position and module order. Labelled columns: ``course`` (slug),
    ``module`` (slug), ``module_title``, ``status`` (:class:`ProgressStatus` value),
    ``started_at``, ``completed_at``, ``waived_at`` (UTC), ``attempts`` (submitted),
    ``grade_points`` and ``max_points`` (Decimal points), ``grade_exact`` (the grade under the
    quiz's grading method as a Fraction string of the maximum, stored at every submit by
    :func:`learnhub.progress.services.on_attempt_submitted`), ``passed``, ``updated_at``.
    A caller wanting more adds columns (``.add_columns``) or joins; the rows stay one per
    module progress row."""
    return (
        select(
            Course.slug.label("course"),
            Module.slug.label("module"),
            Module.title.label("module_title"),
            ModuleProgress.status,
            ModuleProgress.started_at,
            ModuleProgress.completed_at,
            ModuleProgress.waived_at,
            ModuleProgress.attempts,
            ModuleProgress.grade_points,
            ModuleProgress.max_points,
            ModuleProgress.grade_exact,
            ModuleProgress.passed,
            ModuleProgress.updated_at,
        )
        .join(Module, Module.id == ModuleProgress.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(ModuleProgress.employee_id == employee_id)
        .order_by(Course.slug, Module.position, Module.id)
    )
