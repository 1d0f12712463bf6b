"""Benchmark: does the sign-in (or the password-reset request) take the same time for a known
and an unknown email? A difference lets anyone find out who has an account.

Prints the median of --repeat requests each (milliseconds), known and unknown taken in turns;
asserts nothing.

    .venv/bin/python bench/sign_in_timing.py [--repeat 20]
    LEARNHUB_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...

One person with a password (scrypt, as in production) on a fresh database; the requests go
through Flask's test client (no network), wrong password for the known email, so both kinds
fail. The rate limits are raised for the run.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from benchdb import fresh_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _token(client) -> str:
    page = client.get("/sign-in").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _medians_ms(client, path: str, forms: list[dict], repeat: int) -> list[float]:
    """Median time (ms) of ``repeat`` POSTs of each form to ``path``, taken in turns (known,
    unknown, known, ...) so that a change in the machine's load touches both alike."""
    token = _token(client)
    times: list[list[float]] = [[] for _ in forms]
    for _ in range(repeat):
        for i, data in enumerate(forms):
            start = time.perf_counter()
            response = client.post(path, data=data | {"csrf_token": token})
            times[i].append((time.perf_counter() - start) * 1000)
            assert response.status_code in (302, 401), response.status_code
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    url = fresh_database_url()

    from flask_migrate import upgrade

    from learnhub.app import create_app
    from learnhub.auth.services import account_for, set_password
    from learnhub.extensions import db
    from learnhub.org.models import Employee

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "LEARNHUB_LOGIN_RATE_LIMIT": "100000 per minute",
            "LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute",
            "LEARNHUB_LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT": "100000 per minute",
            "LEARNHUB_RESET_RATE_LIMIT": "100000 per minute",
        }
    )
    with app.app_context():
        upgrade()
        person = Employee(
            employee_number="B1", first_name="Known", last_name="Person", email="known@example.org"
        )
        db.session.add(person)
        db.session.flush()
        set_password(account_for(person), "a correct horse battery")
        db.session.commit()
    client = app.test_client()
    _medians_ms(client, "/sign-in", [{"email": "warm@example.org", "password": "x"}], 2)
    sign_in = _medians_ms(
        client,
        "/sign-in",
        [
            {"email": "known@example.org", "password": "wrong"},
            {"email": "nobody@example.org", "password": "wrong"},
        ],
        args.repeat,
    )
    reset = _medians_ms(
        client,
        "/forgot-password",
        [{"email": "known@example.org"}, {"email": "nobody@example.org"}],
        args.repeat,
    )
    print(f"sign-in  known {sign_in[0]:7.1f} ms   unknown {sign_in[1]:7.1f} ms  (medians)")
    print(f"reset    known {reset[0]:7.1f} ms   unknown {reset[1]:7.1f} ms  (medians)")


if __name__ == "__main__":
    main()
