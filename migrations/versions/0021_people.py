"""The People directory searches and sorts 100,000 people by index (issue 13)

PostgreSQL only (SQLite, the embedded default for a small organisation, scans): the immutable
function lh_fold(text) (lower case, Latin accents dropped: learnhub.core.folding, whose table is
copied here as it was on the day, so this migration never changes under a later edit), and
expression indexes on the folded last name, first name, email and employee number in byte
order (COLLATE "C"), so a word's prefix search (LIKE 'word%') is an index range and the first
page sorted by name reads 50 index entries. Nothing existing changes.

Revision ID: 0021_people
Revises: 0020_imports
Create Date: 2026-12-06 14:20:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0021_people"
down_revision = "0020_imports"
branch_labels = None
depends_on = None

FOLD_FROM = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĲĳĴĵĶķĹĺĻļĽľĿŀŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǄǅǆǇǈǉǊǋǌǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǱǲǳǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳ"
FOLD_TO = "AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkLlLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzsOoUuDDdLLlNNnAaIiOoUuUuUuUuUuAaAaGgKkOoOojDDdGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYy"

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
    op.execute(
        "CREATE OR REPLACE FUNCTION lh_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
        f"AS $$ SELECT lower(translate(value, '{FOLD_FROM}', '{FOLD_TO}')) $$"
    )
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON employees ({columns})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute("DROP FUNCTION lh_fold(text)")
