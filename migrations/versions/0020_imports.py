"""HR import profiles name their CSV encoding (issue 13: imports that never surprise)

One nullable column, import_profiles.encoding (a Python codec name such as "iso8859-2"; NULL:
detect it from the file). Nothing existing changes.

Revision ID: 0020_imports
Revises: 0019_xapi
Create Date: 2026-12-06 11:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_imports'
down_revision = '0019_xapi'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encoding', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('import_profiles', schema=None) as batch_op:
        batch_op.drop_column('encoding')
