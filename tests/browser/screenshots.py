"""Screenshots of the pages the browser tests visit, kept as CI artifacts.

Each call of :func:`shoot` writes the whole page as a PNG under ``FOLDER``
(``test-artifacts/screenshots/`` of the project, or ``$LEARNHUB_TEST_ARTIFACTS/screenshots``),
named ``<order>-<page>-<width>px.png``; the folder holds the latest run's pictures only (the
first picture of a run empties it). ``make test`` prints the folder at the end (the
``pytest_terminal_summary`` hook of ``tests/conftest.py``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDER = (
    Path(os.environ.get("LEARNHUB_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "screenshots"
).resolve()
#: the pictures taken in this run, in order
taken: list[Path] = []


def shoot(page, name: str) -> Path:
    """Save ``page`` (a Playwright page) whole as ``FOLDER/<n>-<name>-<width>px.png``."""
    if not taken and FOLDER.exists():
        shutil.rmtree(FOLDER)
    FOLDER.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "page"
    width = (page.viewport_size or {}).get("width", 0)
    path = FOLDER / f"{len(taken) + 1:03d}-{slug}-{width}px.png"
    page.screenshot(path=str(path), full_page=True)
    taken.append(path)
    return path
