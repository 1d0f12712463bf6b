"""The models and the migrations describe the same schema.

The test database is built by the migrations (conftest: ``flask db upgrade``), so comparing it
with the models' metadata catches a model change without its migration. Alembic's
autogenerate comparison does not look at CHECK constraints, so those are compared here by
name and allowed values.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect

from learnhub.extensions import db
from learnhub.reports.directory import FOLDED_INDEXES

QUOTED = re.compile(r"'([^']*)'")


def _model_checks() -> dict[tuple[str, str], set[str]]:
    """{(table, constraint name): quoted literals of its condition} from the models."""
    checks = {}
    for table in db.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                sql = str(
                    constraint.sqltext.compile(
                        dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
                    )
                )
                checks[(table.name, str(constraint.name))] = set(QUOTED.findall(sql))
    return checks


def _database_checks() -> dict[tuple[str, str], set[str]]:
    inspector = inspect(db.engine)
    return {
        (table, check["name"]): set(QUOTED.findall(check["sqltext"]))
        for table in db.metadata.tables
        for check in inspector.get_check_constraints(table)
    }


def _not_expression_index(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out the directory's expression indexes (PostgreSQL only, by 0025_people):
    Alembic cannot compare expressions; tests/web/test_people_directory.py checks them."""
    return not (type_ == "index" and name in FOLDED_INDEXES)


def test_the_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _not_expression_index}
        )
        assert compare_metadata(context, db.metadata) == []


def test_every_check_constraint_of_the_models_is_in_the_migrated_database(app):
    with app.app_context():
        model, database = _model_checks(), _database_checks()
    assert model == database
    # the closed sets of strings are among them, with their values
    assert model[("attempts", "ck_attempts_state")] == {"in_progress", "submitted"}
    assert model[("module_progress", "ck_module_progress_status")] == {
        "not_started",
        "in_progress",
        "completed",
        "waived",
    }
    assert ("evidence", "ck_evidence_kind") in model
    assert ("questions", "ck_questions_qtype") in model


def test_the_import_history_migration_goes_down_and_up_again(app):
    """0023_hrimportui (issue 13): hr_import_runs is dropped by the downgrade and made again by the
    upgrade, with its CHECKs and index."""
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        # found by name: the revision ids are renumbered into one chain when branches merge
        config = app.extensions["migrate"].migrate.get_config()
        ours = next(
            s
            for s in ScriptDirectory.from_config(config).walk_revisions()
            if s.revision.endswith("_hrimportui")
        )
        downgrade(revision=str(ours.down_revision))
        db.engine.dispose()
        assert "hr_import_runs" not in inspect(db.engine).get_table_names()
        upgrade()
        db.engine.dispose()
        inspector = inspect(db.engine)
        assert "hr_import_runs" in inspector.get_table_names()
        checks = {c["name"] for c in inspector.get_check_constraints("hr_import_runs")}
        assert checks == {
            "ck_hr_import_runs_channel",
            "ck_hr_import_runs_mode",
            "ck_hr_import_runs_status",
        }
        indexes = {i["name"] for i in inspector.get_indexes("hr_import_runs")}
        assert "ix_hr_import_runs_started_at" in indexes


def test_the_planning_job_migration_goes_down_and_up_again(app):
    """0031_hrjob (issue 13: large HR imports planned by a worker): the statuses planning and
    failed, job_attempt and heartbeat_at come and go; a run still planning when it goes down
    reads as refused (its CHECK no longer allows planning)."""
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    row = (
        "INSERT INTO hr_import_runs (started_at, channel, file_name, sha256, file_bytes, source,"
        " mode, options, dry_run, status, rows, added, updated, unchanged, {left}, units_added,"
        " units_moved, warnings, errors) VALUES (CURRENT_TIMESTAMP, 'page', 'f.csv', 'x', 1,"
        " 'hr', 'delta', '{{}}', true, :status, 0, 0, 0, 0, 0, 0, 0, 0, 0)"
    )
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        ours = next(
            s
            for s in ScriptDirectory.from_config(config).walk_revisions()
            if s.revision.endswith("_hrjob")
        )
        left = db.engine.dialect.identifier_preparer.quote("left")
        with db.engine.begin() as connection:
            connection.execute(text(row.format(left=left)), {"status": "planning"})
        downgrade(revision=str(ours.down_revision))
        db.engine.dispose()
        columns = {c["name"] for c in inspect(db.engine).get_columns("hr_import_runs")}
        assert "job_attempt" not in columns and "heartbeat_at" not in columns
        with db.engine.begin() as connection:
            assert connection.scalar(text("SELECT status FROM hr_import_runs")) == "invalid"
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(text(row.format(left=left)), {"status": "failed"})
        upgrade()
        db.engine.dispose()
        with db.engine.begin() as connection:
            connection.execute(text(row.format(left=left)), {"status": "failed"})
            connection.execute(text("DELETE FROM hr_import_runs"))
        columns = {c["name"] for c in inspect(db.engine).get_columns("hr_import_runs")}
        assert {"job_attempt", "heartbeat_at"} <= columns
