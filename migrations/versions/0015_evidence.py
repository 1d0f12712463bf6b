"""evidence recorded by hand: note, reference, who withdrew it and why

Self-assessments, manager validations and recognised prior learning (learnhub.skills.recorded)
are rows of ``evidence`` like a passed quiz; these columns hold what a person typed with them.
All nullable: existing rows (passed quizzes) have none of them.

Revision ID: 0015_evidence
Revises: 0014_legal_hold
Create Date: 2026-12-06 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_evidence'
down_revision = '0014_legal_hold'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reference", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revoked_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_evidence_revoked_by_id_employees"), "employees", ["revoked_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_evidence_revoked_by_id_employees"), type_="foreignkey")
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("reference")
        batch_op.drop_column("note")
