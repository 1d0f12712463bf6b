"""A real browser against a real HTTP server: Debian's Chromium driven by Playwright for Python.

The server is werkzeug's threaded WSGI server around the session's test app, on a free port of
127.0.0.1. The browser is ``/usr/bin/chromium`` (``apt-get install chromium``; Playwright never
downloads one here). Without Chromium or Playwright these tests skip and say why; under
LEARNHUB_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("LEARNHUB_TEST_CHROMIUM", "/usr/bin/chromium")
#: what this machine's closed network needs (no background connections, no GPU, no sandbox
#: as root)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(message: str) -> None:
    if os.environ.get("LEARNHUB_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (LEARNHUB_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:<port>``) of the test app served over real HTTP."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright ``Browser``)."""
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        _missing(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server: str) -> Iterator[object]:
    """A fresh browser context (no cookies) and page, its base URL set to the live server."""
    context = chromium.new_context(base_url=live_server)
    page = context.new_page()
    yield page
    context.close()
