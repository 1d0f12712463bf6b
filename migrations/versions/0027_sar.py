"""Subject access requests (issue 15: GDPR articles 15 and 20)

One new table, subject_access_requests: HR's requests for a person's export, the state of the
job that makes the ZIP (queued, ready, failed, expired), its file's SHA-256, size and expiry,
and how often it was downloaded. Nothing existing changes.

Revision ID: 0027_sar
Revises: 0026_exportjobs
Create Date: 2026-12-06 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import learnhub.core.models


# revision identifiers, used by Alembic.
revision = '0027_sar'
down_revision = '0026_exportjobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "subject_access_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_token_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "ready",
                "failed",
                "expired",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("produced_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("file_name", sa.String(length=120), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column(
            "last_downloaded_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_subject_access_requests_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_requests")),
    )
    with op.batch_alter_table("subject_access_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_access_requests_employee_id"), ["employee_id"], unique=False
        )
        batch_op.create_index(
            "ix_subject_access_requests_status", ["status", "expires_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("subject_access_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_subject_access_requests_status")
        batch_op.drop_index(batch_op.f("ix_subject_access_requests_employee_id"))
    op.drop_table("subject_access_requests")
