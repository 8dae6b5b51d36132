"""Two live trackers on loopback, each pulling the other's change feed with ``sync_from``:
writes, deletes and relabels on both sides, then both hold the same records, field for field,
and what a label keeps from an organisation stays hidden from it on both trackers."""

from __future__ import annotations

import textwrap
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .trackers import Tracker, drop_database, fresh_database, template

SETUP = """
import json
from cases import services
from cases.models import Actor
from partners.models import Partner, PartnerToken
keys = {}
for name in ("Unit A", "Unit B", "ECOWAS Commission"):
    actor = services.save_actor(Actor(name=name, kind="regional-organisation"))
    partner = Partner.objects.create(name=f"{name} system", actor=actor)
    keys[name] = PartnerToken.issue(partner, ["read"])[1]
"""

# Writes as a desk officer's, through the services; ``S`` makes a situation, ``I`` a sign.
PRELUDE = """
import datetime, io, json
from django.core.management import call_command
done = []
from cases import services
from cases.models import Actor, Situation, WarningIndicator
def S(key, sharing, listed=(), **fields):
    s = Situation(title=key, slug=key, region="africa", crisis_type="constitutional-crisis",
                  sharing=sharing, countries=["GN"], **fields)
    return services.save_situation(s, shared_with=[Actor.objects.get(name=n) for n in listed])
def I(situation, description, severity=3):
    return services.save_indicator(WarningIndicator(
        situation=situation, category="political-tension", severity=severity,
        description=description, observed_on=datetime.date(2010, 6, 10)))
def get(slug):
    return Situation.objects.get(slug=slug)
"""

# Every situation and warning sign as the API shows it, the sharing list by organisation name
# (each tracker has its own id for an organisation), without what each tracker counts itself.
DUMP = """
import json
from api import resources
from cases.models import Actor, Situation, WarningIndicator
names = dict(Actor.objects.values_list("id", "name"))
out = {}
for resource, model in ((resources.SITUATION, Situation), (resources.INDICATOR, WarningIndicator)):
    for row in resource.rows(model.objects.all()):
        row = {k: v for k, v in row.items() if k not in ("version", "created_at", "updated_at")}
        if "shared_with" in row:
            row["shared_with"] = sorted(names[a] for a in row["shared_with"])
        out[str(row["id"])] = json.loads(json.dumps(row, default=str))
print(json.dumps(out))
"""


def run(tracker: Tracker, *steps: str):
    """Run ``steps`` (code) one after the other in one process on ``tracker``; what the last
    printed, decoded. A pull waits until the other tracker's feed holds all it wrote."""
    for other in Tracker.running:
        if any(other.url in step for step in steps):
            other.feed_ready()
    return tracker.python("\n".join(textwrap.dedent(s) for s in (PRELUDE, *steps)))


def pull(other: Tracker, key: str, partner: str) -> str:
    """Code: pull ``other``'s feed with ``key``, its records' source ``partner``; what each
    pull did is kept in ``done``."""
    return f"""
out = io.StringIO()
call_command("sync_from", {other.url!r}, token={key!r}, partner={partner!r}, stdout=out)
done.append(out.getvalue().split(": ", 1)[1].strip())
"""


DONE = "print(json.dumps(done))"


def titles(tracker: Tracker, key: str) -> set[str]:
    answer = httpx.get(
        f"{tracker.url}api/v1/situations/",
        headers={"Authorization": f"Token {key}"},
        params={"limit": 100},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {row["title"] for row in answer.json()["results"]}


@pytest.fixture(scope="module")
def trackers():
    base = template()
    pair = [Tracker(f"{base.removesuffix('_template')}_{side}") for side in "ab"]
    for tracker in pair:
        fresh_database(tracker.database, base)
    try:
        for tracker in pair:
            tracker.start()
        for tracker in pair:
            tracker.wait()
        yield pair
    finally:
        for tracker in pair:
            tracker.stop()
        for tracker in pair:
            drop_database(tracker.database)


def test_two_trackers_converge_and_keep_each_label(trackers):
    a, b = trackers
    # Each step is one process on one tracker (a desk's writes, then or before a pull).
    keys = {}
    steps = {
        "a": """
        I(S("a-green", "green"), "Troops near the border")
        I(S("a-amber", "amber", ["Unit B", "ECOWAS Commission"]), "Hate speech on radio")
        S("a-strict", "amber+strict", ["Unit B"])
        S("a-red", "red")
        S("a-relabel", "green")
        print(json.dumps(keys))
        """,
        "b": """
        I(S("b-green", "clear"), "Curfew declared")
        S("b-amber", "amber", ["Unit A"])
        S("b-hidden", "amber", ["ECOWAS Commission"])
        print(json.dumps(keys))
        """,
    }
    with ThreadPoolExecutor(2) as pool:  # the two trackers set up at once
        keys = dict(
            zip(
                "ab",
                pool.map(lambda t, side: run(t, SETUP, steps[side]), (a, b), "ab"),
                strict=True,
            )
        )
    b_pulls_a = pull(a, keys["a"]["Unit B"], "Unit A system")
    a_pulls_b = pull(b, keys["b"]["Unit A"], "Unit B system")
    assert run(b, b_pulls_a, DONE)[0].startswith("6 created")  # 4 situations, 2 signs
    # A's own records come back from B unchanged: nothing written.
    assert run(a, a_pulls_b, DONE)[0].startswith("3 created")  # b-green, its sign, b-amber
    # Both sides write, delete and relabel.
    run(
        a,
        """
        s = get("a-relabel"); s.sharing = "amber"
        services.save_situation(s, shared_with=[Actor.objects.get(name="ECOWAS Commission")])
        services.delete_record(WarningIndicator.objects.get(description="Troops near the border"))
        s = get("a-amber"); s.summary = "Envoy dispatched"; services.save_situation(s)
        """,
        a_pulls_b,
    )
    run(
        b,
        b_pulls_a,
        """
        s = get("a-green"); s.risk_level = 4; services.save_situation(s)
        services.delete_record(get("b-amber"))
        I(get("b-green"), "Opposition leader arrested", severity=4)
        I(get("a-green"), "Seen by B's desk")
        """,
    )
    dump_a = run(a, a_pulls_b, DUMP)
    dump_b = run(b, b_pulls_a, DUMP)

    slugs_a = {r["slug"] for r in dump_a.values() if "slug" in r}
    slugs_b = {r["slug"] for r in dump_b.values() if "slug" in r}
    # What A keeps from B (red; relabelled for ECOWAS only) and B from A stays where it is.
    assert slugs_a == {"a-green", "a-amber", "a-strict", "a-red", "a-relabel", "b-green"}
    assert slugs_b == {"a-green", "a-amber", "a-strict", "b-green", "b-hidden"}
    shared = set(dump_a) & set(dump_b)
    assert len(shared) == 8  # 4 situations, 4 signs (one deleted, two added)
    for record_id in shared:
        assert dump_a[record_id] == dump_b[record_id], record_id
    only_a = {i for i, r in dump_a.items() if r.get("slug") in ("a-red", "a-relabel")}
    assert set(dump_a) - shared == only_a
    by_slug = {r["slug"]: r for r in dump_b.values() if "slug" in r}
    assert by_slug["a-green"]["risk_level"] == 4
    assert by_slug["a-amber"]["summary"] == "Envoy dispatched"
    assert by_slug["a-strict"]["shared_with"] == ["Unit B"]
    assert by_slug["a-amber"]["shared_with"] == ["ECOWAS Commission", "Unit B"]

    # A partner of either never sees there what the label kept from it.
    ecowas_on_b = titles(b, keys["b"]["ECOWAS Commission"])
    assert ecowas_on_b == {"a-green", "a-amber", "b-green", "b-hidden"}
    ecowas_on_a = titles(a, keys["a"]["ECOWAS Commission"])
    assert ecowas_on_a == {"a-green", "a-amber", "a-relabel", "b-green"}
    assert titles(a, keys["a"]["Unit B"]) == {"a-green", "a-amber", "a-strict", "b-green"}

    # Converged: pulling again writes nothing on either side.
    again = run(a, a_pulls_b, DUMP)
    assert again == dump_a
    assert run(b, b_pulls_a, DONE)[0].startswith("0 created, 0 updated")


def test_a_wrong_token_or_address_exits_with_one_line(trackers):
    a, b = trackers
    refused = b.manage("sync_from", a.url, "--token", "ewt_nothing_here", check=False)
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines()[-1].startswith("CommandError: ")
    assert "refused the token" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    unreachable = b.manage("sync_from", "http://127.0.0.1:9/", "--token", "x", check=False)
    assert unreachable.returncode != 0 and "could not be read" in unreachable.stderr
