"""The sign-in limit holds across web processes when the limits live in Redis
(LEARNHUB_REDIS_URL): two gunicorn servers share one count."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.auth.conftest import free_port
from tests.conftest import require_service


def _serve(port: int, env: dict[str, str], prefix: str) -> subprocess.Popen:
    app = f"learnhub.app:create_app({{'RATELIMIT_KEY_PREFIX': '{prefix}'}})"
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", app],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                return
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail(f"gunicorn on port {port} did not answer within 30 s")


@pytest.fixture
def two_servers(app, database_url, tmp_path) -> Iterator[list[str]]:
    redis_url = require_service("Redis", "LEARNHUB_TEST_REDIS_URL")
    env = {
        **os.environ,
        "LEARNHUB_DATABASE_URL": database_url,
        "LEARNHUB_REDIS_URL": redis_url,
        "LEARNHUB_SECRET_KEY": "shared-by-both-servers",
        "LEARNHUB_LOGIN_RATE_LIMIT": "4 per minute",
        "LEARNHUB_INSTANCE_PATH": str(tmp_path),
    }
    prefix = f"learnhub-test-{uuid.uuid4().hex}"  # our own counters in a shared Redis
    ports = [free_port(), free_port()]
    processes = [_serve(port, env, prefix) for port in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_until_up(port, process)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)
            process.stderr.close()
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"*{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_the_sign_in_limit_is_shared_by_every_web_process(two_servers):
    first, second = two_servers
    browser = requests.Session()
    page = browser.get(f"{first}/sign-in").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"email": "nobody@example.org", "password": "wrong password", "csrf_token": token}
    codes = [
        browser.post(f"{server}/sign-in", data=form, allow_redirects=False).status_code
        for server in (first, second, first, second)
    ]
    assert codes == [401, 401, 401, 401]
    # each server saw only two failures; together they reached the limit of four
    for server in (first, second):
        limited = browser.post(f"{server}/sign-in", data=form, allow_redirects=False)
        assert limited.status_code == 429, limited.text[:300]
        assert "Too many failed sign-in attempts" in limited.text
    browser.close()
