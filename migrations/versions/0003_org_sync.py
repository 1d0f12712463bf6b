"""org sync: import profiles, leavers (left_at), org unit hierarchy

Revision ID: 0003_org_sync
Revises: 0002_quiz_engine
Create Date: 2026-11-30 09:10:00

"""
from alembic import op
import sqlalchemy as sa


import learnhub.core.models


# revision identifiers, used by Alembic.
revision = '0003_org_sync'
down_revision = '0002_quiz_engine'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('created_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_profiles')),
    sa.UniqueConstraint('name', name=op.f('uq_import_profiles_name'))
    )
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_employees_source'), ['source'], unique=False)
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_units_parent_id'), ['parent_id'], unique=False)


def downgrade():
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_units_parent_id'))
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employees_source'))
        batch_op.drop_column('left_at')
    op.drop_table('import_profiles')
