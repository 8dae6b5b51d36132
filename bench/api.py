"""(c) The API list against the ``values()`` baseline, under load from a loopback client.

The client runs a few threads, each holding one keep-alive connection (``http.client``) and sending
requests back to back for a fixed time; the two endpoints are measured in alternating rounds so
that a neighbour's load on the shared machine falls on both alike.
"""

from __future__ import annotations

import http.client
import json
import threading
import time

from .figures import RATE, RATIO, Figure, percentile

API_PATH = "/api/v1/situations/?limit=50"
BASELINE_PATH = "/bench/baseline/situations/"
THREADS = 4
ROUNDS = 2


def fetch(port: int, path: str, token: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise AssertionError(f"GET {path} answered {response.status}: {body[:300]!r}")
        return json.loads(body)
    finally:
        conn.close()


def load(port: int, path: str, token: str, seconds: float) -> tuple[int, list[float], int]:
    """Requests done, their latencies (s) and the failures, in ``seconds`` of ``THREADS``."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Token {token}", "Connection": "keep-alive"}

    def worker() -> None:
        mine: list[float] = []
        failed = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    mine.append(time.perf_counter() - started)
                else:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()
        with lock:
            latencies.extend(mine)
            failures[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, failures[0]


def measure(port: int, token: str, seconds: float) -> list[Figure]:
    api_rows = fetch(port, API_PATH, token)["results"]
    base_rows = fetch(port, BASELINE_PATH, token)["results"]
    if [r["id"] for r in api_rows] != [r["id"] for r in base_rows]:
        raise AssertionError("the API list and the baseline view return different rows")
    results = {API_PATH: [0, [], 0, 0.0], BASELINE_PATH: [0, [], 0, 0.0]}
    for path in results:  # warm both: connections, caches
        load(port, path, token, min(1.0, seconds / 4))
    for _ in range(ROUNDS):
        for path, totals in results.items():
            started = time.perf_counter()
            done, latencies, failed = load(port, path, token, seconds / ROUNDS)
            totals[0] += done
            totals[1].extend(latencies)
            totals[2] += failed
            totals[3] += time.perf_counter() - started
    figures = []
    rates = {}
    for path, name, label in (
        (API_PATH, "api", "API list (50 rows)"),
        (BASELINE_PATH, "api.baseline", "baseline values() + JsonResponse"),
    ):
        done, latencies, failed, elapsed = results[path]
        if failed:
            raise AssertionError(f"{failed} requests to {path} failed")
        rates[name] = done / elapsed
        figures += [
            Figure(f"{name}.rps", f"{label}: requests/s", rates[name], "req/s", RATE),
            Figure(f"{name}.p50_ms", f"{label}: p50", 1000 * percentile(latencies, 0.5), "ms"),
            Figure(f"{name}.p95_ms", f"{label}: p95", 1000 * percentile(latencies, 0.95), "ms"),
        ]
    figures.append(
        Figure(
            "api.ratio",
            "API / baseline throughput",
            rates["api"] / rates["api.baseline"],
            "×",
            RATIO,
        )
    )
    return figures
