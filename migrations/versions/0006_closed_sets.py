"""closed sets: a CHECK constraint on every column that holds one of a closed set of strings

Revision ID: 0006_closed_sets
Revises: 0005_employee_time_zone
Create Date: 2026-12-01 09:00:00

States and kinds (attempt and response states, module progress, evidence kinds, question
types, grading methods, review policies, enrolment sources, import modes, password-link
purposes, granted roles, level-mapping scales) are StrEnums in the models, stored as the same
strings as before: no value changes, no data migration, JSON answers unchanged.

How they are stored: SQLAlchemy ``Enum(..., native_enum=False, create_constraint=True,
values_callable=..., validate_strings=True, length=...)`` (``learnhub.core.models.enum_column``)
rather than ``String`` plus a hand-written ``CheckConstraint``. The model then says everything
on the column's own line (the enum, the length and the constraint's name) and the allowed
values are the enum's, so the two cannot drift; loaded values are enum members; a bad value
raises in Python at flush, before the database sees it. ``native_enum=False`` keeps the column a
VARCHAR of the same length on both databases (no PostgreSQL ENUM type: adding a value is one
CHECK change, the same on SQLite and PostgreSQL), so this migration only adds constraints.

The values are written out here, not imported from the models: a migration describes the
schema at its revision, whatever the enums become later. Each constraint is named
``ck_<table>_<column>`` (the metadata naming convention ``ck_%(table_name)s_%(constraint_name)s``
with the column's name as the enum's ``name``). SQLite cannot add a constraint to a table, so
each table is rebuilt in batch mode (copy and move: columns, indexes, the partial unique index
of attempts, foreign keys and the questions' own CHECK come along). Upgrading refuses a
database holding a value outside a set (only code writes these columns, always one of them).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_closed_sets"
down_revision = "0005_employee_time_zone"
branch_labels = None
depends_on = None

#: (table, column) -> the strings the column may hold
CLOSED_SETS = {
    ("role_grants", "role"): ("hr", "content_admin", "platform_admin"),
    ("password_tokens", "purpose"): ("invitation", "reset"),
    ("import_profiles", "mode"): ("full", "delta"),
    ("level_mappings", "scale"): ("eight", "six"),
    ("evidence", "kind"): ("quiz_passed", "manager_validation", "prior_learning", "self_assessment"),
    ("quizzes", "grading_method"): ("highest", "last", "first", "average"),
    ("quizzes", "review_policy"): (
        "after_pass_or_last_attempt",
        "after_submit",
        "after_pass",
        "after_last_attempt",
        "never",
    ),
    ("questions", "qtype"): (
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "numeric",
        "matching",
        "essay",
        "description",
    ),
    ("attempts", "state"): ("in_progress", "submitted"),
    ("responses", "state"): ("correct", "partial", "incorrect", "needs_review", "not_scored"),
    ("enrolments", "source"): ("self", "assignment"),
    ("module_progress", "status"): ("not_started", "in_progress", "completed"),
}


def _tables() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """{table: [(column, values), ...]}, so each table is rebuilt once on SQLite."""
    tables: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for (table, column), values in CLOSED_SETS.items():
        tables.setdefault(table, []).append((column, values))
    return tables


def upgrade():
    for table, columns in _tables().items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns:
                allowed = ", ".join(f"'{value}'" for value in values)
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), sa.text(f"{column} IN ({allowed})")
                )


def downgrade():
    for table, columns in reversed(_tables().items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _values in reversed(columns):
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
