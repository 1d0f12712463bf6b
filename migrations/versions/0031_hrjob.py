"""HR imports planned by a worker (issue 13: "run large imports as jobs")

``hr_import_runs.status`` may also be ``planning`` (a file over LEARNHUB_HR_IMPORT_JOB_ROWS
rows waits for, or is being planned by, the ``org.plan_hr_import`` task) and ``failed`` (that
task failed; ``message`` says why). ``job_attempt`` counts the times the planning was queued
(Start again adds one; a task message of an older attempt is dropped); ``heartbeat_at`` is the
last sign of life of the planning (queued, started, a progress tick). Existing rows get 0 and
NULL.

Revision ID: 0031_hrjob
Revises: 0030_privfix
Create Date: 2026-12-06 21:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

from learnhub.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0031_hrjob"
down_revision = "0030_privfix"
branch_labels = None
depends_on = None

OLD = ("dry_run", "applied", "invalid", "expired", "superseded")
NEW = OLD + ("planning", "failed")


def _check(values: tuple[str, ...]) -> sa.TextClause:
    return sa.text("status IN ({})".format(", ".join(f"'{v}'" for v in values)))


def upgrade():
    with op.batch_alter_table("hr_import_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_hr_import_runs_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_hr_import_runs_status"), _check(NEW))
        batch_op.add_column(
            sa.Column("job_attempt", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))


def downgrade():
    # a run still planning or failed has no preview to go back to: it reads as refused
    op.execute(
        "UPDATE hr_import_runs SET status = 'invalid' WHERE status IN ('planning', 'failed')"
    )
    with op.batch_alter_table("hr_import_runs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("job_attempt")
        batch_op.drop_constraint(op.f("ck_hr_import_runs_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_hr_import_runs_status"), _check(OLD))
