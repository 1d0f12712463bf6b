"""issued credentials: Open Badges 3.0 credentials for completed courses (issue 15)

New table only: issued_credentials (uuid for the credential URL; id is also its bit in the
revocation status list), with who, which course, when issued, when and why revoked.

Revision ID: 0013_credentials
Revises: 0012_course_files
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import learnhub.core.models


# revision identifiers, used by Alembic.
revision = '0013_credentials'
down_revision = '0012_course_files'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'issued_credentials',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('issued_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revocation_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_issued_credentials_course_id_courses')
        ),
        sa.ForeignKeyConstraint(
            ['employee_id'], ['employees.id'],
            name=op.f('fk_issued_credentials_employee_id_employees'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_credentials')),
        sa.UniqueConstraint('uuid', name=op.f('uq_issued_credentials_uuid')),
    )
    op.create_index(
        'ix_issued_credentials_employee_course', 'issued_credentials',
        ['employee_id', 'course_id'], unique=False,
    )


def downgrade():
    op.drop_index('ix_issued_credentials_employee_course', table_name='issued_credentials')
    op.drop_table('issued_credentials')
