"""bench.feed_sync at a tiny scale: it generates, backfills, pages the whole feed and cleans up."""

from __future__ import annotations

from django.test import Client

from bench.feed_sync import (
    PARTNER_NAME,
    backfill_feed,
    drop_bench_data,
    generate,
    measure_feed_sync,
    partner_token,
)
from cases.models import Actor, Engagement, Situation, WarningIndicator
from cases.sharing import Clearance, restrict_to_clearance
from partners.models import Partner


def test_feed_sync_bench_pages_everything_the_partner_may_see(db):
    generated = generate(20, indicators_per=3, engagements_per=2, actors=5)
    assert {k: v for k, v in generated.items() if k != "shared_with"} == {
        "actor": 5,
        "situation": 20,
        "indicator": 60,
        "engagement": 40,
    }
    assert generate(20, indicators_per=3, engagements_per=2, actors=5)["situation"] == 0
    backfill = backfill_feed()
    assert backfill["records"] >= 125 and backfill["positioned"] >= 125
    token = partner_token()

    figures = measure_feed_sync(Client(), token, limit=7)

    # What the partner (cleared as bench actor 1) may see: every actor, and the situations it is
    # cleared for with their indicators and engagements.
    clearance = Clearance.for_actors([Partner.objects.get(name=PARTNER_NAME).actor_id])
    visible = (
        Actor.objects.count()
        + restrict_to_clearance(Situation.objects.all(), clearance).count()
        + restrict_to_clearance(WarningIndicator.objects.all(), clearance, "situation").count()
        + restrict_to_clearance(Engagement.objects.all(), clearance, "situation").count()
    )
    assert figures["changes"] == figures["upserts"] == visible
    assert figures["pages"] >= -(-visible // 7)
    assert figures["changes_per_s"] > 0 and figures["memory_flat"] is True
    assert figures["server_peak_rss_mb"] is None  # in-process: the server is this process

    drop_bench_data()
    assert not Situation.objects.filter(slug__startswith="bench-feed-").exists()
    assert not Partner.objects.filter(name=PARTNER_NAME).exists()
