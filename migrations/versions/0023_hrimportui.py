"""The HR import history (issue 13, "HR import in the browser")

New table hr_import_runs: one row per HR import run from the /hr/imports pages, the API
(POST /api/v1/org/imports) and the command line (flask org import): who (employee id, API token
id, or neither for the CLI; no foreign keys, like audit_events, so the history outlives the
erasure of a person), when, the file (name, SHA-256, size), profile, source, mode, encoding,
dry run or applied, status, counts, the page preview's token and fingerprint, and which audit
events the apply wrote. Nothing existing changes.

Revision ID: 0023_hrimportui
Revises: 0022_lndpages
Create Date: 2026-12-06 14:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

import learnhub.core.models

# revision identifiers, used by Alembic.
revision = '0023_hrimportui'
down_revision = '0022_lndpages'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hr_import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "page",
                "api",
                "cli",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("api_token_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_bytes", sa.BigInteger(), nullable=False),
        sa.Column("profile", sa.String(length=60), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "full", "delta", name="mode", native_enum=False, create_constraint=True, length=10
            ),
            nullable=False,
        ),
        sa.Column("encoding", sa.String(length=40), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "dry_run",
                "applied",
                "invalid",
                "expired",
                "superseded",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("left", sa.Integer(), nullable=False),
        sa.Column("units_added", sa.Integer(), nullable=False),
        sa.Column("units_moved", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("preview_token", sa.String(length=64), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("audit_first_id", sa.Integer(), nullable=True),
        sa.Column("audit_last_id", sa.Integer(), nullable=True),
        sa.Column("audit_xid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_import_runs")),
        sa.UniqueConstraint("preview_token", name=op.f("uq_hr_import_runs_preview_token")),
    )
    with op.batch_alter_table("hr_import_runs", schema=None) as batch_op:
        batch_op.create_index("ix_hr_import_runs_started_at", ["started_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("hr_import_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_hr_import_runs_started_at")

    op.drop_table("hr_import_runs")
