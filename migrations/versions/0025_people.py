"""The People directory searches and sorts 100,000 people by index (issue 13)

PostgreSQL only (SQLite, the embedded default for a small organisation, scans): the immutable
function lh_fold(text) (lower case, accents dropped: learnhub.core.folding, whose rule is
copied here as it was on the day, so this migration never changes under a later edit), and
expression indexes on the folded last name, first name, email and employee number in byte
order (COLLATE "C"), so a word's prefix search (LIKE 'word%') is an index range and the first
page sorted by name reads 50 index entries. Nothing existing changes.

Revision ID: 0025_people
Revises: 0024_banks
Create Date: 2026-12-06 14:20:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = '0025_people'
down_revision = '0024_banks'
branch_labels = None
depends_on = None

# the letters Unicode does not decompose (U+0131 is the dotless i)
BY_HAND_FROM = "łŁøØđĐħĦ\u0131ŧŦŀĿ"
BY_HAND_TO = "lLoOdDhHitTlL"

INDEXES = {
    # the directory's order (name, then number) and a last name's prefix
    "ix_employees_folded_name": (
        '(lh_fold(last_name) COLLATE "C"), (lh_fold(first_name) COLLATE "C"), employee_number'
    ),
    "ix_employees_folded_first_name": '(lh_fold(first_name) COLLATE "C")',
    "ix_employees_folded_email": '(lh_fold(email) COLLATE "C")',
    "ix_employees_folded_number": '(lh_fold(employee_number) COLLATE "C")',
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # ASCII: lower() only (most names; ~1 µs a value); else NFD, combining marks (U+0300 to
    # U+036F) dropped, the undecomposable letters replaced, lower()
    op.execute(
        "CREATE OR REPLACE FUNCTION lh_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT CASE "
        "WHEN octet_length(value) = char_length(value) THEN lower(value) "
        "ELSE lower(translate(regexp_replace(normalize(value, NFD), "
        "'[\\u0300-\\u036f]', '', 'g'), "
        f"'{BY_HAND_FROM}', '{BY_HAND_TO}')) END $$"
    )
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON employees ({columns})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute("DROP FUNCTION lh_fold(text)")
