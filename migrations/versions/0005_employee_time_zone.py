"""employee time zone: NULL means the organisation's zone (LEARNHUB_DEFAULT_TIME_ZONE)

Until now every person had "UTC", the column's default: nothing (HR import, CLI, API) ever set
another value, so times were shown in UTC to everyone. NULL now stands for "the organisation's
zone"; a person's own IANA zone, when set, wins.

Revision ID: 0005_employee_time_zone
Revises: 0004_identity
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_employee_time_zone"
down_revision = "0004_identity"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.alter_column(
            "timezone", existing_type=sa.String(length=64), existing_nullable=False, nullable=True
        )
    op.execute("UPDATE employees SET timezone = NULL WHERE timezone = 'UTC'")


def downgrade():
    op.execute("UPDATE employees SET timezone = 'UTC' WHERE timezone IS NULL")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.alter_column(
            "timezone", existing_type=sa.String(length=64), existing_nullable=True, nullable=False
        )
