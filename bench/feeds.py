"""(d) A full sync of the change feed: a partner client pages ``/api/v1/changes/`` from the start.

The client runs as a process of its own, so its peak memory is the client's alone; it pages with
``bench.feed_sync.measure_feed_sync`` when that module exists, otherwise with its own loop, while a
thread samples its memory and the server workers'. Memory is *flat* when neither the client nor the busiest server worker grows by more than
``FLAT_BYTES`` (or ``FLAT_FRACTION``) between the first quarter of the sync and its end.

``python -m bench.feeds BASE_URL TOKEN [--limit N] [--pids 1,2]`` prints the result as JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

PAGE = 5000  # the largest page the feed serves
FLAT_BYTES = 24 * 2**20
FLAT_FRACTION = 0.15
MB = 2**20


def _status(pid: int | str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def is_flat(samples: list[int]) -> bool:
    if len(samples) < 4:
        return True
    reference = samples[len(samples) // 4]
    return max(samples[len(samples) // 4 :]) - reference <= max(
        FLAT_BYTES, FLAT_FRACTION * reference
    )


def _own_pager(base_url: str, token: str, limit: int) -> dict:
    """Page the whole feed keeping only the cursor and counters (used until
    ``bench.feed_sync`` provides ``measure_feed_sync``)."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=300)
    headers = {"Authorization": f"Token {token}", "Connection": "keep-alive"}
    since, changes, pages = "0", 0, 0
    started = time.perf_counter()
    try:
        while True:
            conn.request("GET", f"/api/v1/changes/?since={since}&limit={limit}", headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"the feed answered {response.status}: {body[:300]!r}")
            page = json.loads(body)
            changes += len(page["changes"])
            pages += 1
            since, has_more = page["cursor"], page["has_more"]
            del page, body  # keep nothing of a page once counted
            if not has_more:
                break
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    return {"changes": changes, "pages": pages, "seconds": seconds}


def sync(base_url: str, token: str, *, limit: int = PAGE, pids: list[int] = ()) -> dict:
    """Page the whole feed while a thread samples both sides' memory four times a second."""
    try:
        from bench.feed_sync import measure_feed_sync
    except ImportError:
        pager, source = _own_pager, "bench.feeds"
    else:
        pager, source = (
            (lambda url, key, n: measure_feed_sync(url, key, limit=n)),
            "bench.feed_sync",
        )
    client_rss: list[int] = []
    server_rss: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            client_rss.append(_status("self", "VmRSS"))
            server_rss.append(max((_status(pid, "VmRSS") for pid in pids), default=0))
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        paged = pager(base_url, token, limit)
    finally:
        done.set()
        sampler.join()
    seconds = float(paged["seconds"])
    return {
        "source": source,
        "changes": paged["changes"],
        "pages": paged["pages"],
        "seconds": seconds,
        "changes_per_s": paged["changes"] / seconds if seconds else 0.0,
        "client_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "server_peak_rss_mb": max((_status(pid, "VmHWM") for pid in pids), default=0) / MB,
        "memory_flat": is_flat(client_rss) and is_flat(server_rss),
    }


def run_client(base_url: str, token: str, pids: list[int], limit: int = PAGE) -> dict:
    """Run ``sync`` in a process of its own and read its JSON."""
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "bench.feeds", base_url, token, "--limit", str(limit),
               "--pids", ",".join(map(str, pids))]  # fmt: skip
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"the feed client failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def measure(server, token: str) -> list:
    from .figures import COUNT, RATE, Figure

    result = run_client(server.base_url, token, server.worker_pids())
    source, server_peak = result["source"], result["server_peak_rss_mb"]
    return [
        Figure(
            "feed.changes", f"feed: changes synced ({source})", result["changes"], "changes", COUNT
        ),
        Figure("feed.seconds", "feed: full sync", result["seconds"], "s"),
        Figure("feed.changes_per_s", "feed: changes/s", result["changes_per_s"], "changes/s", RATE),
        Figure(
            "feed.client_peak_rss_mb", "feed: client peak RSS", result["client_peak_rss_mb"], "MB"
        ),
        Figure("feed.server_peak_rss_mb", "feed: server worker peak RSS", float(server_peak), "MB"),
        Figure(
            "feed.memory_flat",
            "feed: memory flat (1 = yes)",
            float(bool(result["memory_flat"])),
            "",
            COUNT,
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.feeds")
    parser.add_argument("base_url")
    parser.add_argument("token")
    parser.add_argument("--limit", type=int, default=PAGE)
    parser.add_argument("--pids", default="")
    args = parser.parse_args(argv)
    pids = [int(p) for p in args.pids.split(",") if p]
    print(json.dumps(sync(args.base_url, args.token, limit=args.limit, pids=pids)))


if __name__ == "__main__":
    main()
