"""Courses, modules, the content loader and Markdown rendering."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Make catalog's tables known and add ``flask content``."""
    import learnhub.catalog.models  # noqa: F401  (its tables join the metadata)
    from learnhub.catalog.cli import content_cli

    app.cli.add_command(content_cli)
