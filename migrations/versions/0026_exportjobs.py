"""Export jobs (issue 13): exports over a threshold written by a Celery worker to a file

One new table, export_jobs: who asked, the report, its filters (JSON), format, status
(queued/running/done/failed), progress (rows done / estimated), the file (name, size,
SHA-256) and when it was made and expires. Nothing existing changes.

Revision ID: 0026_exportjobs
Revises: 0025_people
Create Date: 2026-12-06 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from learnhub.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0026_exportjobs'
down_revision = '0025_people'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_token_id', sa.Integer(), nullable=True),
        sa.Column('report', sa.Enum('completions', 'requirements', 'competence_profiles', 'team_gap_summaries', name='report', native_enum=False, create_constraint=True, length=40), nullable=False),
        sa.Column('format', sa.Enum('csv', 'xlsx', 'jsonl', name='format', native_enum=False, create_constraint=True, length=10), nullable=False),
        sa.Column('excel', sa.Boolean(), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('manager_scope_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_estimated', sa.Integer(), nullable=True),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('size_bytes', sa.BigInteger(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('run_token', sa.String(length=40), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=True),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.Column('expires_at', UTCDateTime(), nullable=True),
        sa.Column('file_deleted_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['manager_scope_id'], ['employees.id'], name=op.f('fk_export_jobs_manager_scope_id_employees')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['employees.id'], name=op.f('fk_export_jobs_requested_by_id_employees')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs')),
    )
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_export_jobs_requested_by_created', ['requested_by_id', 'created_at'], unique=False)
        batch_op.create_index('ix_export_jobs_status_expires', ['status', 'expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_export_jobs_status_expires')
        batch_op.drop_index('ix_export_jobs_requested_by_created')
    op.drop_table('export_jobs')
