"""``sync()`` keeps a partner's mirror equal to what the API shows it, field for field, through
writes, relabels and deletes; a second sync continues from the stored cursor; a mirror never holds
a record its partner may not see."""

from __future__ import annotations

import pytest

from cases.choices import SharingLevel
from cases.models import Engagement, Situation, WarningIndicator
from cases.sharing import Clearance, restrict_to_clearance
from tests.client.conftest import served, wait_for_feed
from tests.factories import (
    ActorFactory,
    EngagementFactory,
    PartnerFactory,
    SituationFactory,
    WarningIndicatorFactory,
)
from tracker_client import SQLiteMirror

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def visible(partner) -> set[tuple[str, str]]:
    """What ``partner`` may see of situations, signs and engagements, by the one sharing rule."""
    clearance = Clearance.for_actors([partner.actor_id])
    keys = set()
    for type_, model, path in (
        ("situation", Situation, None),
        ("indicator", WarningIndicator, "situation"),
        ("engagement", Engagement, "situation"),
    ):
        rows = restrict_to_clearance(model.objects.all(), clearance, *([path] if path else []))
        keys |= {(type_, str(pk)) for pk in rows.values_list("pk", flat=True)}
    return keys


def cases_in(records: dict) -> set[tuple[str, str]]:
    return {key for key in records if key[0] in ("situation", "indicator", "engagement")}


def world(partner) -> dict:
    """A situation at each level, with a sign and an engagement each."""
    other = ActorFactory()
    levels = {
        "clear": {"sharing": SharingLevel.CLEAR},
        "green": {"sharing": SharingLevel.GREEN},
        "amber_shared": {"sharing": SharingLevel.AMBER, "shared_with": [partner.actor]},
        "amber_other": {"sharing": SharingLevel.AMBER, "shared_with": [other]},
        "strict_other": {"sharing": SharingLevel.AMBER_STRICT, "shared_with": [other]},
        "red": {"sharing": SharingLevel.RED},
    }
    made = {}
    for name, fields in levels.items():
        situation = SituationFactory(**fields)
        made[name] = situation
        made[f"{name}_sign"] = WarningIndicatorFactory(situation=situation)
        made[f"{name}_engagement"] = EngagementFactory(situation=situation)
    return made


def test_sync_keeps_a_mirror_equal_to_the_api_and_continues_from_its_cursor(
    connect, desk, tmp_path
):
    partner = PartnerFactory()
    records = world(partner)
    client = connect(partner)
    path = tmp_path / "mirror.sqlite3"
    wait_for_feed()

    with SQLiteMirror(path) as mirror:
        first = client.sync(mirror, limit=4)
        assert first.since == "0" and first.pages > 1
        held = mirror.records()
        assert held == served(client)
        assert cases_in(held) == visible(partner)
    assert ("situation", str(records["red"].pk)) not in held
    assert ("indicator", str(records["amber_other_sign"].pk)) not in held

    # Writes on the server: a relabel that hides, one that shows, a list that widens, an edit,
    # deletes, and the partner's own new records.
    amber = str(records["amber_shared"].pk)
    desk.patch("situations", amber, {"sharing": "red"})
    desk.patch("situations", str(records["red"].pk), {"sharing": "green"})
    desk.patch(
        "situations",
        str(records["amber_other"].pk),
        {"shared_with": [str(partner.actor_id), str(records["amber_other"].shared_with.get().pk)]},
    )
    desk.patch("situations", str(records["clear"].pk), {"title": "Renamed by the desk"})
    desk.delete("indicators", str(records["green_sign"].pk))
    desk.delete("engagements", str(records["clear_engagement"].pk))
    mine = client.create(
        "situations",
        {
            "title": "Ours",
            "slug": "ours",
            "region": "africa",
            "crisis_type": "political-crisis",
            "sharing": "green",
        },
    )
    client.create(
        "indicators",
        {
            "situation": mine["id"],
            "category": "hate-speech",
            "severity": 2,
            "description": "Seen by us",
            "observed_on": "2011-02-01",
        },
    )

    # A new process: the same file, the stored cursor.
    wait_for_feed()
    with SQLiteMirror(path) as mirror:
        assert mirror.load_cursor() == first.cursor
        second = client.sync(mirror, limit=4)
        assert second.since == first.cursor
        assert second.changes < first.changes
        assert second.deletes >= 4  # amber's situation, sign and engagement; green's sign; …
        held = mirror.records()
        assert held == served(client)
        assert cases_in(held) == visible(partner)
    assert ("situation", amber) not in held
    assert ("indicator", str(records["amber_shared_sign"].pk)) not in held
    assert held[("situation", str(records["red"].pk))]["sharing"] == "green"
    assert ("indicator", str(records["red_sign"].pk)) in held
    assert ("engagement", str(records["amber_other_engagement"].pk)) in held
    assert held[("situation", str(records["clear"].pk))]["title"] == "Renamed by the desk"
    assert ("indicator", str(records["green_sign"].pk)) not in held
    assert ("situation", mine["id"]) in held

    # Nothing new: a third sync reads one page and changes nothing.
    with SQLiteMirror(path) as mirror:
        third = client.sync(mirror)
        assert third.changes == 0 and mirror.records() == held


def test_a_mirror_never_holds_what_its_partner_may_not_see(connect, desk, tmp_path):
    cleared, outsider = PartnerFactory(), PartnerFactory()
    records = world(cleared)
    mirrors = {}
    wait_for_feed()
    for partner in (cleared, outsider):
        with SQLiteMirror(tmp_path / f"{partner.pk}.sqlite3") as mirror:
            connect(partner).sync(mirror, limit=5)
            mirrors[partner.pk] = mirror.records()
    everything = served(desk)

    for partner in (cleared, outsider):
        held = mirrors[partner.pk]
        assert cases_in(held) == visible(partner)
        assert set(held) <= set(everything)
        for key, data in held.items():
            if key[0] in ("situation", "indicator"):  # as a desk officer reads them
                assert data == everything[key]
    assert ("situation", str(records["amber_shared"].pk)) in mirrors[cleared.pk]
    assert ("situation", str(records["amber_shared"].pk)) not in mirrors[outsider.pk]
    assert ("indicator", str(records["amber_shared_sign"].pk)) not in mirrors[outsider.pk]
    for name in ("amber_other", "strict_other", "red"):
        for suffix in ("", "_sign", "_engagement"):
            record = records[name + suffix]
            assert all(key[1] != str(record.pk) for held in mirrors.values() for key in held)
