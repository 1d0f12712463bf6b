"""Open Badges 3.0 credentials for completed courses (issue 15 "Credentials"): W3C Verifiable
Credentials a person downloads and a third party verifies, revoked when the completion no
longer stands."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire credentials into ``app``: its table (its pages are in learnhub.web)."""
    import learnhub.credentials.models  # noqa: F401  (its table joins the metadata)
