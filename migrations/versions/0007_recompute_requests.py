"""recompute requests: the durable record of team summaries waiting to be recomputed

Revision ID: 0007_recompute_requests
Revises: 0006_closed_sets
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


import learnhub.core.models


# revision identifiers, used by Alembic.
revision = "0007_recompute_requests"
down_revision = "0006_closed_sets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recompute_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("everyone", sa.Boolean(), nullable=False),
        sa.Column(
            "requested_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recompute_requests")),
    )
    with op.batch_alter_table("recompute_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recompute_requests_requested_at"), ["requested_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("recompute_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recompute_requests_requested_at"))
    op.drop_table("recompute_requests")
