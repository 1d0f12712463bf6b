"""trend snapshots of the team summaries (issue 11: trends)

One new table, team_summary_snapshots, keyed (manager, framework, day): per competence
[competence_id, with_target, meeting, gap_sum] in one integer array (PostgreSQL: a
two-dimensional integer[], JSON on SQLite), with the overall counts. Written by one
INSERT … SELECT … ON CONFLICT DO UPDATE from team_summaries, only when a team's figures
changed (learnhub.skills.trends). No surrogate id: the key is the only index. Nothing
existing changes.

Revision ID: 0018_trends
Revises: 0017_quizev
Create Date: 2026-12-06 10:47:08.376265

"""
from alembic import op
import sqlalchemy as sa

import learnhub.core.models


# revision identifiers, used by Alembic.
revision = '0018_trends'
down_revision = '0017_quizev'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('team_summary_snapshots',
    sa.Column('manager_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('framework_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('taken_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('people_with_targets', sa.Integer(), nullable=False),
    sa.Column('targets', sa.Integer(), nullable=False),
    sa.Column('targets_met', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(none_as_null=True).with_variant(sa.ARRAY(sa.Integer(), dimensions=2), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], name=op.f('fk_team_summary_snapshots_framework_id_frameworks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manager_id'], ['employees.id'], name=op.f('fk_team_summary_snapshots_manager_id_employees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('manager_id', 'framework_id', 'day', name=op.f('pk_team_summary_snapshots'))
    )


def downgrade():
    op.drop_table('team_summary_snapshots')
