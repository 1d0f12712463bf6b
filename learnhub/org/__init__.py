"""The organisation: employees, org units, job roles, the manager hierarchy, HR imports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Make org's tables known, keep the reporting-line closure in step with every ORM flush
    and add ``flask org``."""
    import learnhub.org.import_runs
    import learnhub.org.models  # noqa: F401  (its tables join the metadata)
    from learnhub.org.cli import org_cli
    from learnhub.org.reporting import install_flush_hook

    install_flush_hook()

    app.cli.add_command(org_cli)
