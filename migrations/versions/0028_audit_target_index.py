"""An index on audit_events.target

The audit log page's "About person" filter and the subject access export find the events about
a person by their targets (``employee:<id>``, their email, ``attempt:<id>``, ``evidence:<id>``,
``api_token:<id>``: learnhub.privacy.audit_about); without an index each is a scan of the
whole log. Nothing else changes.

Revision ID: 0028_audit_target_index
Revises: 0027_sar
Create Date: 2026-12-06 17:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028_audit_target_index'
down_revision = '0027_sar'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_target"), ["target"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_target"))
