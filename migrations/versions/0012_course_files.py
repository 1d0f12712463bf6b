"""course files: the pictures lessons show, stored with their course (issue 12)

New table only: course_files (course, path relative to the course folder, media type,
SHA-256, bytes), unique per (course, path), deleted with its course. `flask content load`
fills it; nothing existing changes.

Revision ID: 0012_course_files
Revises: 0011_reminders
Create Date: 2026-12-06 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_course_files'
down_revision = '0011_reminders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'course_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('media_type', sa.String(length=60), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_course_files_course_id_courses'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_course_files')),
        sa.UniqueConstraint('course_id', 'path', name=op.f('uq_course_files_course_id_path')),
    )


def downgrade():
    op.drop_table('course_files')
