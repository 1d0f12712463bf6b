"""The attempt's answer revision (tester's finding 3: two tabs of one attempt overwrote each
other's answers silently)

``attempts.answers_revision``: how many times the attempt's answers were saved; the attempt
page carries it and a save or submit from a page older than the stored answers is refused
(Moodle's question engine "sequencecheck"). Existing attempts start at 0, as a new one does.

Revision ID: 0033_fixc
Revises: 0032_leftover
Create Date: 2026-12-06 21:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0033_fixc"
down_revision = "0032_leftover"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(
            sa.Column("answers_revision", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("answers_revision")
