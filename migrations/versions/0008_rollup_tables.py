"""set-based team summaries: the reporting-line closure, summary buckets, benchmark cells

The closure of the reporting tree (reporting_lines) is built from employees.manager_id;
people get an index by name (team pages list them by name).
Team summaries keep their counts in columns and their buckets by job role (so the organisation
benchmark reads them too) instead of the whole summary; the organisation's benchmark figures
get their own table. Stored summaries cannot be converted (their buckets had no job role):
they are deleted, and a recompute request for everyone (migration 0007's table) is recorded in
the same transaction: the next worker wake-up or beat sweep stores them all again (as does
`flask skills recompute`). Downgrading does the same for the old format.

Revision ID: 0008_rollup_tables
Revises: 0007_recompute_requests
Create Date: 2026-12-01 09:00:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


import learnhub.core.models


# revision identifiers, used by Alembic.
revision = "0008_rollup_tables"
down_revision = "0007_recompute_requests"
branch_labels = None
depends_on = None

# [[job_role_id, competence_id, target, attained, people], ...]
BUCKETS = sa.JSON(none_as_null=True).with_variant(sa.ARRAY(sa.Integer, dimensions=2), "postgresql")

CLOSURE = """
INSERT INTO reporting_lines (ancestor_id, descendant_id, depth)
WITH RECURSIVE up(ancestor_id, descendant_id, depth) AS (
    SELECT manager_id, id, 1 FROM employees WHERE manager_id IS NOT NULL
    UNION ALL
    SELECT e.manager_id, up.descendant_id, up.depth + 1
    FROM up JOIN employees e ON e.id = up.ancestor_id
    WHERE e.manager_id IS NOT NULL AND up.depth < 1000
)
SELECT ancestor_id, descendant_id, depth FROM up
"""

REQUESTS = sa.table(
    "recompute_requests",
    sa.column("everyone", sa.Boolean()),
    sa.column("requested_at", learnhub.core.models.UTCDateTime(timezone=True)),
)


def _request_everyone():
    # the stored summaries were just deleted: the recompute worker stores them all again
    op.bulk_insert(REQUESTS, [{"everyone": True, "requested_at": datetime.now(UTC)}])


def upgrade():
    op.create_table(
        "reporting_lines",
        sa.Column("ancestor_id", sa.Integer(), nullable=False),
        sa.Column("descendant_id", sa.Integer(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
    )
    # filled before it is indexed: building the indexes once is faster than growing them
    op.execute(CLOSURE)
    with op.batch_alter_table("reporting_lines", schema=None) as batch_op:
        batch_op.create_primary_key(op.f("pk_reporting_lines"), ["ancestor_id", "descendant_id"])
    op.create_index(
        "ix_reporting_lines_descendant_id", "reporting_lines", ["descendant_id", "depth"]
    )
    op.create_index("ix_employees_name", "employees", ["last_name", "first_name", "id"])

    op.create_table(
        "benchmark_cells",
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("job_role_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("with_target", sa.Integer(), nullable=False),
        sa.Column("meeting", sa.Integer(), nullable=False),
        sa.Column("computed_at", learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competences.id"],
            name=op.f("fk_benchmark_cells_competence_id_competences"),
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["frameworks.id"],
            name=op.f("fk_benchmark_cells_framework_id_frameworks"),
        ),
        sa.ForeignKeyConstraint(
            ["job_role_id"],
            ["job_roles.id"],
            name=op.f("fk_benchmark_cells_job_role_id_job_roles"),
        ),
        sa.PrimaryKeyConstraint(
            "framework_id", "job_role_id", "competence_id", name=op.f("pk_benchmark_cells")
        ),
    )
    op.execute("DELETE FROM team_summaries")
    with op.batch_alter_table("team_summaries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("headcount", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("people_with_targets", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("buckets", BUCKETS, nullable=True))
        batch_op.drop_column("data")
    with op.batch_alter_table("team_summaries", schema=None) as batch_op:
        batch_op.alter_column("headcount", server_default=None)
        batch_op.alter_column("people_with_targets", server_default=None)
    _request_everyone()


def downgrade():
    op.execute("DELETE FROM team_summaries")
    with op.batch_alter_table("team_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", sa.JSON(), nullable=False))
        batch_op.drop_column("buckets")
        batch_op.drop_column("people_with_targets")
        batch_op.drop_column("headcount")
    _request_everyone()
    op.drop_table("benchmark_cells")
    op.drop_index("ix_employees_name", table_name="employees")
    op.drop_index("ix_reporting_lines_descendant_id", table_name="reporting_lines")
    op.drop_table("reporting_lines")
