"""A small HTTP load generator for the bench scripts: keep-alive connections (``http.client``)
spread over a few processes, so the client's own Python does not cap the rate it measures.

Two ways to drive a list of prepared requests:

- ``seconds=S``: the requests are sent in turn (cycling) for ``warmup + S`` seconds; only the
  responses that complete inside the last S seconds count (req/s = counted / S);
- ``seconds=None``: each request is sent exactly once (req/s = count / the time from the first
  send to the last response), for writes that must not repeat (a quiz submitted once).

A response counts as an error when its status is not the expected one, when ``check(body)``
says no, or when the connection fails (it is then reopened).
"""

from __future__ import annotations

import http.client
import math
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    """One prepared HTTP request."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(frozen=True)
class Figures:
    """What one drive (or several, :func:`combine`) measured: ``requests`` counted over
    ``seconds``; latencies in milliseconds."""

    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    first_error: str | None
    #: every response of the drive, warm-up and overrun included (what CPU time is shared by)
    answered: int = 0
    #: CPU seconds the server (``app``) and its database backends (``db``) spent on the drive,
    #: when the caller measured them (:func:`with_cpu`)
    app_cpu: float = math.nan
    db_cpu: float = math.nan

    @property
    def rate(self) -> float:
        """Requests a second."""
        return self.requests / self.seconds if self.seconds > 0 else math.nan

    @property
    def p50_ms(self) -> float:
        return _percentile(self.latencies_ms, 0.50)

    @property
    def p95_ms(self) -> float:
        return _percentile(self.latencies_ms, 0.95)


def combine(parts: list[Figures]) -> Figures:
    """Several drives of the same path as one: their requests over their summed time."""
    return Figures(
        requests=sum(p.requests for p in parts),
        errors=sum(p.errors for p in parts),
        seconds=sum(p.seconds for p in parts),
        latencies_ms=sorted(x for p in parts for x in p.latencies_ms),
        first_error=next((p.first_error for p in parts if p.first_error), None),
        answered=sum(p.answered for p in parts),
        app_cpu=sum(p.app_cpu for p in parts),
        db_cpu=sum(p.db_cpu for p in parts),
    )


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return math.nan
    index = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _worker(
    port: int,
    requests: list[Request],
    threads: int,
    begin: float,
    end: float | None,
    expected: int,
    check: Callable[[bytes], bool] | None,
    out: multiprocessing.Queue,
) -> None:
    """One client process: ``threads`` connections share ``requests`` (each sent once when
    ``end`` is None, else cycled until ``end``); puts [(completed at, seconds, ok, error)]."""
    lock = threading.Lock()
    position = [0]
    results: list[tuple[float, float, bool, str | None]] = []

    def next_request() -> Request | None:
        with lock:
            index = position[0]
            position[0] += 1
        if end is None:
            return requests[index] if index < len(requests) else None
        if time.time() >= end:
            return None
        return requests[index % len(requests)]

    def loop() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while (request := next_request()) is not None:
            started = time.perf_counter()
            error = None
            try:
                connection.request(request.method, request.path, request.body, request.headers)
                response = connection.getresponse()
                body = response.read()
                ok = response.status == expected and (check is None or check(body))
                if not ok:
                    error = f"{response.status} {body[:200]!r}"
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as failure:
                ok, error = False, repr(failure)
                connection.close()
            mine.append((time.time(), time.perf_counter() - started, ok, error))
        connection.close()
        with lock:
            results.extend(mine)

    while time.time() < begin:
        time.sleep(0.001)
    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put(results)


def drive(
    port: int,
    requests: list[Request],
    *,
    connections: int = 50,
    processes: int = 2,
    seconds: float | None = None,
    warmup: float = 2.0,
    expected: int = 200,
    check: Callable[[bytes], bool] | None = None,
) -> Figures:
    """Send ``requests`` to 127.0.0.1:``port`` over ``connections`` keep-alive connections
    split over ``processes`` forked processes; see the module docstring for ``seconds``."""
    if not requests:
        raise ValueError("nothing to send")
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    begin = time.time() + 0.5  # every process starts together
    end = None if seconds is None else begin + warmup + seconds
    children = []
    for n in range(processes):
        share = requests[n::processes] if seconds is None else requests
        threads = connections // processes + (1 if n < connections % processes else 0)
        child = context.Process(
            target=_worker, args=(port, share, threads, begin, end, expected, check, out)
        )
        child.start()
        children.append(child)
    results = [row for _ in children for row in out.get()]
    for child in children:
        child.join()
    if seconds is None:
        counted = results
        elapsed = max(r[0] for r in results) - begin
    else:
        counted = [r for r in results if begin + warmup <= r[0] < begin + warmup + seconds]
        elapsed = seconds
    latencies = sorted(r[1] * 1000 for r in counted)
    errors = [r for r in counted if not r[2]]
    return Figures(
        requests=len(counted),
        errors=len(errors),
        seconds=elapsed,
        latencies_ms=latencies,
        first_error=errors[0][3] if errors else None,
        answered=len(results),
    )
