"""legal hold: a flag on employees that stops erasure (issue 15)

One column, employees.legal_hold, NOT NULL with a server default of false, so existing rows
need no rewrite of data and the HR import (which never sets it) leaves it as it is.

Revision ID: 0014_legal_hold
Revises: 0013_credentials
Create Date: 2026-12-06 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_legal_hold'
down_revision = '0013_credentials'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('legal_hold', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_column('legal_hold')
