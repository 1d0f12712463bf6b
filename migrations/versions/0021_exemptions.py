"""HR exempts a person from a requirement by hand, with a reason (issue 10 left-over: "waive has
no page"; learnhub.assignments.exemptions)

Two nullable columns on requirements: waived_by_id (the HR employee; NULL for an API token, the
CLI, or a test-out's waiver) and waiver_reason (NULL for a test-out's waiver). Existing rows are
unchanged: every waiver so far came from a test-out.

Revision ID: 0021_exemptions
Revises: 0020_imports
Create Date: 2026-12-06 14:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021_exemptions"
down_revision = "0020_imports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waived_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("waiver_reason", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_requirements_waived_by_id_employees"),
            "employees",
            ["waived_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_requirements_waived_by_id_employees"), type_="foreignkey"
        )
        batch_op.drop_column("waiver_reason")
        batch_op.drop_column("waived_by_id")
