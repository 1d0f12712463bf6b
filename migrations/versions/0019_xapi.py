"""xAPI outbox and corrections (issue 15, xAPI part)

New table xapi_outbox: one row per statement still to send to the LRS, written with the
statement and deleted once the LRS took it (unique statement_id; indexed by next_attempt_at,
what the forwarder selects on). xapi_statements gains ``ref`` (what a statement is about, so a
correction finds the one to void; indexed), ``voided_by`` (the voiding statement's id) and an
index on ``timestamp`` (the export's time filter). Statements stored before this revision keep
``ref`` NULL: they are exported as they are and never corrected (none was ever sent anywhere,
so nothing outside LearnHub holds them).

Revision ID: 0019_xapi
Revises: 0018_trends
Create Date: 2026-12-06 10:48:35.246370

"""

from alembic import op
import sqlalchemy as sa

import learnhub.core.models


# revision identifiers, used by Alembic.
revision = '0019_xapi'
down_revision = '0018_trends'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "xapi_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("queued_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "next_attempt_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["xapi_statements.id"],
            name=op.f("fk_xapi_outbox_statement_id_xapi_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_outbox")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_xapi_outbox_statement_id")),
    )
    with op.batch_alter_table("xapi_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_xapi_outbox_next_attempt_at", ["next_attempt_at"], unique=False)

    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("voided_by", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_xapi_statements_ref", ["ref"], unique=False)
        batch_op.create_index("ix_xapi_statements_timestamp", ["timestamp"], unique=False)


def downgrade():
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_statements_timestamp")
        batch_op.drop_index("ix_xapi_statements_ref")
        batch_op.drop_column("voided_by")
        batch_op.drop_column("ref")

    with op.batch_alter_table("xapi_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_outbox_next_attempt_at")

    op.drop_table("xapi_outbox")
