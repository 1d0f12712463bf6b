"""A real LRS for the xAPI forwarding tests: ralph (``ralph-malph[lrs]``, the dev extra) run as
``uvicorn`` with its filesystem backend (appending: see ``tests/progress/ralph_lrs.py``) and a
basic-auth file, on a free port.

It can be stopped and started again on the same port and directory (its statements persist in
``fs_lrs.jsonl``), which is how the tests take the LRS down for a while. When ralph cannot start
the tests skip saying why; under LEARNHUB_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from flask import Flask

from tests.conftest import PROJECT_ROOT

LRS_USER, LRS_PASSWORD = "learnhub", "lrs-test-secret"
#: the xAPI version header every call to the LRS carries
HEADERS = {"X-Experience-API-Version": "1.0.3"}


def _skip_or_fail(message: str) -> None:
    if os.environ.get("LEARNHUB_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (LEARNHUB_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Lrs:
    """A ralph LRS process: ``url`` is its xAPI endpoint (``…/xAPI``)."""

    directory: Path
    port: int
    process: subprocess.Popen | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.directory / "ralph.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def start(self, timeout: float = 60.0) -> None:
        """Start ralph and wait until it answers; raises RuntimeError with its log if not."""
        env = {
            **os.environ,
            "RALPH_APP_DIR": str(self.directory / "app"),
            "RALPH_AUTH_FILE": str(self.directory / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.directory),
            "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "10000",
            "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        with self.log.open("ab") as log:
            command = [sys.executable, "-m", "uvicorn", "tests.progress.ralph_lrs:app"]
            command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
            self.process = subprocess.Popen(
                command,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                requests.get(f"http://127.0.0.1:{self.port}/__lbheartbeat__", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"ralph did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def get(self, **params: str) -> requests.Response:
        return requests.get(
            f"{self.url}/statements",
            params=params,
            auth=(LRS_USER, LRS_PASSWORD),
            headers=HEADERS,
            timeout=10,
        )

    def statements(self) -> list[dict]:
        """Every statement the LRS returns for GET /statements (following ``more`` links)."""
        found: list[dict] = []
        response = self.get(limit="500")
        while True:
            response.raise_for_status()
            body = response.json()
            found.extend(body["statements"])
            more = body.get("more")
            if not more:
                return found
            response = requests.get(
                f"http://127.0.0.1:{self.port}{more}",
                auth=(LRS_USER, LRS_PASSWORD),
                headers=HEADERS,
                timeout=10,
            )

    def stored_lines(self) -> list[dict]:
        """The statements in ralph's file, one per stored statement (duplicates would show)."""
        path = self.directory / "fs_lrs.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def lrs(tmp_path: Path) -> Iterator[Lrs]:
    """A running ralph LRS with one basic-auth user (all scopes); stopped at the end."""
    # ralph.api is not imported here: importing it reads ralph's settings (it runs in its own
    # process, with its own environment)
    missing = [m for m in ("bcrypt", "uvicorn", "ralph.api") if importlib.util.find_spec(m) is None]
    if missing:
        _skip_or_fail(f"ralph LRS not installed (no {missing}): pip install -e '.[dev]'")
    import bcrypt

    digest = bcrypt.hashpw(LRS_PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    (tmp_path / "auth.json").write_text(
        json.dumps(
            [
                {
                    "agent": {"mbox": "mailto:lrs-admin@example.org", "objectType": "Agent"},
                    "scopes": ["all"],
                    "hash": digest,
                    "username": LRS_USER,
                }
            ]
        )
    )
    server = Lrs(tmp_path, _free_port())
    try:
        server.start()
    except RuntimeError as error:
        _skip_or_fail(str(error))
    yield server
    server.stop()


@pytest.fixture
def forwarding(app: Flask, lrs: Lrs) -> Iterator[Lrs]:
    """The app forwards to ``lrs`` (basic auth), retrying at once (backoff 0 s) in tests."""
    saved = {key: app.config.get(key) for key in _LRS_SETTINGS}
    app.config.update(
        LEARNHUB_LRS_URL=lrs.url,
        LEARNHUB_LRS_USERNAME=LRS_USER,
        LEARNHUB_LRS_PASSWORD=LRS_PASSWORD,
        LEARNHUB_LRS_TOKEN=None,
        LEARNHUB_LRS_RETRY_SECONDS=0,
        LEARNHUB_LRS_TIMEOUT_SECONDS=5,
    )
    yield lrs
    app.config.update(saved)


_LRS_SETTINGS = (
    "LEARNHUB_LRS_URL",
    "LEARNHUB_LRS_USERNAME",
    "LEARNHUB_LRS_PASSWORD",
    "LEARNHUB_LRS_TOKEN",
    "LEARNHUB_LRS_RETRY_SECONDS",
    "LEARNHUB_LRS_TIMEOUT_SECONDS",
)
