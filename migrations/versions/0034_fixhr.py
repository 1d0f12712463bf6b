"""A refused HR import's errors kept in its run (issue 13, F2: a large file refused by a worker
showed "Errors 1" and no row), and the invitations an import owes (F3: an invitation task lost
with a killed worker left people without an account and nothing said so)

``hr_import_runs.issues``: the first 100 errors [[where, message]] of a refused file.
``invitation_requests``: one row per chunk of people an HR import added or changed, to invite
after its commit; a row is marked done by the task that invited them, so a sweep re-dispatches
the ones a dead worker lost (learnhub.auth.invitations).

Revision ID: 0034_fixhr
Revises: 0033_fixc
Create Date: 2026-12-06 23:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

from learnhub.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0034_fixhr"
down_revision = "0033_fixc"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hr_import_runs") as batch:
        batch.add_column(sa.Column("issues", sa.JSON(), nullable=True))
    op.create_table(
        "invitation_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("employee_ids", sa.JSON(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("invited", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("dispatched_at", UTCDateTime(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_invitation_requests_run", "invitation_requests", ["import_run_id"])
    op.create_index("ix_invitation_requests_done", "invitation_requests", ["done_at", "id"])


def downgrade():
    op.drop_index("ix_invitation_requests_done", table_name="invitation_requests")
    op.drop_index("ix_invitation_requests_run", table_name="invitation_requests")
    op.drop_table("invitation_requests")
    with op.batch_alter_table("hr_import_runs") as batch:
        batch.drop_column("issues")
