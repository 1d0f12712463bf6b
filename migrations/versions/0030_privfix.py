"""Indexes on the later words of people's names (People search, tester's finding 11)

PostgreSQL only, as 0025_people: a search word may start a later word of a name ("briain"
for Ó Briain, "berg" for van der Berg, "cruz" for de la Cruz), so the 2nd to 4th words of the
folded last name and the 2nd of the folded first name (split at spaces and hyphens) get
expression indexes in byte order; the expressions are those learnhub.core.folding.folded_word
writes (copied here, so this migration never changes under a later edit). Nothing existing
changes.

Revision ID: 0030_privfix
Revises: 0029_export_job_heartbeat
Create Date: 2026-12-06 18:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0030_privfix"
down_revision = "0029_export_job_heartbeat"
branch_labels = None
depends_on = None


def _word(column: str, n: int) -> str:
    return f"(split_part(translate(lh_fold({column}), '-', ' '), ' ', {n}) COLLATE \"C\")"


INDEXES = {
    **{f"ix_employees_last_name_word{n}": _word("last_name", n) for n in range(2, 5)},
    "ix_employees_first_name_word2": _word("first_name", 2),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, expression in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON employees ({expression})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
