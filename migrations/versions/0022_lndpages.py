"""Extra time on timed quizzes keeps HR's reason (issue 13: the extra-time page)

One nullable column, quiz_time_adjustments.reason (text, up to 500 characters by the service).
It is kept on the adjustment, which only HR reads, and never copied into the audit log: a
reason is often health data (GDPR article 9), and platform admins read the audit log. Nothing
existing changes.

Revision ID: 0022_lndpages
Revises: 0021_exemptions
Create Date: 2026-12-06 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_lndpages'
down_revision = '0021_exemptions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_time_adjustments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('quiz_time_adjustments', schema=None) as batch_op:
        batch_op.drop_column('reason')
