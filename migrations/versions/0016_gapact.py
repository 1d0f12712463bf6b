"""submit tokens: one form, one result (issue 11: a double-clicked "Assign" creates one
assignment)

New table only: submit_tokens, keyed (owner, token); the assignment-creating forms and the
gap-closing API claim a token in the transaction that creates the assignments. Nothing
existing changes.

Revision ID: 0016_gapact
Revises: 0015_evidence
Create Date: 2026-12-06 10:47:22.386026

"""

from alembic import op
import sqlalchemy as sa

import learnhub.core.models


# revision identifiers, used by Alembic.
revision = '0016_gapact'
down_revision = '0015_evidence'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submit_tokens",
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("assignment_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "token", name=op.f("pk_submit_tokens")),
    )


def downgrade():
    op.drop_table("submit_tokens")
