"""Export jobs: a heartbeat, attempts and cancelling (stalled jobs, tester report item 2)

``attempts`` (runs started), ``retries`` (times queued again; older task messages are dropped),
``heartbeat_at`` (last sign of life) and ``cancelled_at``. Existing rows get 0 and NULL.

Revision ID: 0029_export_job_heartbeat
Revises: 0028_audit_target_index
Create Date: 2026-12-06 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from learnhub.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0029_export_job_heartbeat'
down_revision = '0028_audit_target_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("retries", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("retries")
        batch_op.drop_column("attempts")
