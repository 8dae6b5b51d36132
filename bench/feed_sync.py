"""Change-feed full sync at scale: synthetic data, backfill, and a client paging the whole feed.

    DATABASE_URL=postgres://…/throwaway python -m bench.feed_sync --situations 10000

Generates ``situations`` situations with ten indicators and three engagements each (set-based SQL,
fixed seed, PostgreSQL only), records them in the change feed with ``backfill`` (timed), then pages
the whole feed from the start through the real API as a partner with the Python client's
``sync()`` (``tracker_client``; Django's test client in this process, or HTTP to a running server
with ``--url``) and prints changes per second, pages and peak memory. Run it against a throw-away database: the rows it creates stay until ``--drop``.

``measure_feed_sync`` is the part the benchmark suite (``bench``) calls.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from typing import Any

import httpx

from tracker_client import Change, Mirror, SQLiteMirror, TrackerClient

SEED = "552"
# Memory counts as flat when it grows by less than this after the first page (the first page
# warms caches and buffers once; a client or server that kept what it paged would grow by about
# the size of the feed: hundreds of MiB at a million changes).
FLAT_GROWTH_KB = 64 * 1024
BENCH_SLUG = "bench-feed-"
PARTNER_NAME = "Bench feed partner"


def proc_status_kb(pid: int | str, field: str) -> int | None:
    """A size from ``/proc/<pid>/status`` in KiB (Linux): ``VmRSS`` now, ``VmHWM`` the peak."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _rss_kb(pid: int | str = "self") -> int | None:
    return proc_status_kb(pid, "VmRSS")


class _ClientTransport(httpx.BaseTransport):
    """httpx requests answered by Django's test client (the server runs in this process)."""

    def __init__(self, client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in ("host", "content-length", "content-type")
        }
        response = self.client.generic(
            request.method,
            request.url.raw_path.decode("ascii"),
            data=request.read(),
            content_type=request.headers.get("content-type", "application/octet-stream"),
            headers=headers,
        )
        return httpx.Response(
            response.status_code,
            headers=list(response.items()),
            content=response.content,
            request=request,
        )


class CountingMirror:
    """A ``tracker_client.Mirror`` that keeps only the cursor: the sync's figures are the feed's
    and the client's, not a store's (``--mirror`` measures an SQLite copy as well)."""

    def __init__(self, since: str = "0") -> None:
        self.cursor = since

    def load_cursor(self) -> str:
        return self.cursor

    def apply_page(self, changes: Sequence[Change], cursor: str) -> None:
        self.cursor = cursor


def measure_feed_sync(
    base_url_or_client: Any,
    token: str,
    *,
    limit: int = 5000,
    since: str = "0",
    server_pid: int | None = None,
    max_pages: int | None = None,
    mirror: Mirror | None = None,
) -> dict:
    """Sync from ``since`` to the end of the change feed as the partner holding ``token``, with
    the Python client's ``sync()`` (``tracker_client``), as a partner system would.

    ``base_url_or_client`` is the tracker's base URL (``http://127.0.0.1:8000``) or a Django test
    client. ``mirror``: the store the changes go to; by default one that keeps only the cursor,
    so the figures are the feed's, and the client's memory stays flat however long the feed is.
    Returns the figures: ``changes``, ``upserts``, ``deletes``, ``pages``, ``seconds``,
    ``changes_per_s``, ``slowest_page_s``, ``bytes``, client RSS at start and peak during the
    sync (KiB, and the peak in MiB), the server's (``server_pid``, HTTP only; the test client's
    server is this process), and ``memory_flat``: neither grew by more than ``FLAT_GROWTH_KB``
    after the first page.
    """
    if isinstance(base_url_or_client, str):
        client = TrackerClient(base_url_or_client, token=token, timeout=120)
    else:
        client = TrackerClient(
            "http://testserver", token=token, transport=_ClientTransport(base_url_or_client)
        )
    mirror = mirror if mirror is not None else CountingMirror(since)
    memory = {"client_peak": _rss_kb() or 0, "server_peak": None, "pages": 0}
    client_start = memory["client_peak"]
    server_start = _rss_kb(server_pid) if server_pid else None
    memory["server_peak"] = server_start
    warm: dict[str, int | None] = {}

    def sample(page) -> None:
        memory["pages"] += 1
        memory["client_peak"] = max(memory["client_peak"], _rss_kb() or 0)
        if server_pid:
            memory["server_peak"] = max(memory["server_peak"] or 0, _rss_kb(server_pid) or 0)
        if memory["pages"] == 1:
            warm.update(client=memory["client_peak"], server=memory["server_peak"])

    try:
        result = client.sync(mirror, limit=limit, max_pages=max_pages, on_page=sample)
    finally:
        client.close()
    client_peak, server_peak = memory["client_peak"], memory["server_peak"]
    flat = not warm or client_peak - warm["client"] <= FLAT_GROWTH_KB
    if warm.get("server") is not None and server_peak is not None:
        flat = flat and server_peak - warm["server"] <= FLAT_GROWTH_KB
    seconds = result.seconds
    return {
        "changes": result.changes,
        "upserts": result.upserts,
        "deletes": result.deletes,
        "pages": result.pages,
        "limit": limit,
        "seconds": round(seconds, 3),
        "changes_per_s": round(result.changes / seconds) if seconds else None,
        "slowest_page_s": round(result.slowest_page_s, 3),
        "bytes": result.bytes,
        "cursor": result.cursor,
        "client_rss_start_kb": client_start,
        "client_rss_peak_kb": client_peak,
        "server_rss_start_kb": server_start,
        "server_rss_peak_kb": server_peak,
        "client_peak_rss_mb": round(client_peak / 1024, 1),
        "server_peak_rss_mb": round(server_peak / 1024, 1) if server_peak else None,
        "memory_flat": flat,
    }


# --- synthetic data (PostgreSQL, set-based) ---------------------------------------------------


def _choices(enum) -> list[str]:
    return [str(value) for value in enum.values]


def generate(
    situations: int,
    *,
    indicators_per: int = 10,
    engagements_per: int = 3,
    actors: int = 200,
    seed: str = SEED,
) -> dict[str, int]:
    """Insert synthetic actors, situations, indicators and engagements in a few statements.

    Keys are md5 hashes of the seed and the row number, so two runs with one seed make the same
    rows (``ON CONFLICT DO NOTHING``: running again adds nothing). Sharing mix: a tenth CLEAR, four
    tenths GREEN, three AMBER, one AMBER+STRICT, one RED; AMBER rows are shared with two actors
    (bench actor 1, the partner's, on every other one). Signals are bypassed, as in a bulk import:
    run ``backfill`` afterwards.
    """
    from django.db import connection, transaction

    from cases import choices

    params = {
        "seed": seed,
        "n": situations,
        "ni": situations * indicators_per,
        "ne": situations * engagements_per,
        "ipers": indicators_per,
        "epers": engagements_per,
        "na": actors,
        "slug": BENCH_SLUG,
        "regions": _choices(choices.Region),
        "crisis": _choices(choices.CrisisType),
        "stages": _choices(choices.ConflictStage),
        "statuses": _choices(choices.SituationStatus),
        # Tenths: 1 CLEAR, 4 GREEN, 3 AMBER, 1 AMBER+STRICT, 1 RED.
        "sharing": ["clear", *["green"] * 4, *["amber"] * 3, "amber+strict", "red"],
        "countries": ["ML", "NE", "BF", "KG", "GN", "CI", "TD", "SS", "NG", "SN"],
        "categories": _choices(choices.IndicatorCategory),
        "instruments": _choices(choices.Instrument),
        "tracks": _choices(choices.Track),
        "outcomes": _choices(choices.Outcome),
        "kinds": _choices(choices.ActorKind),
        "precisions": ["day", "day", "day", "month", "year"],
    }
    statements = {
        "actor": """
            INSERT INTO cases_actor (id, version, created_at, updated_at, name, acronym, kind,
                                     country, description, parent_id)
            SELECT md5(%(seed)s || '-a-' || i)::uuid, 1, now(), now(), 'Bench actor ' || i,
                   'BA' || i, (%(kinds)s::text[])[1 + i %% cardinality(%(kinds)s::text[])], '',
                   '', NULL
            FROM generate_series(1, %(na)s) i
            ON CONFLICT DO NOTHING""",
        "situation": """
            INSERT INTO cases_situation (id, version, created_at, updated_at, title, slug,
                countries, region, subregion, crisis_type, conflict_stage, status, risk_level,
                sharing, summary)
            SELECT md5(%(seed)s || '-s-' || i)::uuid, 1, now(), now(), 'Bench situation ' || i,
                   %(slug)s || %(seed)s || '-' || i,
                   (%(countries)s::text[])[1 + i %% 10], (%(regions)s::text[])[1 + i %% 5], '',
                   (%(crisis)s::text[])[1 + i %% cardinality(%(crisis)s::text[])],
                   (%(stages)s::text[])[1 + i %% cardinality(%(stages)s::text[])],
                   (%(statuses)s::text[])[1 + i %% cardinality(%(statuses)s::text[])],
                   1 + i %% 4, (%(sharing)s::text[])[1 + (i * 7) %% 10],
                   'Synthetic situation ' || i || ': tensions reported along the border '
                   || 'after a contested election; regional envoys consulted.'
            FROM generate_series(1, %(n)s) i
            ON CONFLICT DO NOTHING""",
        "shared_with": """
            INSERT INTO cases_situation_shared_with (situation_id, actor_id)
            SELECT md5(%(seed)s || '-s-' || i)::uuid,
                   md5(%(seed)s || '-a-' || CASE WHEN k = 0 AND i %% 2 = 0 THEN 1
                                                 ELSE 2 + (i + k) %% (%(na)s - 1) END)::uuid
            FROM generate_series(1, %(n)s) i, generate_series(0, 1) k
            WHERE (%(sharing)s::text[])[1 + (i * 7) %% 10] IN ('amber', 'amber+strict')
            ON CONFLICT DO NOTHING""",
        "indicator": """
            INSERT INTO cases_warningindicator (id, version, created_at, updated_at, category,
                severity, description, observed_on, observed_precision, threshold_moment,
                source, reported_by_id, situation_id)
            SELECT md5(%(seed)s || '-i-' || j)::uuid, 1, now(), now(),
                   (%(categories)s::text[])[1 + j %% cardinality(%(categories)s::text[])],
                   1 + j %% 4,
                   'Synthetic warning sign ' || j || ': armed groups seen near the capital.',
                   CASE p WHEN 'year' THEN date_trunc('year', d)::date
                          WHEN 'month' THEN date_trunc('month', d)::date ELSE d END,
                   p, j %% 17 = 0, 'Bench field report',
                   md5(%(seed)s || '-a-' || (1 + j %% %(na)s))::uuid,
                   md5(%(seed)s || '-s-' || (1 + (j - 1) / %(ipers)s))::uuid
            FROM generate_series(1, %(ni)s) j,
                 LATERAL (SELECT date '2001-01-01' + (j * 37) %% 8000 AS d,
                                 (%(precisions)s::text[])[1 + j %% 5] AS p) x
            ON CONFLICT DO NOTHING""",
        "engagement": """
            INSERT INTO cases_engagement (id, version, created_at, updated_at, title, instrument,
                track, started_on, started_precision, ended_on, ended_precision, objective,
                outcome, lead_actor_id, situation_id)
            SELECT md5(%(seed)s || '-e-' || j)::uuid, 1, now(), now(), 'Bench engagement ' || j,
                   (%(instruments)s::text[])[1 + j %% cardinality(%(instruments)s::text[])],
                   (%(tracks)s::text[])[1 + j %% cardinality(%(tracks)s::text[])],
                   CASE WHEN j %% 9 = 0 THEN NULL ELSE date '2002-01-01' + (j * 13) %% 7000 END,
                   'day', NULL, 'day', 'Synthetic objective ' || j,
                   (%(outcomes)s::text[])[1 + j %% cardinality(%(outcomes)s::text[])],
                   md5(%(seed)s || '-a-' || (1 + j %% %(na)s))::uuid,
                   md5(%(seed)s || '-s-' || (1 + (j - 1) / %(epers)s))::uuid
            FROM generate_series(1, %(ne)s) j
            ON CONFLICT DO NOTHING""",
    }
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for name, sql in statements.items():
            cursor.execute(sql, params)
            counts[name] = cursor.rowcount
    with connection.cursor() as cursor:
        for table in ("cases_situation", "cases_warningindicator", "cases_engagement"):
            cursor.execute(f"ANALYZE {table}")
    return counts


def partner_token(name: str = PARTNER_NAME, seed: str = SEED) -> str:
    """A new read token for the bench partner, cleared as bench actor 1."""
    from cases.models import Actor
    from partners.models import Partner, PartnerToken

    actor = Actor.objects.get(name="Bench actor 1")
    partner, _ = Partner.objects.get_or_create(name=name, defaults={"actor": actor})
    _, key = PartnerToken.issue(partner, ["read"], label="bench")
    return key


def backfill_feed() -> dict:
    """Record every record the feed has never seen, then position the changes; timed."""
    from django.db import connection

    from feed.log import assign_positions, backfill

    started = time.perf_counter()
    counts = backfill()
    recorded = time.perf_counter()
    positioned = assign_positions()
    done = time.perf_counter()
    # As autovacuum would soon after a bulk load: the positions' update leaves dead index
    # entries that every page's "anything unpositioned?" check would otherwise wade through.
    # (VACUUM cannot run in a transaction, e.g. a test's: statistics only, then.)
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in ("partners_change", "partners_feedrecord"):
            cursor.execute(f"{command} {table}")
    return {
        "recorded": counts,
        "records": sum(counts.values()),
        "backfill_s": round(recorded - started, 3),
        "positioned": positioned,
        "position_s": round(done - recorded, 3),
    }


def drop_bench_data(seed: str = SEED) -> None:
    """Delete the generated rows and their feed entries (a big run leaves the database as it was).

    The bench partner and its tokens go too.
    """
    from django.db import connection, transaction

    from partners.models import Partner

    like = f"{BENCH_SLUG}{seed}-%"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_ids ON COMMIT DROP AS "
            "SELECT id FROM cases_situation WHERE slug LIKE %s",
            [like],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_objects ON COMMIT DROP AS "
            "SELECT id FROM bench_ids UNION ALL "
            "SELECT id FROM cases_warningindicator WHERE situation_id IN (SELECT id FROM bench_ids)"
            " UNION ALL "
            "SELECT id FROM cases_engagement WHERE situation_id IN (SELECT id FROM bench_ids)"
            " UNION ALL SELECT id FROM cases_actor WHERE name LIKE 'Bench actor %%'"
        )
        cursor.execute("CREATE INDEX ON bench_objects (id)")
        for table in ("partners_change", "partners_feedrecord"):
            cursor.execute(f"DELETE FROM {table} WHERE object_id IN (SELECT id FROM bench_objects)")
        Partner.objects.filter(name=PARTNER_NAME).delete()
        for table in ("cases_warningindicator", "cases_engagement", "cases_situation_shared_with"):
            cursor.execute(f"DELETE FROM {table} WHERE situation_id IN (SELECT id FROM bench_ids)")
        cursor.execute("DELETE FROM cases_situation WHERE id IN (SELECT id FROM bench_ids)")
        cursor.execute("DELETE FROM cases_actor WHERE name LIKE 'Bench actor %%'")


def _print(figures: dict) -> None:
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.feed_sync", description=__doc__)
    parser.add_argument("--situations", type=int, default=1000)
    parser.add_argument("--indicators-per", type=int, default=10)
    parser.add_argument("--engagements-per", type=int, default=3)
    parser.add_argument("--limit", type=int, default=5000, help="changes per page")
    parser.add_argument("--url", help="page a running tracker over HTTP instead of in-process")
    parser.add_argument("--server-pid", type=int, help="the server's pid, to report its memory")
    parser.add_argument("--max-pages", type=int, help="stop after this many pages")
    parser.add_argument(
        "--mirror", help="sync into this SQLite file (tracker_client.SQLiteMirror), not counting"
    )
    parser.add_argument("--skip-generate", action="store_true", help="use the rows already there")
    parser.add_argument("--drop", action="store_true", help="delete the generated rows at the end")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    # Measured on this machine, as start_tracker runs it: plain http on loopback, the test
    # client's host among the loopback names (DEBUG is off unless set).
    os.environ.setdefault("TRACKER_LOCAL_HTTP", "true")
    # Development settings, as every earlier run was measured (static files from the apps).
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
    import django

    django.setup()
    from django.test import Client

    result: dict[str, Any] = {"situations": args.situations}
    if not args.skip_generate:
        started = time.perf_counter()
        result["generated"] = generate(
            args.situations,
            indicators_per=args.indicators_per,
            engagements_per=args.engagements_per,
        )
        result["generate_s"] = round(time.perf_counter() - started, 3)
        print(f"generated {result['generated']} in {result['generate_s']} s")
    result["backfill"] = backfill_feed()
    print("backfill:")
    _print(result["backfill"])
    token = partner_token()
    target = args.url or Client()
    mirror = SQLiteMirror(args.mirror) if args.mirror else None
    try:
        result["sync"] = measure_feed_sync(
            target,
            token,
            limit=args.limit,
            server_pid=args.server_pid,
            max_pages=args.max_pages,
            mirror=mirror,
        )
    finally:
        if mirror is not None:
            mirror.close()
    result["sync"]["process_peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"full sync ({'HTTP ' + args.url if args.url else 'in-process test client'}):")
    _print(result["sync"])
    if args.drop:
        drop_bench_data()
        print("dropped the generated rows")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2, default=str)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
