"""(d) A full sync of the change feed: a partner client pages ``/api/v1/changes/`` from the start.

The client runs as a process of its own, so its peak memory is the client's alone; it pages with
``bench.feed_sync.measure_feed_sync`` while a thread samples its memory and the server workers'.
Memory is *flat* when neither the client nor the busiest server worker grows by more than
``FLAT_BYTES`` (or ``FLAT_FRACTION``) between the first quarter of the sync and its end.

``python -m bench.feeds BASE_URL TOKEN [--limit N] [--pids 1,2]`` prints the result as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
from pathlib import Path

from .feed_sync import measure_feed_sync, proc_status_kb

PAGE = 5000  # the largest page the feed serves
FLAT_BYTES = 24 * 2**20
FLAT_FRACTION = 0.15
MB = 2**20


def _status(pid: int | str, field: str) -> int:
    """``proc_status_kb`` in bytes, 0 when unknown."""
    return (proc_status_kb(pid, field) or 0) * 1024


def is_flat(samples: list[int]) -> bool:
    if len(samples) < 4:
        return True
    reference = samples[len(samples) // 4]
    return max(samples[len(samples) // 4 :]) - reference <= max(
        FLAT_BYTES, FLAT_FRACTION * reference
    )


def sync(base_url: str, token: str, *, limit: int = PAGE, pids: list[int] = ()) -> dict:
    """Page the whole feed while a thread samples both sides' memory four times a second."""
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
        paged = measure_feed_sync(base_url, token, limit=limit)
    finally:
        done.set()
        sampler.join()
    seconds = float(paged["seconds"])
    return {
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
    server_peak = result["server_peak_rss_mb"]
    return [
        Figure(
            "feed.changes",
            "feed: changes synced (bench.feed_sync)",
            result["changes"],
            "changes",
            COUNT,
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
