"""staged question-bank imports (issue 13: the question bank import page)

One new table, staged_bank_imports: a file uploaded on the import page, kept with its SHA-256
until it is confirmed, so that the confirmation applies exactly the bytes whose dry run was
shown; then the import report is kept and the bytes emptied. Nothing existing changes.

Revision ID: 0024_banks
Revises: 0023_hrimportui
Create Date: 2026-12-06 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import learnhub.core.models


# revision identifiers, used by Alembic.
revision = '0024_banks'
down_revision = '0023_hrimportui'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staged_bank_imports',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('bank', sa.String(length=120), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('fmt', sa.String(length=20), nullable=False),
    sa.Column('skip_invalid', sa.Boolean(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_staged_bank_imports'))
    )
    with op.batch_alter_table('staged_bank_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staged_bank_imports_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('staged_bank_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staged_bank_imports_created_at'))
    op.drop_table('staged_bank_imports')
