"""Benchmark: xAPI forwarding to a real LRS (issue 15) — statements a second delivered to ralph
(started here, filesystem backend, as in tests/progress) by POST batches of different sizes,
and the same statements sent again (what a resend after a crash costs: ids the LRS has).

Prints figures; asserts nothing (DESIGN.md: speed figures live in bench scripts, not tests).

    PYTHONPATH=. .venv/bin/python bench/xapi_forwarding.py [--statements 2000] [--batches 1,10,100]

Each batch size gets a fresh LRS; the statements are shaped like LearnHub's "answered"
statements (a choice interaction with four options, a response, a score, a registration).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

import bcrypt
import requests

from tests.progress.conftest import HEADERS, LRS_PASSWORD, LRS_USER, Lrs, _free_port

QUIZ = "http://lh.example.org/xapi/activities/courses/c/modules/m/quiz/v1"


def _statement(n: int, registration: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "name": f"Learner {n}",
            "mbox": f"mailto:l{n}@example.org",
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": f"{QUIZ}/questions/{n % 9}",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "name": {"en": "Pick the safe link"},
                "interactionType": "choice",
                "choices": [
                    {"id": f"c{i}", "description": {"en": f"option {i}"}} for i in range(4)
                ],
            },
        },
        "result": {
            "response": "c1",
            "success": True,
            "completion": True,
            "score": {"scaled": 1.0, "raw": 1.0, "min": 0, "max": 1.0},
        },
        "context": {"registration": registration},
        "timestamp": "2026-03-01T09:00:00Z",
    }


def _send(lrs: Lrs, statements: list[dict], batch: int) -> tuple[float, set[int]]:
    statuses = set()
    started = time.perf_counter()
    for start in range(0, len(statements), batch):
        answer = requests.post(
            f"{lrs.url}/statements",
            data=json.dumps(statements[start : start + batch]),
            headers=HEADERS | {"Content-Type": "application/json"},
            auth=(LRS_USER, LRS_PASSWORD),
            timeout=60,
        )
        statuses.add(answer.status_code)
    return time.perf_counter() - started, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--batches", default="1,10,100")
    args = parser.parse_args()
    registration = str(uuid.uuid4())
    statements = [_statement(n, registration) for n in range(args.statements)]
    print(f"{args.statements} statements, ralph LRS (filesystem backend)")
    print(
        f"{'batch':>6} {'first send s':>13} {'stmt/s':>8} {'resend s':>9} {'stmt/s':>8}  statuses"
    )
    for batch in (int(b) for b in args.batches.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            directory = Path(folder)
            digest = bcrypt.hashpw(LRS_PASSWORD.encode(), bcrypt.gensalt(4)).decode()
            (directory / "auth.json").write_text(
                json.dumps(
                    [
                        {
                            "agent": {"mbox": "mailto:admin@example.org", "objectType": "Agent"},
                            "scopes": ["all"],
                            "hash": digest,
                            "username": LRS_USER,
                        }
                    ]
                )
            )
            lrs = Lrs(directory, _free_port())
            lrs.start()
            try:
                first, codes = _send(lrs, statements, batch)
                again, codes_again = _send(lrs, statements, batch)
                stored = len(lrs.stored_lines())
            finally:
                lrs.stop()
        print(
            f"{batch:>6} {first:>13.2f} {args.statements / first:>8.0f} {again:>9.2f}"
            f" {args.statements / again:>8.0f}  {sorted(codes)} then {sorted(codes_again)},"
            f" {stored} stored"
        )


if __name__ == "__main__":
    main()
