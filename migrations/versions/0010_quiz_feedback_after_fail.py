"""quiz feedback after a failed attempt: none | correctness | feedback

What a learner sees of each question after a failed attempt while the quiz's review policy
withholds the review (learnhub.quizzes.models.FeedbackAfterFail). Existing quizzes get
``none``, what they showed until now (the score only); a course.yaml or the quiz settings API
opts in.

Revision ID: 0010_quiz_feedback_after_fail
Revises: 0009_assignments
Create Date: 2026-12-06 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_quiz_feedback_after_fail"
down_revision = "0009_assignments"
branch_labels = None
depends_on = None

LEVELS = ("none", "correctness", "feedback")


def upgrade():
    allowed = ", ".join(f"'{level}'" for level in LEVELS)
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "feedback_after_fail",
                sa.String(length=20),
                nullable=False,
                server_default="none",
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_quizzes_feedback_after_fail"), sa.text(f"feedback_after_fail IN ({allowed})")
        )


def downgrade():
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_quizzes_feedback_after_fail"), type_="check")
        batch_op.drop_column("feedback_after_fail")
