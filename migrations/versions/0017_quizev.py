"""question-level evidence and test-out: evidence kind question_result, a course's diagnostic
quiz, waived modules

- ``evidence.kind`` may be ``question_result`` (learnhub.quizzes.question_evidence);
- ``quizzes``: ``module_id`` becomes nullable; ``course_id`` (a course's diagnostic quiz) and
  ``covers`` (the module ids passing it waives); a CHECK that exactly one of module_id and
  course_id is set; versions unique per course as they are per module;
- ``module_progress``: status ``waived`` and ``waived_at``.

Revision ID: 0017_quizev
Revises: 0016_gapact
Create Date: 2026-12-06 11:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = '0017_quizev'
down_revision = '0016_gapact'
branch_labels = None
depends_on = None

KINDS = ("quiz_passed", "manager_validation", "prior_learning", "self_assessment")
STATUSES = ("not_started", "in_progress", "completed")


def _in(column: str, values) -> sa.TextClause:
    return sa.text(f"{column} IN ({', '.join(repr(v) for v in values)})")


def upgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_evidence_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_evidence_kind"), _in("kind", (*KINDS, "question_result"))
        )
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.alter_column("module_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("covers", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_quizzes_course_id_courses"), "courses", ["course_id"], ["id"]
        )
        batch_op.create_index(op.f("ix_quizzes_course_id"), ["course_id"], unique=False)
        batch_op.create_unique_constraint(
            op.f("uq_quizzes_course_id_version"), ["course_id", "version"]
        )
        batch_op.create_check_constraint(
            op.f("ck_quizzes_module_or_course"), sa.text("(module_id IS NULL) <> (course_id IS NULL)")
        )
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f("ck_module_progress_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_module_progress_status"), _in("status", (*STATUSES, "waived"))
        )


def downgrade():
    # diagnostic quizzes, their attempts and the new values cannot exist in the old schema
    op.execute("UPDATE module_progress SET status = 'not_started' WHERE status = 'waived'")
    op.execute("DELETE FROM evidence WHERE kind = 'question_result'")
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_module_progress_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_module_progress_status"), _in("status", STATUSES))
        batch_op.drop_column("waived_at")
    op.execute(
        "DELETE FROM responses WHERE attempt_id IN (SELECT a.id FROM attempts a JOIN quizzes q "
        "ON q.id = a.quiz_id WHERE q.course_id IS NOT NULL)"
    )
    op.execute(
        "DELETE FROM attempts WHERE quiz_id IN (SELECT id FROM quizzes WHERE course_id IS NOT NULL)"
    )
    op.execute("DELETE FROM quizzes WHERE course_id IS NOT NULL")
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_quizzes_module_or_course"), type_="check")
        batch_op.drop_constraint(op.f("uq_quizzes_course_id_version"), type_="unique")
        batch_op.drop_index(op.f("ix_quizzes_course_id"))
        batch_op.drop_constraint(op.f("fk_quizzes_course_id_courses"), type_="foreignkey")
        batch_op.drop_column("covers")
        batch_op.drop_column("course_id")
        batch_op.alter_column("module_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_evidence_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_evidence_kind"), _in("kind", KINDS))
